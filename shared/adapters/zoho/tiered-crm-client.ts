import { CrmRateLimitedError, CrmRequestError, RetryableUpstreamError } from '../../errors.ts';
import type {
  BulkReadModule,
  CrmClient,
  CrmModule,
  CrmWriteResult,
  DeletedRecordPage,
  DeletedRecordsOptions,
  ListOptions,
  ModuleExport,
  RecordPage,
  ZohoRecord,
} from '../../ports/crm-client.ts';
import { type BreakerState, CircuitBreaker, CircuitOpenError } from './circuit-breaker.ts';
import { isAvailabilityError, provablyNotSent, retry } from './retry.ts';

/** One way of reaching Zoho CRM (MCP, SDK, REST), in the order they are preferred. */
export interface CrmTier {
  name: string;
  client: CrmClient;
}

/** What exports whole modules for `exportModule` (ZohoBulkReadClient). */
export interface BulkExporter {
  exportModule: NonNullable<CrmClient['exportModule']>;
  /** API calls it made (each costs Zoho credits). */
  readonly apiCalls: number;
}

/** One tier's health, for /health. */
export interface TierStatus {
  name: string;
  state: BreakerState;
  /** Consecutive availability failures. */
  failures: number;
  /** The message of the failure that last counted against the tier, or null. */
  lastError: string | null;
}

/** What happened on a tier that did not answer, for logs and metrics. */
export interface TierFailure {
  tier: string;
  operation: string;
  error: unknown;
  /** True when the next tier is tried; false when the error is surfaced to the caller. */
  failingOver: boolean;
}

export interface TieredCrmClientOptions {
  tiers: readonly CrmTier[];
  /**
   * Bulk Read, behind its own breaker (named `bulk-read`): offered as `exportModule` when given. It is not
   * a tier of the per-call failover: an export that fails is the caller's to redo by paging.
   */
  bulkRead?: BulkExporter;
  /** Consecutive availability failures that open a tier's breaker (default 5). */
  failureThreshold?: number;
  /** How long an open tier is skipped before one probe call may try it (default 30 s). */
  coolDownMs?: number;
  /** Attempts per tier for a read, the first included (default 2); writes get exactly one. */
  readAttempts?: number;
  /** Backoff between read attempts on one tier: full jitter under min(cap, base × 2^n) (200 ms, 2 s). */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** Whether a write's error proves it was never sent, so another tier may take it (default `provablyNotSent`). */
  provablyNotSent?: (error: unknown) => boolean;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  onTierFailure?: (failure: TierFailure) => void;
}

/** Zoho takes at most 100 records per insert; batching here keeps each tier call to a single POST. */
const MAX_WRITE_BATCH = 100;

interface Tier {
  name: string;
  client: CrmClient;
  breaker: CircuitBreaker;
}

interface BulkTier {
  exporter: BulkExporter;
  breaker: CircuitBreaker;
  /** Errors thrown by the caller's onPage, told apart from Zoho's by identity. */
  callerErrors: WeakSet<object>;
}

/**
 * The CrmClient port over ordered tiers, each behind its own circuit breaker. Per call it skips tiers whose
 * breaker is open and moves on to the next when one is unavailable (5xx, 429, network).
 *
 * Reads are retried on a tier (backoff with full jitter) before failing over. Writes are sent once per tier
 * and go to the next tier only when the failed one provably did not send them (breaker open, connection
 * refused); any other failure is surfaced as it is, so the caller's idempotency check runs before a retry.
 * A 4xx (CrmRequestError) is surfaced at once: the caller's request is wrong on every tier. The exception
 * is a tier saying it has no such operation (`details.code === 'NOT_SUPPORTED'`, as ZohoMcpClient.listUsers
 * does): that says nothing about the request, so the tier is passed over, as one lacking deletedRecords is.
 *
 * Compose REST tiers with `retries: 0`: retrying here as well would multiply the attempts.
 */
export class TieredCrmClient implements CrmClient {
  /** Present only when a Bulk Read exporter was given, so callers can tell whether to page instead. */
  readonly exportModule?: (
    module: BulkReadModule,
    fields: readonly string[],
    onPage: (records: ZohoRecord[]) => Promise<void>,
  ) => Promise<ModuleExport>;
  readonly #tiers: Tier[];
  readonly #bulk: BulkTier | null;
  readonly #readAttempts: number;
  readonly #backoff: { baseMs: number; capMs: number };
  readonly #provablyNotSent: (error: unknown) => boolean;
  readonly #sleep: ((ms: number) => Promise<void>) | undefined;
  readonly #random: (() => number) | undefined;
  readonly #onTierFailure: (failure: TierFailure) => void;

  constructor(options: TieredCrmClientOptions) {
    if (options.tiers.length === 0) throw new TypeError('TieredCrmClient needs at least one tier');
    this.#tiers = options.tiers.map(({ name, client }) => ({
      name,
      client,
      breaker: new CircuitBreaker({
        name,
        ...(options.failureThreshold === undefined ? {} : { failureThreshold: options.failureThreshold }),
        ...(options.coolDownMs === undefined ? {} : { coolDownMs: options.coolDownMs }),
        ...(options.now === undefined ? {} : { now: options.now }),
      }),
    }));
    this.#readAttempts = options.readAttempts ?? 2;
    this.#backoff = { baseMs: options.backoffBaseMs ?? 200, capMs: options.backoffCapMs ?? 2000 };
    this.#provablyNotSent = options.provablyNotSent ?? provablyNotSent;
    this.#sleep = options.sleep;
    this.#random = options.random;
    this.#onTierFailure = options.onTierFailure ?? (() => {});
    if (options.bulkRead) {
      const callerErrors = new WeakSet<object>();
      const bulk: BulkTier = {
        exporter: options.bulkRead,
        callerErrors,
        breaker: new CircuitBreaker({
          name: 'bulk-read',
          ...(options.failureThreshold === undefined ? {} : { failureThreshold: options.failureThreshold }),
          ...(options.coolDownMs === undefined ? {} : { coolDownMs: options.coolDownMs }),
          ...(options.now === undefined ? {} : { now: options.now }),
          // The caller's own failure (its database, say) inside onPage says nothing about Zoho's Bulk API.
          isFailure: (error) =>
            !(typeof error === 'object' && error !== null && callerErrors.has(error)) && isAvailabilityError(error),
        }),
      };
      this.#bulk = bulk;
      this.exportModule = (module, fields, onPage) => this.#export(bulk, module, fields, onPage);
    } else {
      this.#bulk = null;
    }
  }

  /** API calls made through every tier and Bulk Read (each costs Zoho credits). */
  get apiCalls(): number {
    return this.#tiers.reduce((sum, tier) => sum + tier.client.apiCalls, this.#bulk?.exporter.apiCalls ?? 0);
  }

  /** Each tier's breaker, in preference order, then Bulk Read's when there is one. */
  tierStatus(): TierStatus[] {
    const breakers = [...this.#tiers.map((tier) => tier.breaker), ...(this.#bulk ? [this.#bulk.breaker] : [])];
    return breakers.map((breaker) => ({
      name: breaker.name,
      state: breaker.state,
      failures: breaker.failures,
      lastError: breaker.lastError === null ? null : messageOf(breaker.lastError),
    }));
  }

  listUsers(): Promise<ZohoRecord[]> {
    return this.#read('listUsers', (client) => client.listUsers());
  }

  /**
   * Options and page pass through whole, so a tier's `pageToken`/`nextPageToken` (ZohoRestClient) survive.
   * Page tokens are Zoho's own, so a token from one tier is expected to work on another over the same org.
   */
  listRecords(module: CrmModule, options: ListOptions): Promise<RecordPage> {
    return this.#read(`listRecords ${module}`, (client) => client.listRecords(module, options));
  }

  getRecord(module: CrmModule, id: string, fields?: readonly string[]): Promise<ZohoRecord | null> {
    return this.#read(`getRecord ${module}`, (client) => client.getRecord(module, id, fields));
  }

  relatedRecords(module: CrmModule, id: string, relatedList: string, fields: readonly string[]): Promise<ZohoRecord[]> {
    return this.#read(`relatedRecords ${module}/${relatedList}`, (client) =>
      client.relatedRecords(module, id, relatedList, fields),
    );
  }

  searchRecords(module: CrmModule, criteria: string, fields?: readonly string[]): Promise<ZohoRecord[]> {
    return this.#read(`searchRecords ${module}`, (client) => client.searchRecords(module, criteria, fields));
  }

  countRecords(module: CrmModule): Promise<number> {
    return this.#read(
      `countRecords ${module}`,
      (client) => client.countRecords!(module),
      (client) => typeof client.countRecords === 'function',
    );
  }

  deletedRecords(module: CrmModule, options: DeletedRecordsOptions): Promise<DeletedRecordPage> {
    return this.#read(
      `deletedRecords ${module}`,
      (client) => client.deletedRecords!(module, options),
      (client) => typeof client.deletedRecords === 'function',
    );
  }

  /**
   * Creates records 100 per tier call, each batch on the first tier that takes it. If a batch fails after
   * earlier ones were written, the error is thrown with those written; the caller's idempotency keys cover it.
   */
  async createRecords(
    module: 'Tasks' | 'Notes',
    records: readonly Record<string, unknown>[],
  ): Promise<CrmWriteResult[]> {
    const results: CrmWriteResult[] = [];
    for (let start = 0; start < records.length; start += MAX_WRITE_BATCH) {
      const batch = records.slice(start, start + MAX_WRITE_BATCH);
      results.push(...(await this.#write(`createRecords ${module}`, (client) => client.createRecords(module, batch))));
    }
    return results;
  }

  /**
   * One export through the Bulk Read breaker: refused unsent (CircuitOpenError) while it is open, and
   * never retried here, since pages may already have reached the caller. Errors thrown by `onPage` pass
   * through untouched and do not count against Zoho.
   */
  async #export(
    bulk: BulkTier,
    module: BulkReadModule,
    fields: readonly string[],
    onPage: (records: ZohoRecord[]) => Promise<void>,
  ): Promise<ModuleExport> {
    const operation = `exportModule ${module}`;
    const guarded = async (records: ZohoRecord[]) => {
      try {
        await onPage(records);
      } catch (error) {
        if (typeof error === 'object' && error !== null) bulk.callerErrors.add(error);
        throw error;
      }
    };
    try {
      return await bulk.breaker.run(() => bulk.exporter.exportModule(module, fields, guarded));
    } catch (error) {
      const fromCaller = typeof error === 'object' && error !== null && bulk.callerErrors.has(error);
      if (!fromCaller) this.#onTierFailure({ tier: bulk.breaker.name, operation, error, failingOver: false });
      throw error;
    }
  }

  async #read<T>(
    operation: string,
    call: (client: CrmClient) => Promise<T>,
    supports: (client: CrmClient) => boolean = () => true,
  ): Promise<T> {
    const failures: Array<{ tier: Tier; error: unknown }> = [];
    let unsupported: CrmRequestError | undefined;
    for (const tier of this.#tiers) {
      // A tier without the operation (Zoho's MCP has no deletion log) is passed over, not failed.
      if (!supports(tier.client)) continue;
      if (!tier.breaker.available) {
        failures.push({ tier, error: new CircuitOpenError(tier.name, tier.breaker.state, tier.breaker.lastError) });
        continue;
      }
      try {
        return await retry(() => tier.breaker.run(() => call(tier.client)), {
          idempotent: true,
          attempts: this.#readAttempts,
          ...this.#backoff,
          // Once the breaker opens mid-retry, further attempts here would be refused: move on instead.
          shouldRetry: (error) => isAvailabilityError(error) && !(error instanceof CircuitOpenError),
          ...(this.#sleep ? { sleep: this.#sleep } : {}),
          ...(this.#random ? { random: this.#random } : {}),
        });
      } catch (error) {
        if (isNotSupported(error)) {
          unsupported = error;
          continue;
        }
        const failingOver = isAvailabilityError(error);
        this.#onTierFailure({ tier: tier.name, operation, error, failingOver });
        if (!failingOver) throw error;
        failures.push({ tier, error });
      }
    }
    throw this.#exhausted(operation, failures, unsupported, false);
  }

  async #write<T>(operation: string, call: (client: CrmClient) => Promise<T>): Promise<T> {
    const failures: Array<{ tier: Tier; error: unknown }> = [];
    let unsupported: CrmRequestError | undefined;
    for (const tier of this.#tiers) {
      try {
        return await tier.breaker.run(() => call(tier.client));
      } catch (error) {
        // A tier without the operation sent nothing, so the next tier may take the write.
        if (isNotSupported(error)) {
          unsupported = error;
          continue;
        }
        const notSent = error instanceof CircuitOpenError || this.#provablyNotSent(error);
        if (!(error instanceof CircuitOpenError)) {
          this.#onTierFailure({ tier: tier.name, operation, error, failingOver: notSent });
        }
        // Sent and failed (a 503, a timeout, a reset): it may have been applied, so only the caller may retry.
        if (!notSent) throw error;
        failures.push({ tier, error });
      }
    }
    throw this.#exhausted(operation, failures, unsupported, true);
  }

  /**
   * No tier answered. When none was even unavailable, only unsupported, the operation is one no tier
   * offers: that is the caller's to know, so it is surfaced as the tier said it, not as an outage.
   */
  #exhausted(
    operation: string,
    failures: Array<{ tier: Tier; error: unknown }>,
    unsupported: CrmRequestError | undefined,
    isWrite: boolean,
  ): Error {
    if (failures.length === 0 && unsupported) return unsupported;
    return this.#unavailable(operation, failures, isWrite);
  }

  /**
   * Every tier was skipped or failed. CrmRateLimitedError when every tier that answered said 429 (the
   * workflows back off longer on it, and all tiers share one org's credits); RetryableUpstreamError otherwise.
   */
  #unavailable(operation: string, failures: Array<{ tier: Tier; error: unknown }>, isWrite: boolean): Error {
    const summary = failures.map(({ tier, error }) => `${tier.name}: ${messageOf(error)}`).join('; ');
    const message = `Zoho CRM ${operation} failed on every tier (${summary})${isWrite ? '; nothing was sent' : ''}`;
    const details = {
      operation,
      tiers: failures.map(({ tier, error }) => ({
        name: tier.name,
        state: tier.breaker.state,
        error: messageOf(error),
      })),
    };
    const cause = failures.at(-1)?.error;
    const answered = failures.filter(({ error }) => !(error instanceof CircuitOpenError));
    if (answered.length > 0 && answered.every(({ error }) => error instanceof CrmRateLimitedError)) {
      return new CrmRateLimitedError(message, { cause, details });
    }
    return new RetryableUpstreamError(message, { cause, details });
  }
}

/** A tier's "I have no such operation" (e.g. Zoho's MCP has no users tool), said before calling anything. */
function isNotSupported(error: unknown): error is CrmRequestError {
  if (!(error instanceof CrmRequestError)) return false;
  const details: unknown = error.details;
  return typeof details === 'object' && details !== null && (details as { code?: unknown }).code === 'NOT_SUPPORTED';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
