import { describe, expect, it } from 'vitest';
import {
  type AccountProfile,
  generateDemoOrg,
  PROFILE_SHARES,
  sandboxProfileOf,
} from '../../../local/zoho-sandbox/demo-org-generator.ts';
import { parseSandboxOrg, type SandboxOrg, type ZohoRecord } from '../../../local/zoho-sandbox/sandbox-org.ts';

const AS_OF = new Date('2026-11-24T00:00:00Z');
const DAY = 86_400_000;
const org = generateDemoOrg({ asOf: AS_OF });

const NEGATIVE = /issue|problem|concern|delay|frustrated|unhappy|disappointed|escalation|complaint|cancel/i;
const EXPANSION = /expand|more seats|additional licenses/i;
const OPEN = (stage: unknown) => stage !== 'Closed Won' && stage !== 'Closed Lost';

type Lookup = { id: string; name?: string };
const time = (value: unknown) => Date.parse(String(value));
const daysBefore = (value: unknown) => Math.floor((AS_OF.getTime() - time(value)) / DAY);

/** The account an activity belongs to, directly or through one of its deals. */
function accountIdOf(o: SandboxOrg, record: ZohoRecord): string | undefined {
  const dealAccount = (id: string) => (o.Deals.find((deal) => deal.id === id)?.Account_Name as Lookup | undefined)?.id;
  if (record.Parent_Id) {
    const parent = record.Parent_Id as Lookup & { module: { api_name: string } };
    return parent.module.api_name === 'Deals' ? dealAccount(parent.id) : parent.id;
  }
  const what = record.What_Id as Lookup | undefined;
  if (!what) return undefined;
  return record.$se_module === 'Deals' ? dealAccount(what.id) : what.id;
}

interface Activity {
  accountId: string;
  at: number;
  text: string;
  openOverdue: boolean;
}

/** When each activity happened, DOMAIN-RULES style: call/meeting start, note creation, task completion or creation. */
function activitiesOf(o: SandboxOrg): Activity[] {
  const out: Activity[] = [];
  const add = (record: ZohoRecord, at: unknown, text: unknown[], openOverdue = false) => {
    const accountId = accountIdOf(o, record);
    if (accountId && time(at) <= AS_OF.getTime()) {
      out.push({ accountId, at: time(at), text: text.filter(Boolean).join(' '), openOverdue });
    }
  };
  for (const call of o.Calls) add(call, call.Call_Start_Time, [call.Subject, call.Description]);
  for (const event of o.Events) add(event, event.Start_DateTime, [event.Event_Title, event.Description]);
  for (const note of o.Notes) add(note, note.Created_Time, [note.Note_Title, note.Note_Content]);
  for (const task of o.Tasks) {
    const overdue =
      task.Status !== 'Completed' && typeof task.Due_Date === 'string' && time(task.Due_Date) < AS_OF.getTime();
    add(task, task.Closed_Time ?? task.Created_Time, [task.Subject, task.Description], overdue);
  }
  return out;
}

const activities = activitiesOf(org);
const byAccount = Map.groupBy(activities, (activity) => activity.accountId);
const profileOf = (account: ZohoRecord) => sandboxProfileOf(account)!;
const accountsWith = (profile: AccountProfile) => org.Accounts.filter((account) => profileOf(account) === profile);
const lastActivityDays = (accountId: string) =>
  Math.min(...(byAccount.get(accountId) ?? []).map((activity) => daysBefore(new Date(activity.at).toISOString())));
const historyOf = (dealId: string) =>
  org.Stage_History.filter((entry) => entry.Deal.id === dealId).sort(
    (a, b) => time(a.Modified_Time) - time(b.Modified_Time),
  );
const openDealsOf = (accountId: string) =>
  org.Deals.filter((deal) => (deal.Account_Name as Lookup | undefined)?.id === accountId && OPEN(deal.Stage));

describe('generateDemoOrg', () => {
  it('is deterministic: the same accounts, seed and asOf give identical JSON', () => {
    const again = generateDemoOrg({ asOf: AS_OF, accounts: 300, seed: 42 });
    expect(JSON.stringify(again)).toBe(JSON.stringify(org));
  });

  it('gives a different org for a different seed', () => {
    const other = generateDemoOrg({ asOf: AS_OF, accounts: 30, seed: 7 });
    const same = generateDemoOrg({ asOf: AS_OF, accounts: 30, seed: 42 });
    expect(other.Accounts.map((a) => a.Account_Name)).not.toEqual(same.Accounts.map((a) => a.Account_Name));
  });

  it('generates 300 accounts by default, each with 2–6 contacts', () => {
    expect(org.Accounts).toHaveLength(300);
    const contacts = Map.groupBy(org.Contacts, (contact) => (contact.Account_Name as Lookup).id);
    for (const account of org.Accounts) {
      expect(contacts.get(account.id)?.length).toBeGreaterThanOrEqual(2);
      expect(contacts.get(account.id)?.length).toBeLessThanOrEqual(6);
    }
  });

  it('produces an org that validates against the sandbox file schema, every lookup included', () => {
    expect(() => parseSandboxOrg(org)).not.toThrow();
  });

  it('has 12 account owners, each a Sales Rep reporting to a Sales Manager who reports to the CEO', () => {
    const users = new Map(org.users.map((user) => [user.id, user]));
    const owners = new Set(org.Accounts.map((account) => account.Owner.id));
    expect(owners.size).toBe(12);
    for (const ownerId of owners) {
      const owner = users.get(ownerId)!;
      expect(owner.role?.name).toBe('Sales Rep');
      expect(owner.time_zone).toMatch(/^(America|Europe)\//);
      const manager = users.get(owner.Reporting_To!.id)!;
      expect(manager.role?.name).toBe('Sales Manager');
      expect(users.get(manager.Reporting_To!.id)?.role?.name).toBe('CEO');
    }
  });

  it('links every activity to an existing account, directly or through a deal', () => {
    const accountIds = new Set(org.Accounts.map((account) => account.id));
    for (const record of [...org.Tasks, ...org.Calls, ...org.Events, ...org.Notes]) {
      expect(accountIds.has(accountIdOf(org, record) ?? '')).toBe(true);
    }
  });

  it('mixes account profiles in the specified shares', () => {
    for (const [profile, share] of Object.entries(PROFILE_SHARES) as [AccountProfile, number][]) {
      expect(accountsWith(profile).length / org.Accounts.length).toBeCloseTo(share, 1);
    }
  });

  it('gives healthy accounts activity within the last two weeks', () => {
    for (const account of accountsWith('healthy')) expect(lastActivityDays(account.id)).toBeLessThanOrEqual(14);
  });

  it('leaves silent accounts without activity for 35–120 days, most of them for more than 60', () => {
    const silences = accountsWith('silent').map((account) => lastActivityDays(account.id));
    for (const days of silences) {
      expect(days).toBeGreaterThanOrEqual(35);
      expect(days).toBeLessThanOrEqual(121);
    }
    expect(silences.filter((days) => days > 60).length).toBeGreaterThan(silences.length / 3);
  });

  it('gives stalled accounts an open deal that entered its stage 31–70 days ago', () => {
    for (const account of accountsWith('stalled')) {
      const stalled = openDealsOf(account.id).map((deal) => daysBefore(historyOf(deal.id).at(-1)?.Modified_Time));
      expect(stalled.some((days) => days >= 31 && days <= 71)).toBe(true);
    }
  });

  it('keeps open deals of healthy and expanding accounts fresh in their stage', () => {
    for (const account of [...accountsWith('healthy'), ...accountsWith('expanding')]) {
      for (const deal of openDealsOf(account.id)) {
        expect(daysBefore(historyOf(deal.id).at(-1)?.Modified_Time)).toBeLessThanOrEqual(26);
      }
    }
  });

  it('puts contract end dates within 90 days on renewing accounts only', () => {
    const withinNinetyDays = (account: ZohoRecord) =>
      typeof account.Contract_End_Date === 'string' && -daysBefore(account.Contract_End_Date) <= 90;
    expect(accountsWith('renewing').every(withinNinetyDays)).toBe(true);
    expect(org.Accounts.filter((account) => profileOf(account) !== 'renewing').some(withinNinetyDays)).toBe(false);
    expect(org.Accounts.filter((account) => account.Contract_End_Date).length).toBeGreaterThan(org.Accounts.length / 2);
  });

  it('writes expansion language on expanding accounts within the last 60 days', () => {
    for (const account of accountsWith('expanding')) {
      const recent = (byAccount.get(account.id) ?? []).filter((a) => AS_OF.getTime() - a.at <= 60 * DAY);
      expect(recent.some((activity) => EXPANSION.test(activity.text))).toBe(true);
    }
  });

  it('marks at-risk accounts with an at-risk Rating and at least three negative activities in 30 days', () => {
    for (const account of accountsWith('at_risk')) {
      expect(['Project Cancelled', 'Market Failed']).toContain(account.Rating);
      const negative = (byAccount.get(account.id) ?? []).filter(
        (a) => AS_OF.getTime() - a.at <= 30 * DAY && NEGATIVE.test(a.text),
      );
      expect(negative.length).toBeGreaterThanOrEqual(3);
    }
  });

  it('keeps at-risk ratings and negative language away from the other accounts', () => {
    for (const account of org.Accounts.filter((a) => profileOf(a) !== 'at_risk')) {
      expect(['Project Cancelled', 'Market Failed']).not.toContain(account.Rating);
      expect((byAccount.get(account.id) ?? []).some((a) => NEGATIVE.test(a.text))).toBe(false);
    }
  });

  it('leaves overdue open tasks on about a fifth of the accounts', () => {
    const withOverdue = new Set(activities.filter((a) => a.openOverdue).map((a) => a.accountId));
    expect(withOverdue.size / org.Accounts.length).toBeCloseTo(0.2, 1);
  });

  it('keeps each deal consistent with its stage history', () => {
    for (const deal of org.Deals) {
      const history = historyOf(deal.id);
      expect(history.at(-1)?.Stage).toBe(deal.Stage);
      expect(history[0]?.Stage).toBe('Qualification');
      expect(history[0]?.Modified_Time).toBe(deal.Created_Time);
      expect(history.at(-1)?.Probability).toBe(deal.Probability);
      expect(new Set(history.map((entry) => entry.Modified_Time)).size).toBe(history.length);
    }
  });

  it('dates nothing that happened after asOf; only plans (due, closing, meetings booked ahead) lie beyond it', () => {
    const happened = [
      ...Object.entries(org).flatMap(([, records]) =>
        (records as ZohoRecord[]).flatMap((r) => [
          r.Created_Time,
          r.Modified_Time,
          r.Closed_Time,
          r.Last_Activity_Time,
          r.created_time,
        ]),
      ),
      ...org.Calls.map((call) => call.Call_Start_Time),
      ...org.Stage_History.map((entry) => entry.Modified_Time),
    ].filter((value): value is string => typeof value === 'string');
    expect(happened.length).toBeGreaterThan(10_000);
    for (const value of happened) expect(time(value)).toBeLessThanOrEqual(AS_OF.getTime());
    for (const event of org.Events.filter((e) => time(e.Start_DateTime) > AS_OF.getTime())) {
      expect(time(event.Created_Time)).toBeLessThanOrEqual(AS_OF.getTime());
    }
  });

  it('spreads activity over the 18 months before asOf', () => {
    const oldest = Math.min(...activities.map((activity) => activity.at));
    expect(AS_OF.getTime() - oldest).toBeGreaterThan(400 * DAY);
    expect(AS_OF.getTime() - oldest).toBeLessThanOrEqual(550 * DAY);
  });

  it('uses Zoho formats: 19-digit ids, datetimes with an offset, yyyy-MM-dd dates', () => {
    for (const record of [...org.Accounts, ...org.Tasks, ...org.Stage_History]) expect(record.id).toMatch(/^\d{19}$/);
    for (const task of org.Tasks) {
      expect(task.Created_Time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/);
      expect(task.Due_Date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });

  it('puts realistic PII (e-mails, phone numbers) in some notes', () => {
    const withPii = org.Notes.filter((note) => /@[\w-]+\.|\+\d[\d ()-]{7,}/.test(note.Note_Content));
    expect(withPii.length).toBeGreaterThan(10);
  });

  it('scales down to a handful of accounts', () => {
    const tiny = generateDemoOrg({ asOf: AS_OF, accounts: 5, seed: 1 });
    expect(tiny.Accounts).toHaveLength(5);
    expect(() => parseSandboxOrg(tiny)).not.toThrow();
  });
});
