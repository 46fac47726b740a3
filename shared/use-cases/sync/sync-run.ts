import type { MappingIssue, MappingResult } from '../../domain/zoho-mapping.ts';
import type { ZohoRecord } from '../../ports/crm-client.ts';
import type { Synced, UpsertCounts } from '../../ports/crm-copy.ts';

export interface ModuleCounts extends UpsertCounts {
  fetched: number;
  invalid: number;
}

/** The first this-many issues are listed: enough to find the pattern without holding a broken org in memory. */
const MAX_LISTED_ISSUES = 200;

/** Counts, issues and progress of one sync run (full or incremental), per module in `modules`. */
export class SyncRun<M extends string> {
  readonly counts: Record<M, ModuleCounts>;
  readonly issues: MappingIssue[] = [];
  issueCount = 0;
  readonly #onProgress: ((event: { module: M; fetched: number }) => void) | undefined;

  constructor(modules: readonly M[], onProgress?: (event: { module: M; fetched: number }) => void) {
    this.counts = Object.fromEntries(
      modules.map((module) => [module, { fetched: 0, inserted: 0, updated: 0, unchanged: 0, invalid: 0 }]),
    ) as Record<M, ModuleCounts>;
    this.#onProgress = onProgress;
  }

  /** Maps one page, upserts the valid records, counts everything, reports progress. */
  async page<T>(
    module: M,
    records: readonly ZohoRecord[],
    map: (raw: ZohoRecord) => MappingResult<T>,
    upsert: (rows: Synced<T>[]) => Promise<UpsertCounts>,
  ): Promise<void> {
    const counts = this.counts[module];
    const rows: Synced<T>[] = [];
    for (const raw of records) {
      const mapped = map(raw);
      if (mapped.ok) rows.push({ value: mapped.value, raw });
      else {
        counts.invalid += 1;
        this.report(mapped.issue);
      }
    }
    counts.fetched += records.length;
    if (rows.length > 0) {
      const written = await upsert(rows);
      counts.inserted += written.inserted;
      counts.updated += written.updated;
      counts.unchanged += written.unchanged;
    }
    this.progress(module, counts.fetched);
  }

  /**
   * Remembers `module`'s counts and the issues so far; the returned function puts them back, for a module
   * that is fetched again from the start (a failed export redone by paging) and must not count twice.
   */
  checkpoint(module: M): () => void {
    const counts = { ...this.counts[module] };
    const listed = this.issues.length;
    const issueCount = this.issueCount;
    return () => {
      Object.assign(this.counts[module], counts);
      this.issues.length = listed;
      this.issueCount = issueCount;
    };
  }

  report(issue: MappingIssue): void {
    this.issueCount += 1;
    if (this.issues.length < MAX_LISTED_ISSUES) this.issues.push(issue);
  }

  progress(module: M, fetched: number): void {
    this.#onProgress?.({ module, fetched });
  }
}

/** The latest `Modified_Time` among `records` (Zoho's clock), or `previous` when none is later. */
export function latestModifiedTime(records: readonly ZohoRecord[], previous: Date | null): Date | null {
  let latest = previous;
  for (const record of records) {
    const time = typeof record.Modified_Time === 'string' ? Date.parse(record.Modified_Time) : Number.NaN;
    if (!Number.isNaN(time) && (latest === null || time > latest.getTime())) latest = new Date(time);
  }
  return latest;
}
