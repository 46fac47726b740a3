/**
 * Zoho's API limits as the sandbox enforces them (reference §4), so that a client's handling of 429s and
 * of `X-API-CREDITS-REMAINING` is exercised before it meets a real org: a credit allowance per rolling
 * 24 h by edition, a cost per call, and a cap on simultaneous calls per user by edition. Either limit
 * answers HTTP 429 `TOO_MANY_REQUESTS`, the two undistinguished and without Retry-After, as Zoho does.
 * Time is the store's clock, so a test moves it rather than waiting a day.
 */
import { SandboxZohoError } from './sandbox-operations.ts';

export const EDITIONS = ['free', 'standard', 'professional', 'enterprise', 'ultimate'] as const;
export type Edition = (typeof EDITIONS)[number];

export interface SandboxLimitsOptions {
  /** The org's edition (default enterprise). */
  edition?: Edition;
  /** Licensed users, for the allowance formula (default 1). */
  users?: number;
  /** Replaces the edition's allowance, so a test can exhaust it in a few calls. */
  dailyCredits?: number;
  /** Replaces the edition's concurrency limit per user. */
  concurrency?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Credits per user per edition and the cap, add-ons left out (the sandbox sells none). */
const ALLOWANCE: Readonly<Record<Edition, { base: number; perUser: number; max: number }>> = {
  free: { base: 5_000, perUser: 0, max: 5_000 },
  standard: { base: 50_000, perUser: 250, max: 100_000 },
  professional: { base: 50_000, perUser: 500, max: 3_000_000 },
  enterprise: { base: 50_000, perUser: 1_000, max: 5_000_000 },
  ultimate: { base: 50_000, perUser: 2_000, max: Number.POSITIVE_INFINITY },
};

/** Simultaneous calls per user per app (APIEV's figure for Ultimate). */
const CONCURRENCY: Readonly<Record<Edition, number>> = {
  free: 5,
  standard: 10,
  professional: 15,
  enterprise: 20,
  ultimate: 25,
};

/** The allowance of credits per rolling 24 h for an edition and a number of users. */
export function dailyCreditsFor(edition: Edition, users: number): number {
  const { base, perUser, max } = ALLOWANCE[edition];
  return Math.min(max, base + Math.max(0, users) * perUser);
}

/** Insert, update and upsert are billed per 10 records; anything else costs 1 (reference §4). */
export function writeCost(records: number): number {
  return Math.max(1, Math.ceil(records / 10));
}

/** The number of records in a write body `{data: [...]}`; 0 when it has none (the call still costs 1). */
export function recordsIn(body: unknown): number {
  const data = body && typeof body === 'object' && 'data' in body ? body.data : undefined;
  return Array.isArray(data) ? data.length : 0;
}

export const tooManyRequests = () =>
  new SandboxZohoError(
    429,
    'TOO_MANY_REQUESTS',
    'Number of API requests for the 24 hour period is exceeded or the concurrency limit of the user for the app is exceeded',
  );

export class SandboxLimits {
  readonly edition: Edition;
  readonly dailyCredits: number;
  readonly concurrency: number;
  readonly #now: () => Date;
  /** Credits spent, oldest first, each with when it was spent: it comes back 24 h later. */
  #ledger: Array<{ at: number; credits: number }> = [];
  #inFlight = new Map<string, number>();

  constructor(options: SandboxLimitsOptions, now: () => Date) {
    this.edition = options.edition ?? 'enterprise';
    this.dailyCredits = options.dailyCredits ?? dailyCreditsFor(this.edition, options.users ?? 1);
    this.concurrency = options.concurrency ?? CONCURRENCY[this.edition];
    this.#now = now;
  }

  /** Credits spent in the last 24 h by the store clock. */
  used(): number {
    const since = this.#now().getTime() - DAY_MS;
    while (this.#ledger.length > 0 && (this.#ledger[0]?.at ?? 0) <= since) this.#ledger.shift();
    return this.#ledger.reduce((sum, entry) => sum + entry.credits, 0);
  }

  remaining(): number {
    return Math.max(0, this.dailyCredits - this.used());
  }

  /** Spends `credits`, or throws TOO_MANY_REQUESTS (spending nothing) when the allowance cannot cover them. */
  charge(credits: number): void {
    if (this.used() + credits > this.dailyCredits) throw tooManyRequests();
    this.#ledger.push({ at: this.#now().getTime(), credits });
  }

  /** The value of `X-API-CREDITS-REMAINING`, which Zoho only sends once half the allowance is used. */
  remainingHeader(): string | undefined {
    return this.used() * 2 >= this.dailyCredits ? String(this.remaining()) : undefined;
  }

  /**
   * Takes one of `user`'s concurrent-call slots, or throws TOO_MANY_REQUESTS when all are taken. The
   * returned function gives the slot back; calling it twice gives back one slot only.
   */
  enter(user: string): () => void {
    const current = this.#inFlight.get(user) ?? 0;
    if (current >= this.concurrency) throw tooManyRequests();
    this.#inFlight.set(user, current + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#inFlight.get(user) ?? 1) - 1;
      if (left === 0) this.#inFlight.delete(user);
      else this.#inFlight.set(user, left);
    };
  }
}
