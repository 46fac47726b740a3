/**
 * A realistic demo Zoho org, deterministic for (accounts, seed, asOf): the same input always gives
 * byte-identical JSON, so demos, tests and benchmarks can name accounts and expect the same story.
 *
 * Each account follows a profile (healthy, silent, stalled, renewing, expanding, at_risk) recorded in
 * the `$sandbox_profile` meta field, so tests can check that analysis finds what was planted. Margins
 * around the DOMAIN-RULES thresholds are deliberate (silent ≥ 35 days, stalled ≥ 31 days in stage,
 * healthy deals ≤ 25 days in stage, non-renewing contracts ≥ 100 days out), so counting days in
 * calendar days or elapsed days gives the same verdict.
 */
import { ValidationError } from '../../shared/errors.ts';
import {
  BUSINESSES,
  CALL_SUBJECTS,
  CITIES,
  type City,
  COMPETITORS,
  DEPARTMENTS,
  DONE_TASK_SUBJECTS,
  EVENT_TITLES,
  EXPANSION_NOTES,
  FIRST_NAMES,
  LAST_NAMES,
  NAME_EXTRAS,
  NAME_PREFIXES,
  NEGATIVE_NOTES,
  NEUTRAL_NOTES,
  NOTE_TITLES,
  OPEN_TASK_SUBJECTS,
  RENEWAL_NOTES,
  type Region,
  STALLED_NOTES,
  TITLES,
  type Tone,
} from './demo-org-word-lists.ts';
import type { SandboxOrg, ZohoRecord } from './sandbox-org.ts';
import { zohoDate, zohoDateTime, zohoId } from './zoho-formats.ts';

export type AccountProfile = 'healthy' | 'silent' | 'stalled' | 'renewing' | 'expanding' | 'at_risk';

/** The share of accounts per profile; the counts are exact up to rounding (leftovers are healthy). */
export const PROFILE_SHARES: Readonly<Record<AccountProfile, number>> = {
  healthy: 0.45,
  silent: 0.15,
  stalled: 0.15,
  renewing: 0.1,
  expanding: 0.1,
  at_risk: 0.05,
};

/** Share of accounts that get 1–4 overdue open tasks, whatever their profile. */
export const OVERDUE_TASK_SHARE = 0.2;

/** The meta field holding an account's profile; `$`-prefixed like Zoho's own meta keys, so clients ignore it. */
export const PROFILE_FIELD = '$sandbox_profile';

export interface DemoOrgOptions {
  accounts?: number;
  seed?: number;
  /**
   * "Now" for the story: every record was created and modified, and every call, note and past meeting
   * happened, before it; only plans (due dates, closing dates, contract ends, meetings booked ahead) lie after.
   */
  asOf: Date;
}

/** Generates the demo org; 300 accounts by default. */
export function generateDemoOrg(options: DemoOrgOptions): SandboxOrg {
  const { accounts = 300, seed = 42, asOf } = options;
  if (!Number.isInteger(accounts) || accounts < 0)
    throw new ValidationError(`accounts must be a whole number ≥ 0, got ${accounts}`);
  if (!Number.isInteger(seed)) throw new ValidationError(`seed must be an integer, got ${seed}`);
  if (!(asOf instanceof Date) || Number.isNaN(asOf.getTime())) throw new ValidationError('asOf must be a valid Date');

  const builder = new DemoOrgBuilder(new Random(seed), asOf);
  const reps = builder.addStaff();
  const profiles = builder.rng.shuffle(profileDeck(accounts));
  const overdue = builder.rng.shuffle(
    Array.from({ length: accounts }, (_, i) => i < Math.round(accounts * OVERDUE_TASK_SHARE)),
  );
  for (let i = 0; i < accounts; i++) {
    builder.addAccount(profiles[i] ?? 'healthy', reps[i % reps.length]!, overdue[i] ?? false);
  }
  return builder.org;
}

/** The profile the generator gave an account, if it came from the generator. */
export function sandboxProfileOf(account: Readonly<Record<string, unknown>>): AccountProfile | undefined {
  const value = account[PROFILE_FIELD];
  return typeof value === 'string' && value in PROFILE_SHARES ? (value as AccountProfile) : undefined;
}

function profileDeck(accounts: number): AccountProfile[] {
  const deck: AccountProfile[] = [];
  for (const [profile, share] of Object.entries(PROFILE_SHARES) as [AccountProfile, number][]) {
    if (profile === 'healthy') continue;
    for (let i = 0; i < Math.round(accounts * share) && deck.length < accounts; i++) deck.push(profile);
  }
  while (deck.length < accounts) deck.push('healthy');
  return deck;
}

// ---------------------------------------------------------------------------------------------------
// Randomness and time

/** mulberry32: tiny, fast and good enough for plausible data; Math.random would break determinism. */
class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Picks by weight: `[[value, weight], …]`. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [value, weight] of choices) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return choices[choices.length - 1]![0];
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
    return items;
  }
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// ---------------------------------------------------------------------------------------------------
// Pipeline

const OPEN_STAGES = [
  'Qualification',
  'Needs Analysis',
  'Value Proposition',
  'Id. Decision Makers',
  'Proposal/Price Quote',
  'Negotiation/Review',
] as const;

/** Zoho's default probability per stage. */
export const STAGE_PROBABILITY: Readonly<Record<string, number>> = {
  Qualification: 10,
  'Needs Analysis': 20,
  'Value Proposition': 40,
  'Id. Decision Makers': 60,
  'Proposal/Price Quote': 75,
  'Negotiation/Review': 90,
  'Closed Won': 100,
  'Closed Lost': 0,
};

type ActivityKind = 'call' | 'event' | 'note' | 'task';

const LAST_ACTIVITY_DAYS: Readonly<Record<AccountProfile, readonly [number, number]>> = {
  healthy: [0, 10],
  silent: [35, 120],
  stalled: [2, 20],
  renewing: [1, 20],
  expanding: [0, 7],
  at_risk: [1, 15],
};

// ---------------------------------------------------------------------------------------------------
// The builder

interface Staff {
  user: ZohoRecord & { full_name: string; email: string };
  ref: { id: string; name: string; email: string };
  region: Region;
  manager?: Staff;
}

interface ContactInfo {
  id: string;
  name: string;
  first: string;
  title: string;
  email: string;
  phone: string;
}

interface DealInfo {
  record: ZohoRecord;
  id: string;
  name: string;
  createdAt: number;
  isOpen: boolean;
}

/** What the activity generators need to know about one account. */
interface AccountContext {
  profile: AccountProfile;
  id: string;
  name: string;
  shortName: string;
  owner: Staff;
  city: City;
  domain: string;
  createdDaysAgo: number;
  lastDaysAgo: number;
  renewalDate: string | null;
  contacts: ContactInfo[];
  deals: DealInfo[];
  focusDeal: DealInfo | null;
  activityTimes: number[];
}

class DemoOrgBuilder {
  readonly rng: Random;
  readonly asOf: number;
  readonly org: SandboxOrg = {
    users: [],
    Accounts: [],
    Contacts: [],
    Deals: [],
    Tasks: [],
    Calls: [],
    Events: [],
    Notes: [],
    Stage_History: [],
  };
  #counter = 100_000;
  #names = new Set<string>();
  /** Hours to move times earlier so they fall in the working day of the current account's region. */
  #workdayShift = 0;

  constructor(rng: Random, asOf: Date) {
    this.rng = rng;
    this.asOf = asOf.getTime();
  }

  /** 19-digit numeric ids like Zoho's, one sequence for the whole org. */
  nextId(): string {
    this.#counter += 1;
    return zohoId(this.#counter);
  }

  /**
   * An instant `days` whole days before asOf and 1–16 hours earlier still (never a whole day, so the
   * elapsed-day count stays `days`), on a 5-minute boundary.
   */
  ago(days: number): number {
    const t = this.asOf - days * DAY - this.#workdayShift * HOUR - this.rng.int(12, 108) * 5 * MINUTE;
    return t - (t % (5 * MINUTE));
  }

  ahead(days: number): number {
    const t = this.asOf + days * DAY - this.#workdayShift * HOUR + this.rng.int(12, 108) * 5 * MINUTE;
    return t - (t % (5 * MINUTE));
  }

  dateTime(ms: number): string {
    return zohoDateTime(new Date(ms));
  }

  date(ms: number): string {
    return zohoDate(new Date(ms));
  }

  /** The CEO, three sales managers and twelve reps; returns the reps, who own every account. */
  addStaff(): Staff[] {
    const roles = { ceo: this.nextId(), manager: this.nextId(), rep: this.nextId() };
    const profiles = { admin: this.nextId(), standard: this.nextId() };
    const person = (
      first: string,
      last: string,
      kind: 'ceo' | 'manager' | 'rep',
      timeZone: string,
      region: Region,
      manager?: Staff,
    ): Staff => {
      const id = this.nextId();
      const fullName = `${first} ${last}`;
      const email = `${`${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, '')}@lumenworks.io`;
      const created = this.ago(this.rng.int(1700, 2000));
      const user = {
        id,
        first_name: first,
        last_name: last,
        full_name: fullName,
        email,
        status: 'active',
        role: { name: kind === 'ceo' ? 'CEO' : kind === 'manager' ? 'Sales Manager' : 'Sales Rep', id: roles[kind] },
        profile:
          kind === 'ceo' ? { name: 'Administrator', id: profiles.admin } : { name: 'Standard', id: profiles.standard },
        time_zone: timeZone,
        country: region === 'emea' ? 'GB' : 'US',
        locale: region === 'emea' ? 'en_GB' : 'en_US',
        language: 'en_US',
        confirm: true,
        Reporting_To: manager ? { id: manager.ref.id, name: manager.ref.name } : null,
        created_time: this.dateTime(created),
        Modified_Time: this.dateTime(created + this.rng.int(1, 600) * DAY),
      };
      this.org.users.push(user);
      return { user, ref: { id, name: fullName, email }, region, ...(manager ? { manager } : {}) };
    };

    const ceo = person('Margaret', 'Ellison', 'ceo', 'America/New_York', 'east');
    const east = person('Daniel', 'Okafor', 'manager', 'America/New_York', 'east', ceo);
    const west = person('Priya', 'Raman', 'manager', 'America/Los_Angeles', 'west', ceo);
    const emea = person('Henrik', 'Larsen', 'manager', 'Europe/London', 'emea', ceo);
    return [
      person('Jordan', 'Blake', 'rep', 'America/New_York', 'east', east),
      person('Maria', 'Gonzalez', 'rep', 'America/Chicago', 'east', east),
      person('Kevin', "O'Brien", 'rep', 'America/New_York', 'east', east),
      person('Aisha', 'Mohammed', 'rep', 'America/Chicago', 'east', east),
      person('Ethan', 'Park', 'rep', 'America/Los_Angeles', 'west', west),
      person('Chloe', 'Nguyen', 'rep', 'America/Denver', 'west', west),
      person('Lucas', 'Silva', 'rep', 'America/Los_Angeles', 'west', west),
      person('Grace', 'Whitfield', 'rep', 'America/Phoenix', 'west', west),
      person('Sofia', 'Rossi', 'rep', 'Europe/Rome', 'emea', emea),
      person('Liam', 'Murphy', 'rep', 'Europe/Dublin', 'emea', emea),
      person('Hannah', 'Schmidt', 'rep', 'Europe/Berlin', 'emea', emea),
      person('Noah', 'Dubois', 'rep', 'Europe/Paris', 'emea', emea),
    ];
  }

  addAccount(profile: AccountProfile, owner: Staff, hasOverdueTasks: boolean): void {
    const rng = this.rng;
    this.#workdayShift = owner.region === 'emea' ? 7 : 0;
    const city = rng.pick(CITIES[owner.region]);
    const [business, industry] = rng.pick(BUSINESSES);
    const shortName = this.uniqueName(business, city);
    const legal = rng.pick(city.legal);
    const name = legal ? `${shortName} ${legal}` : shortName;
    const domain = `${shortName.toLowerCase().replace(/[^a-z0-9]/g, '')}.${city.tld}`;
    const createdDaysAgo =
      profile === 'renewing'
        ? rng.int(520, 1600)
        : profile === 'healthy' && rng.chance(0.1)
          ? rng.int(45, 300)
          : rng.int(330, 1600);
    const created = this.ago(createdDaysAgo);
    const size = rng.weighted([
      ['small', 4],
      ['mid', 4],
      ['large', 2],
    ] as const);
    const revenue =
      size === 'small'
        ? rng.int(10, 200) * 100_000
        : size === 'mid'
          ? rng.int(20, 250) * 1_000_000
          : rng.int(25, 500) * 10_000_000;
    const employees = Math.max(8, Math.round(revenue / (rng.int(150, 400) * 1000)));
    const id = this.nextId();
    const account: ZohoRecord = {
      id,
      Account_Name: name,
      Owner: owner.ref,
      Account_Type: rng.weighted([
        ['Customer', 16],
        ['Partner', 1.5],
        ['Reseller', 1.5],
        ['Integrator', 1],
      ] as const),
      Industry: industry,
      Rating: this.rating(profile),
      Annual_Revenue: revenue,
      Employees: rng.chance(0.05) ? null : employees,
      Ownership: size === 'large' && rng.chance(0.6) ? 'Public' : 'Private',
      Phone: rng.chance(0.05) ? null : this.phone(city),
      Website: rng.chance(0.1) ? null : `www.${domain}`,
      Billing_City: city.city,
      Billing_State: city.state,
      Billing_Country: city.country,
      Description: `${industry} company based in ${city.city}, about ${employees} employees. Customer since ${this.date(created).slice(0, 4)}.`,
      Created_Time: this.dateTime(created),
      Created_By: owner.ref,
      Modified_By: owner.ref,
      [PROFILE_FIELD]: profile,
    };
    this.org.Accounts.push(account as SandboxOrg['Accounts'][number]);

    const ctx: AccountContext = {
      profile,
      id,
      name,
      shortName,
      owner,
      city,
      domain,
      createdDaysAgo,
      lastDaysAgo: rng.int(...LAST_ACTIVITY_DAYS[profile]),
      renewalDate: null,
      contacts: [],
      deals: [],
      focusDeal: null,
      activityTimes: [],
    };
    const contactCount = rng.int(2, 6);
    for (let i = 0; i < contactCount; i++) this.addContact(ctx, i === 0);
    this.addDeals(ctx, revenue);
    if (ctx.renewalDate) account.Contract_End_Date = ctx.renewalDate;
    this.addActivities(ctx);
    if (hasOverdueTasks) this.addOverdueTasks(ctx);
    this.addScheduledActivity(ctx);

    const modifiedDaysAgo = rng.int(0, Math.min(90, createdDaysAgo));
    account.Modified_Time = this.dateTime(Math.max(created, this.ago(modifiedDaysAgo)));
    account.Last_Activity_Time = ctx.activityTimes.length ? this.dateTime(Math.max(...ctx.activityTimes)) : null;
  }

  rating(profile: AccountProfile): string | null {
    if (profile === 'at_risk') return this.rng.chance(0.75) ? 'Project Cancelled' : 'Market Failed';
    if (this.rng.chance(0.08)) return null;
    return profile === 'healthy' && this.rng.chance(0.05) ? 'Acquired' : 'Active';
  }

  phone(city: City): string {
    return city.phone.replace(/#/g, () => String(this.rng.int(0, 9)));
  }

  uniqueName(business: string, city: City): string {
    for (let attempt = 0; attempt < 40; attempt++) {
      const base = `${this.rng.pick(NAME_PREFIXES)} ${attempt < 20 ? business : this.rng.pick(BUSINESSES)[0]}`;
      const name = attempt < 10 ? base : `${base} ${this.rng.pick([...NAME_EXTRAS, city.city])}`;
      if (!this.#names.has(name)) {
        this.#names.add(name);
        return name;
      }
    }
    // Only reachable with thousands of accounts; a numbered name is still plausible ("… 2").
    const name = `${this.rng.pick(NAME_PREFIXES)} ${business} ${this.#names.size}`;
    this.#names.add(name);
    return name;
  }

  addContact(ctx: AccountContext, isPrimary: boolean): void {
    const rng = this.rng;
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const title = isPrimary ? rng.pick(TITLES.slice(0, 6)) : rng.pick(TITLES);
    const local = `${first}.${last}`
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z.]/g, '');
    const email = `${local}@${ctx.domain}`;
    const phone = this.phone(ctx.city);
    const created = this.ago(ctx.createdDaysAgo - rng.int(0, 5));
    const id = this.nextId();
    this.org.Contacts.push({
      id,
      Owner: ctx.owner.ref,
      First_Name: first,
      Last_Name: last,
      Full_Name: `${first} ${last}`,
      Email: email,
      Phone: phone,
      Mobile: rng.chance(0.4) ? this.phone(ctx.city) : null,
      Title: title,
      Department: rng.chance(0.6) ? rng.pick(DEPARTMENTS) : null,
      Account_Name: { id: ctx.id, name: ctx.name },
      Mailing_City: ctx.city.city,
      Mailing_Country: ctx.city.country,
      Lead_Source: rng.pick([
        'Advertisement',
        'Cold Call',
        'Employee Referral',
        'Partner',
        'Web Download',
        'Trade Show',
      ]),
      Email_Opt_Out: rng.chance(0.05),
      Created_Time: this.dateTime(created),
      Modified_Time: this.dateTime(Math.max(created, this.ago(rng.int(5, ctx.createdDaysAgo)))),
      Created_By: ctx.owner.ref,
      Modified_By: ctx.owner.ref,
    });
    ctx.contacts.push({ id, name: `${first} ${last}`, first, title, email, phone });
  }

  /** The won deal behind the contract, sometimes a lost one and an upsell, and the profile's open deal. */
  addDeals(ctx: AccountContext, revenue: number): void {
    const rng = this.rng;
    const baseAmount =
      revenue < 20_000_000
        ? rng.int(16, 80) * 500
        : revenue < 250_000_000
          ? rng.int(60, 300) * 500
          : rng.int(200, 1200) * 500;

    let wonDaysAgo: number;
    let contractDaysLeft: number | undefined;
    if (ctx.profile === 'renewing') {
      contractDaysLeft = rng.int(5, 88);
      const years = ctx.createdDaysAgo - 200 >= 730 && rng.chance(0.3) ? 2 : 1;
      wonDaysAgo = 365 * years - contractDaysLeft;
    } else {
      const lo = Math.min(Math.max(ctx.lastDaysAgo + 20, 45), ctx.createdDaysAgo - 10);
      wonDaysAgo = rng.int(lo, Math.max(lo, ctx.createdDaysAgo - 150));
      if (rng.chance(0.75)) {
        const years = [1, 2, 3].find((y) => 365 * y - wonDaysAgo >= 100);
        if (years) contractDaysLeft = 365 * years - wonDaysAgo;
      }
    }
    if (contractDaysLeft !== undefined) ctx.renewalDate = this.date(this.asOf + contractDaysLeft * DAY);
    this.addClosedDeal(
      ctx,
      'Closed Won',
      wonDaysAgo,
      baseAmount,
      rng.pick(['Platform subscription', 'Annual subscription', 'Initial license']),
      'New Business',
    );

    if (ctx.profile === 'at_risk') {
      this.addClosedDeal(
        ctx,
        'Closed Lost',
        rng.int(Math.max(ctx.lastDaysAgo, 5), 45),
        Math.round(baseAmount * 0.4),
        'Analytics add-on',
        'Existing Business',
      );
    } else if (rng.chance(0.2) && wonDaysAgo - 30 > ctx.lastDaysAgo + 20) {
      this.addClosedDeal(
        ctx,
        'Closed Lost',
        rng.int(ctx.lastDaysAgo + 20, wonDaysAgo - 30),
        Math.round(baseAmount * 0.5),
        rng.pick(['Premium support', 'Services package', 'Analytics add-on']),
        'Existing Business',
      );
    }
    if ((ctx.profile === 'healthy' || ctx.profile === 'expanding') && rng.chance(0.2) && wonDaysAgo - 30 > 40) {
      this.addClosedDeal(
        ctx,
        'Closed Won',
        rng.int(40, wonDaysAgo - 30),
        Math.round(baseAmount * 0.3),
        'Additional seats',
        'Existing Business',
      );
    }

    const year = new Date(this.asOf).getUTCFullYear();
    switch (ctx.profile) {
      case 'healthy':
        if (rng.chance(0.5)) {
          this.addOpenDeal(ctx, {
            stage: rng.int(0, 5),
            daysInStage: rng.int(1, 25),
            closingInDays: rng.int(14, 120),
            amount: Math.round(baseAmount * 0.4),
            label: rng.pick(['Premium support', 'Analytics add-on', 'Services package']),
          });
        }
        break;
      case 'stalled':
        ctx.focusDeal = this.addOpenDeal(ctx, {
          stage: rng.int(1, 5),
          daysInStage: rng.int(31, 70),
          closingInDays: rng.chance(0.4) ? -rng.int(1, 25) : rng.int(7, 60),
          amount: Math.round(baseAmount * rng.int(4, 12) * 0.1),
          label: rng.pick(['Platform upgrade', 'Multi-year agreement', 'Analytics add-on', 'Services package']),
        });
        break;
      case 'renewing':
        ctx.focusDeal = this.addOpenDeal(ctx, {
          stage: rng.pick([2, 4, 5]),
          daysInStage: rng.int(2, 25),
          closingInDays: contractDaysLeft ?? 30,
          amount: Math.round(baseAmount * rng.int(100, 110) * 0.01),
          label: `Renewal ${year + 1}`,
        });
        break;
      case 'expanding': {
        const seats = rng.int(2, 12) * 10;
        ctx.focusDeal = this.addOpenDeal(ctx, {
          stage: rng.int(0, 2),
          daysInStage: rng.int(1, 20),
          closingInDays: rng.int(20, 90),
          amount: Math.round(baseAmount * rng.int(20, 60) * 0.01),
          label: `Expansion (${seats} seats)`,
        });
        break;
      }
      default:
        break;
    }
  }

  addOpenDeal(
    ctx: AccountContext,
    plan: { stage: number; daysInStage: number; closingInDays: number; amount: number; label: string },
  ): DealInfo {
    const path = this.stagePath(plan.stage);
    const entered = this.ago(plan.daysInStage);
    const closing = this.date(this.asOf + plan.closingInDays * DAY);
    return this.addDeal(ctx, path, entered, closing, plan.amount, plan.label, 'Existing Business', true);
  }

  addClosedDeal(
    ctx: AccountContext,
    outcome: 'Closed Won' | 'Closed Lost',
    daysAgo: number,
    amount: number,
    label: string,
    type: string,
  ): void {
    const last = outcome === 'Closed Won' ? (this.rng.chance(0.85) ? 5 : 4) : this.rng.int(0, 5);
    const path = [...this.stagePath(last), outcome];
    const closedAt = this.ago(daysAgo);
    this.addDeal(ctx, path, closedAt, this.date(closedAt), amount, label, type, false);
  }

  /** Qualification up to OPEN_STAGES[last], skipping some middle stages as real pipelines do. */
  stagePath(last: number): string[] {
    return OPEN_STAGES.slice(0, last + 1).filter((_, i) => i === 0 || i === last || this.rng.chance(0.8));
  }

  addDeal(
    ctx: AccountContext,
    path: string[],
    lastEntry: number,
    closingDate: string,
    amount: number,
    label: string,
    type: string,
    isOpen: boolean,
  ): DealInfo {
    const rng = this.rng;
    // Earlier stages each lasted 3–20 days; squeeze them if the account is too young for that.
    const durations = path.slice(0, -1).map(() => rng.int(3 * 24, 20 * 24) * HOUR);
    const earliest = this.asOf - (ctx.createdDaysAgo - 1) * DAY;
    const total = durations.reduce((a, b) => a + b, 0);
    const scale = total > 0 && lastEntry - total < earliest ? ((lastEntry - earliest) * 0.9) / total : 1;
    const entries: number[] = [lastEntry];
    for (let i = durations.length - 1; i >= 0; i--) {
      const previous = entries[0]! - Math.max(HOUR, Math.round((durations[i]! * scale) / MINUTE) * MINUTE);
      entries.unshift(previous);
    }
    const stage = path[path.length - 1]!;
    const probability = STAGE_PROBABILITY[stage] ?? 0;
    const roundedAmount = Math.max(500, Math.round(amount / 500) * 500);
    const contact = rng.pick(ctx.contacts);
    const id = this.nextId();
    const name = `${ctx.shortName} - ${label}`;
    const modified = Math.min(lastEntry + rng.int(0, 36) * HOUR, this.asOf - HOUR);
    const record: ZohoRecord = {
      id,
      Owner: ctx.owner.ref,
      Deal_Name: name,
      Account_Name: { id: ctx.id, name: ctx.name },
      Contact_Name: { id: contact.id, name: contact.name },
      Stage: stage,
      Pipeline: 'Standard (Standard)',
      Type: type,
      Amount: roundedAmount,
      Probability: probability,
      Expected_Revenue: Math.round((roundedAmount * probability) / 100),
      Closing_Date: closingDate,
      Lead_Source: rng.pick([
        'Cold Call',
        'Employee Referral',
        'Partner',
        'Web Download',
        'Trade Show',
        'Existing Customer',
      ]),
      Next_Step: isOpen
        ? rng.pick(['Send proposal', 'Schedule demo', 'Confirm budget', 'Legal review', 'Follow-up call'])
        : null,
      Reason_For_Loss__s:
        stage === 'Closed Lost' ? rng.pick(['Lost to Competitor', 'Budget constraints', 'No decision', 'Price']) : null,
      Description: `${label} for ${ctx.name}.`,
      Created_Time: this.dateTime(entries[0]!),
      Modified_Time: this.dateTime(modified),
      Created_By: ctx.owner.ref,
      Modified_By: ctx.owner.ref,
    };
    this.org.Deals.push(record as SandboxOrg['Deals'][number]);

    const earlyAmount = rng.chance(0.3)
      ? Math.round((roundedAmount * rng.int(80, 120)) / 100 / 500) * 500
      : roundedAmount;
    path.forEach((entryStage, i) => {
      const quoted =
        OPEN_STAGES.indexOf(entryStage as (typeof OPEN_STAGES)[number]) >= 4 || entryStage.startsWith('Closed');
      const entryAmount = quoted ? roundedAmount : earlyAmount;
      const entryProbability = STAGE_PROBABILITY[entryStage] ?? 0;
      this.org.Stage_History.push({
        id: this.nextId(),
        Deal: { id, name },
        Stage: entryStage,
        Modified_Time: this.dateTime(entries[i]!),
        Modified_By: ctx.owner.ref,
        Amount: entryAmount,
        Probability: entryProbability,
        Expected_Revenue: Math.round((entryAmount * entryProbability) / 100),
        Closing_Date: closingDate,
      });
    });
    const info: DealInfo = { record, id, name, createdAt: entries[0]!, isOpen };
    ctx.deals.push(info);
    return info;
  }

  addActivities(ctx: AccountContext): void {
    const rng = this.rng;
    const window = Math.min(548, ctx.createdDaysAgo - 15);
    const last = ctx.lastDaysAgo;
    const plan: { daysAgo: number; tone: Tone }[] = [];
    const add = (count: number, from: number, to: number, tone: Tone) => {
      for (let i = 0; i < count; i++) plan.push({ daysAgo: rng.int(from, Math.max(from, to)), tone });
    };
    const recentTone: Record<AccountProfile, Tone> = {
      healthy: 'neutral',
      silent: 'neutral',
      stalled: 'stalled',
      renewing: 'renewal',
      expanding: 'expansion',
      at_risk: 'negative',
    };
    plan.push({ daysAgo: last, tone: recentTone[ctx.profile] });
    switch (ctx.profile) {
      case 'healthy':
        add(rng.int(2, 4), last, 14, 'neutral');
        add(rng.int(10, 20), last, window, 'neutral');
        break;
      case 'silent':
        add(rng.int(4, 12), last, window, 'neutral');
        break;
      case 'stalled':
        add(rng.int(1, 2), last, 28, 'stalled');
        add(rng.int(6, 14), last, window, 'neutral');
        break;
      case 'renewing':
        add(rng.int(1, 2), last, 30, 'renewal');
        add(rng.int(6, 14), last, window, 'neutral');
        break;
      case 'expanding':
        add(rng.int(1, 2), last, 25, 'expansion');
        add(rng.int(1, 2), last, 20, 'neutral');
        add(rng.int(8, 18), last, window, 'neutral');
        break;
      case 'at_risk':
        add(rng.int(2, 4), last, 28, 'negative');
        add(rng.int(6, 12), last, window, 'neutral');
        break;
    }
    plan.sort((a, b) => b.daysAgo - a.daysAgo);
    for (const { daysAgo, tone } of plan) {
      const kind = this.kindFor(tone);
      const at = this.ago(daysAgo);
      ctx.activityTimes.push(at);
      if (kind === 'note') this.addNote(ctx, at, tone);
      else if (kind === 'call') this.addCall(ctx, at, tone);
      else if (kind === 'event') this.addEvent(ctx, at, tone);
      else this.addCompletedTask(ctx, at, tone);
    }
  }

  kindFor(tone: Tone): ActivityKind {
    // Negative and expansion language must land in text a reader would see: notes and call descriptions.
    if (tone === 'negative' || tone === 'expansion') {
      return this.rng.weighted([
        ['note', 6],
        ['call', 4],
      ] as const);
    }
    return this.rng.weighted([
      ['call', 35],
      ['note', 25],
      ['task', 20],
      ['event', 20],
    ] as const);
  }

  /** An activity hangs off a deal sometimes, if one existed then; otherwise off the account. */
  target(ctx: AccountContext, at: number, tone: Tone): { id: string; name: string; module: 'Accounts' | 'Deals' } {
    if (ctx.focusDeal && (tone === 'stalled' || tone === 'renewal') && ctx.focusDeal.createdAt <= at) {
      return { id: ctx.focusDeal.id, name: ctx.focusDeal.name, module: 'Deals' };
    }
    const deals = ctx.deals.filter((deal) => deal.createdAt <= at);
    if (deals.length > 0 && this.rng.chance(0.3)) {
      const deal = this.rng.pick(deals);
      return { id: deal.id, name: deal.name, module: 'Deals' };
    }
    return { id: ctx.id, name: ctx.name, module: 'Accounts' };
  }

  fill(template: string, ctx: AccountContext, contact: ContactInfo): string {
    return template
      .replaceAll('{first}', contact.first)
      .replaceAll('{title}', contact.title)
      .replaceAll('{dept}', this.rng.pick(DEPARTMENTS))
      .replaceAll('{city}', ctx.city.city)
      .replaceAll('{n}', String(this.rng.int(3, 60)))
      .replaceAll('{deal}', ctx.focusDeal?.name ?? ctx.deals[0]?.name ?? 'the proposal')
      .replaceAll('{renewal}', ctx.renewalDate ?? 'the contract end date')
      .replaceAll('{competitor}', this.rng.pick(COMPETITORS));
  }

  /** Compliance checks need realistic PII: some texts carry a contact's e-mail or phone number. */
  withPii(text: string, contact: ContactInfo): string {
    if (!this.rng.chance(0.15)) return text;
    return this.rng.chance(0.5)
      ? `${text} Best reach for ${contact.first}: ${contact.phone} or ${contact.email}.`
      : `${text} ${contact.first} asked us to use ${contact.email} from now on.`;
  }

  text(tone: Tone): string {
    const pools: Record<Tone, readonly string[]> = {
      neutral: NEUTRAL_NOTES,
      expansion: EXPANSION_NOTES,
      negative: NEGATIVE_NOTES,
      stalled: STALLED_NOTES,
      renewal: RENEWAL_NOTES,
    };
    return this.rng.pick(pools[tone]);
  }

  links(ctx: AccountContext, at: number, tone: Tone, contact: ContactInfo) {
    const target = this.target(ctx, at, tone);
    return {
      What_Id: { id: target.id, name: target.name },
      $se_module: target.module,
      Who_Id: { id: contact.id, name: contact.name },
    };
  }

  audit(ctx: AccountContext, created: number, modified: number) {
    return {
      Created_Time: this.dateTime(created),
      Modified_Time: this.dateTime(modified),
      Created_By: ctx.owner.ref,
      Modified_By: ctx.owner.ref,
    };
  }

  addNote(ctx: AccountContext, at: number, tone: Tone): void {
    const contact = this.rng.pick(ctx.contacts);
    const target = this.target(ctx, at, tone);
    this.org.Notes.push({
      id: this.nextId(),
      Owner: ctx.owner.ref,
      Note_Title: this.rng.chance(0.9) ? this.rng.pick(NOTE_TITLES[tone]) : null,
      Note_Content: this.withPii(this.fill(this.text(tone), ctx, contact), contact),
      Parent_Id: { id: target.id, name: target.name, module: { api_name: target.module } },
      ...this.audit(ctx, at, at),
    });
  }

  addCall(ctx: AccountContext, at: number, tone: Tone): void {
    const rng = this.rng;
    const contact = rng.pick(ctx.contacts);
    const seconds = rng.int(2, 45) * 60 + rng.int(0, 59);
    const outbound = rng.chance(0.7);
    this.org.Calls.push({
      id: this.nextId(),
      Owner: ctx.owner.ref,
      Subject: this.fill(rng.pick(CALL_SUBJECTS[tone]), ctx, contact),
      Call_Type: outbound ? 'Outbound' : 'Inbound',
      Call_Purpose: rng.pick(['Administrative', 'Negotiation', 'Demo', 'Project', 'Desk']),
      Call_Start_Time: this.dateTime(at),
      Call_Duration: `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`,
      Call_Duration_in_seconds: seconds,
      Call_Result: rng.pick(['Interested', 'Requested more info', 'Requested call back', 'Follow-up scheduled']),
      Outgoing_Call_Status: outbound ? 'Completed' : null,
      Description: this.withPii(this.fill(this.text(tone), ctx, contact), contact),
      ...this.links(ctx, at, tone, contact),
      ...this.audit(ctx, at + seconds * 1000 + 5 * MINUTE, at + seconds * 1000 + 5 * MINUTE),
    });
  }

  addEvent(ctx: AccountContext, at: number, tone: Tone, scheduledAt?: number): void {
    const rng = this.rng;
    const contact = rng.pick(ctx.contacts);
    const title = rng.pick(EVENT_TITLES[tone]);
    const others = rng.shuffle(ctx.contacts.filter((person) => person !== contact));
    const attendees = [contact, ...others.slice(0, rng.int(0, 2))];
    const participants: Record<string, unknown>[] = attendees.map((person) => ({
      type: 'contact',
      participant: person.id,
      name: person.name,
      Email: person.email,
      invited: true,
      status: scheduledAt === undefined ? 'accepted' : 'not_known',
    }));
    if (title === 'Executive business review' && ctx.owner.manager) {
      const manager = ctx.owner.manager.ref;
      participants.push({
        type: 'user',
        participant: manager.id,
        name: manager.name,
        Email: manager.email,
        invited: true,
        status: 'accepted',
      });
    }
    const created = scheduledAt ?? at - rng.int(1, 14) * DAY;
    this.org.Events.push({
      id: this.nextId(),
      Owner: ctx.owner.ref,
      Event_Title: title,
      Start_DateTime: this.dateTime(at),
      End_DateTime: this.dateTime(at + rng.pick([30, 45, 60]) * MINUTE),
      All_day: false,
      Venue: rng.pick(['Zoom', 'Google Meet', 'Microsoft Teams', `Customer office, ${ctx.city.city}`]),
      Participants: participants,
      Description: this.fill(this.text(tone), ctx, contact),
      ...this.links(ctx, at, tone, contact),
      ...this.audit(ctx, created, created),
    });
  }

  addCompletedTask(ctx: AccountContext, at: number, tone: Tone): void {
    const rng = this.rng;
    const contact = rng.pick(ctx.contacts);
    const created = at - rng.int(1, 10) * DAY;
    this.org.Tasks.push({
      id: this.nextId(),
      Owner: ctx.owner.ref,
      Subject: rng.pick(DONE_TASK_SUBJECTS),
      Due_Date: this.date(at + rng.int(-2, 3) * DAY),
      Status: 'Completed',
      Priority: this.priority(),
      Closed_Time: this.dateTime(at),
      Description: rng.chance(0.4) ? this.fill(this.text(tone), ctx, contact) : null,
      Send_Notification_Email: false,
      ...this.links(ctx, at, tone, contact),
      ...this.audit(ctx, created, at),
    });
  }

  /** 1–4 open tasks past their due date; a silent account's were created before it went quiet. */
  addOverdueTasks(ctx: AccountContext): void {
    const rng = this.rng;
    const count = rng.weighted([
      [1, 5],
      [2, 3],
      [3, 1.2],
      [4, 0.8],
    ] as const);
    for (let i = 0; i < count; i++) {
      const dueDaysAgo = rng.int(1, 45);
      const createdDaysAgo = Math.max(dueDaysAgo + rng.int(3, 20), ctx.lastDaysAgo);
      const created = this.ago(createdDaysAgo);
      ctx.activityTimes.push(created);
      const contact = rng.pick(ctx.contacts);
      this.org.Tasks.push({
        id: this.nextId(),
        Owner: ctx.owner.ref,
        Subject: this.fill(rng.pick(OPEN_TASK_SUBJECTS), ctx, contact),
        Due_Date: this.date(this.asOf - dueDaysAgo * DAY),
        Status: rng.weighted([
          ['Not Started', 50],
          ['In Progress', 25],
          ['Waiting on someone else', 15],
          ['Deferred', 10],
        ] as const),
        Priority: this.priority(),
        Closed_Time: null,
        Description: null,
        Send_Notification_Email: false,
        ...this.links(ctx, created, 'neutral', contact),
        ...this.audit(ctx, created, created),
      });
    }
  }

  /** Meetings and tasks booked ahead: they start after asOf but were created before it. */
  addScheduledActivity(ctx: AccountContext): void {
    const rng = this.rng;
    const createdAt = () => this.ago(rng.int(ctx.lastDaysAgo, ctx.lastDaysAgo + 7));
    const daysLeft = ctx.renewalDate ? Math.floor((Date.parse(ctx.renewalDate) - this.asOf) / DAY) : 0;
    if (ctx.profile === 'renewing' && daysLeft >= 3 && rng.chance(0.5)) {
      const created = createdAt();
      ctx.activityTimes.push(created);
      if (rng.chance(0.5)) this.addEvent(ctx, this.ahead(rng.int(1, daysLeft - 2)), 'renewal', created);
      else this.addOpenTask(ctx, created, rng.int(1, daysLeft - 2), 'Send renewal quote');
    } else if ((ctx.profile === 'healthy' && rng.chance(0.35)) || (ctx.profile === 'expanding' && rng.chance(0.4))) {
      const created = createdAt();
      ctx.activityTimes.push(created);
      if (rng.chance(0.5))
        this.addEvent(ctx, this.ahead(rng.int(2, 30)), ctx.profile === 'expanding' ? 'expansion' : 'neutral', created);
      else
        this.addOpenTask(
          ctx,
          created,
          rng.int(1, 21),
          rng.pick(['Send case study', 'Prepare QBR deck', 'Schedule demo for {dept}']),
        );
    }
  }

  addOpenTask(ctx: AccountContext, created: number, dueInDays: number, subject: string): void {
    const contact = this.rng.pick(ctx.contacts);
    this.org.Tasks.push({
      id: this.nextId(),
      Owner: ctx.owner.ref,
      Subject: this.fill(subject, ctx, contact),
      Due_Date: this.date(this.asOf + dueInDays * DAY),
      Status: this.rng.chance(0.7) ? 'Not Started' : 'In Progress',
      Priority: this.priority(),
      Closed_Time: null,
      Description: null,
      Send_Notification_Email: false,
      ...this.links(ctx, created, ctx.profile === 'renewing' ? 'renewal' : 'neutral', contact),
      ...this.audit(ctx, created, created),
    });
  }

  priority(): string {
    return this.rng.weighted([
      ['Highest', 5],
      ['High', 25],
      ['Normal', 50],
      ['Low', 15],
      ['Lowest', 5],
    ] as const);
  }
}
