import { CrmRateLimitedError } from '../../errors.ts';
import type { Cache } from '../../ports/cache.ts';
import type { CrmClient, CrmModule, ListOptions, RecordPage, ZohoRecord } from '../../ports/crm-client.ts';
import type { OperationalMetrics } from '../../ports/operational-metrics.ts';

/**
 * Who is asking for Zoho credits. `urgent`: executing an approved action (always proceeds). `normal`:
 * interactive reads. `background`: full syncs and other work that can wait for the rolling window.
 */
export type CrmPriority = 'urgent' | 'normal' | 'background';

/** A credit count, or a fraction of the daily allowance (`{ fraction: 0.1 }` is 10 %). */
export type CreditThreshold = number | { fraction: number };

export interface CreditBudgetOptions {
  /** The org's credits per rolling 24 h (reference §4); fractions are of this (default 50,000). */
  dailyCredits?: number;
  /** Background work waits while fewer credits than this remain (default 10 % of the allowance). */
  backgroundReserve?: CreditThreshold;
  /** Normal work waits while fewer than this remain (default 2 %); keep it below the background reserve. */
  normalReserve?: CreditThreshold;
  /** After a 429 with no `Retry-After`, how long non-urgent work waits (default 60 s). */
  rateLimitedForMs?: number;
  /** How long a credit reading is trusted with no newer one (default 1 h); credits come back over 24 h. */
  readingTtlSeconds?: number;
  /** Shares readings across processes; without it they live in this process. */
  cache?: Cache;
  /** The cache key prefix (default `sergas:zoho:credits`); one per Zoho org. */
  cacheKey?: string;
  /** How often a waiting admission looks again (default 30 s). */
  pollMs?: number;
  /** How long an admission waits in all before it throws CrmRateLimitedError (default 15 min). */
  maxWaitMs?: number;
  /** Milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Told of every 429 (ZohoThrottled) and every credit reading (ZohoCreditsRemaining), for the alarms. */
  metrics?: OperationalMetrics;
}

/** What the budget knows now, for /health and logs. */
export interface CreditSnapshot {
  /** The last `X-API-CREDITS-REMAINING`, or null when unknown (Zoho omits it until half is used). */
  remaining: number | null;
  /** Until when a 429 holds back non-urgent work (epoch ms), or null. */
  rateLimitedUntil: number | null;
}

const CREDITS_HEADER = 'x-api-credits-remaining';
const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Tracks Zoho's remaining API credits from the responses themselves and rations them by priority: when
 * credits run low, full syncs wait so that executing an approved action still has credits to spend.
 *
 * `wrap(fetch)` gives a fetch that records `X-API-CREDITS-REMAINING` and 429s; hand it to the Zoho clients.
 * `admit(priority)` resolves when that priority may spend a credit.
 */
export class CreditBudget {
  readonly #dailyCredits: number;
  readonly #backgroundReserve: number;
  readonly #normalReserve: number;
  readonly #rateLimitedForMs: number;
  readonly #readingTtlSeconds: number;
  readonly #cache: Cache | null;
  readonly #remainingKey: string;
  readonly #limitedKey: string;
  readonly #pollMs: number;
  readonly #maxWaitMs: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #metrics: OperationalMetrics | null;
  // Without a cache, readings live here (with their expiry, as the cache would keep them).
  #remaining: { value: number; expiresAt: number } | null = null;
  #rateLimitedUntil: number | null = null;

  constructor(options: CreditBudgetOptions = {}) {
    this.#dailyCredits = options.dailyCredits ?? 50_000;
    this.#backgroundReserve = this.#credits(options.backgroundReserve ?? { fraction: 0.1 });
    this.#normalReserve = this.#credits(options.normalReserve ?? { fraction: 0.02 });
    this.#rateLimitedForMs = options.rateLimitedForMs ?? 60_000;
    this.#readingTtlSeconds = options.readingTtlSeconds ?? 3600;
    this.#cache = options.cache ?? null;
    const prefix = options.cacheKey ?? 'sergas:zoho:credits';
    this.#remainingKey = `${prefix}:remaining`;
    this.#limitedKey = `${prefix}:rate-limited-until`;
    this.#pollMs = options.pollMs ?? 30_000;
    this.#maxWaitMs = options.maxWaitMs ?? 15 * 60_000;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? realSleep;
    this.#metrics = options.metrics ?? null;
  }

  /** Credits below which each priority waits (urgent: never). */
  get reserves(): Readonly<Record<CrmPriority, number>> {
    return { urgent: 0, normal: this.#normalReserve, background: this.#backgroundReserve };
  }

  /**
   * A fetch that reports every Zoho CRM API answer to this budget, then hands the response on untouched.
   * Other URLs (the OAuth token endpoint, should the fetch be shared) cost no credits and are not read.
   */
  wrap(inner: typeof fetch = fetch): typeof fetch {
    return async (input, init) => {
      const response = await inner(input, init);
      const url = urlOf(input);
      if (url.includes('/crm/')) await this.observe(response, { ownLimit: BULK_READ_DOWNLOAD.test(url) });
      return response;
    };
  }

  /**
   * Records what one Zoho response says about credits: its `X-API-CREDITS-REMAINING`, or a 429. A
   * successful answer without the header means under half the allowance is used (Zoho only sends it past
   * that), so an older low reading is forgotten. `ownLimit`: the call has a limit of its own, which its
   * client waits out (a Bulk Read download), so its 429 is counted but holds back no other work.
   */
  async observe(response: Pick<Response, 'status' | 'headers'>, options: { ownLimit?: boolean } = {}): Promise<void> {
    if (response.status === 429) {
      this.#metrics?.count('ZohoThrottled');
      if (options.ownLimit) return;
      const retryAfter = retryAfterMs(response.headers.get('retry-after'), this.#now());
      await this.#setRateLimitedUntil(this.#now() + (retryAfter ?? this.#rateLimitedForMs));
      return;
    }
    const header = response.headers.get(CREDITS_HEADER);
    const remaining = header === null ? Number.NaN : Number(header.trim());
    if (header !== null && Number.isFinite(remaining)) {
      this.#metrics?.gauge('ZohoCreditsRemaining', remaining);
      await this.#setRemaining(remaining);
    } else if (header === null && response.status >= 200 && response.status < 300) {
      await this.#forgetRemaining();
    }
  }

  /** What the budget knows now (reading the shared cache when there is one). */
  async snapshot(): Promise<CreditSnapshot> {
    const [remaining, rateLimitedUntil] = await Promise.all([this.#getRemaining(), this.#getRateLimitedUntil()]);
    return { remaining, rateLimitedUntil };
  }

  /**
   * Resolves when `priority` may spend credits. Urgent work always proceeds at once. Normal and background
   * work wait while a 429 holds or while remaining credits are below their reserve, looking again every
   * `pollMs`; after `maxWaitMs` of waiting they throw CrmRateLimitedError naming the budget.
   */
  async admit(priority: CrmPriority): Promise<void> {
    if (priority === 'urgent') return;
    const reserve = this.reserves[priority];
    // Waiting is bounded by the time slept, not the clock, so a stalled cache cannot stretch it.
    let waitedMs = 0;
    for (;;) {
      const { remaining, rateLimitedUntil } = await this.snapshot();
      const limited = rateLimitedUntil !== null && rateLimitedUntil > this.#now();
      const low = remaining !== null && remaining < reserve;
      if (!limited && !low) return;
      if (waitedMs >= this.#maxWaitMs) {
        const why = limited
          ? 'Zoho answered 429 (rate limit)'
          : `${remaining} credits remain, below the ${priority} reserve of ${reserve}`;
        throw new CrmRateLimitedError(`Zoho credit budget: ${why}; ${priority} work waited ${waitedMs} ms`, {
          details: { budget: 'zoho-credits', priority, remaining, reserve, rateLimitedUntil, waitedMs },
        });
      }
      const step = Math.min(this.#pollMs, this.#maxWaitMs - waitedMs);
      await this.#sleep(step);
      waitedMs += step;
    }
  }

  #credits(threshold: CreditThreshold): number {
    return typeof threshold === 'number' ? threshold : Math.floor(threshold.fraction * this.#dailyCredits);
  }

  async #setRemaining(value: number): Promise<void> {
    if (this.#cache) return this.#cache.set(this.#remainingKey, String(value), this.#readingTtlSeconds);
    this.#remaining = { value, expiresAt: this.#now() + this.#readingTtlSeconds * 1000 };
  }

  async #forgetRemaining(): Promise<void> {
    if (this.#cache) return this.#cache.delete(this.#remainingKey);
    this.#remaining = null;
  }

  async #getRemaining(): Promise<number | null> {
    if (this.#cache) return numberOrNull(await this.#cache.get(this.#remainingKey));
    if (this.#remaining && this.#remaining.expiresAt <= this.#now()) this.#remaining = null;
    return this.#remaining?.value ?? null;
  }

  async #setRateLimitedUntil(until: number): Promise<void> {
    if (this.#cache) {
      const ttlSeconds = Math.max(1, Math.ceil((until - this.#now()) / 1000));
      return this.#cache.set(this.#limitedKey, String(until), ttlSeconds);
    }
    this.#rateLimitedUntil = until;
  }

  async #getRateLimitedUntil(): Promise<number | null> {
    const until = this.#cache ? numberOrNull(await this.#cache.get(this.#limitedKey)) : this.#rateLimitedUntil;
    return until !== null && until > this.#now() ? until : null;
  }
}

/**
 * A CrmClient that asks `budget` to admit `priority` before every call, so each consumer is wired with its
 * own priority: the full sync gets `'background'`, the approved-action executor `'urgent'`.
 */
export function budgetedCrmClient(client: CrmClient, budget: CreditBudget, priority: CrmPriority): CrmClient {
  const admitted = async <T>(call: () => Promise<T>): Promise<T> => {
    await budget.admit(priority);
    return call();
  };
  return {
    get apiCalls() {
      return client.apiCalls;
    },
    listUsers: () => admitted(() => client.listUsers()),
    // Options and page go through whole: the tier may take `pageToken` and answer `nextPageToken`.
    listRecords: (module: CrmModule, options: ListOptions): Promise<RecordPage> =>
      admitted(() => client.listRecords(module, options)),
    getRecord: (module: CrmModule, id: string, fields?: readonly string[]): Promise<ZohoRecord | null> =>
      admitted(() => client.getRecord(module, id, fields)),
    relatedRecords: (module, id, relatedList, fields) =>
      admitted(() => client.relatedRecords(module, id, relatedList, fields)),
    searchRecords: (module, criteria, fields) => admitted(() => client.searchRecords(module, criteria, fields)),
    ...(client.deletedRecords
      ? { deletedRecords: (module, options) => admitted(() => client.deletedRecords!(module, options)) }
      : {}),
    ...(client.countRecords ? { countRecords: (module) => admitted(() => client.countRecords!(module)) } : {}),
    createRecords: (module, records) => admitted(() => client.createRecords(module, records)),
    // One admission for the whole export: its few calls stand in for hundreds of listing calls.
    ...(client.exportModule
      ? { exportModule: (module, fields, onPage) => admitted(() => client.exportModule!(module, fields, onPage)) }
      : {}),
  };
}

/**
 * A Bulk Read result download: Zoho allows 10 a minute per org and answers the 11th with 429, which the
 * bulk client waits out. Holding back every other call for it would stall a back-to-back full sync's
 * paging and the analyses beside it for a minute.
 */
const BULK_READ_DOWNLOAD = /\/crm\/bulk\/v\d+\/read\/[^/?#]+\/result(?:$|[?#])/;

function urlOf(input: Parameters<typeof fetch>[0]): string {
  if (typeof input === 'string') return input;
  return input instanceof URL ? input.href : input.url;
}

function retryAfterMs(header: string | null, now: number): number | null {
  if (header === null) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

function numberOrNull(value: string | null): number | null {
  if (value === null) return null;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : null;
}
