import { type StageEntry, toStageEntry, ZOHO_FIELDS } from '../../domain/zoho-mapping.ts';
import { CrmRateLimitedError, isAppError } from '../../errors.ts';
import type { CrmClient, ZohoRecord } from '../../ports/crm-client.ts';
import type { CrmCopyWriter, DealUpsertResult } from '../../ports/crm-copy.ts';
import { forEachLimited } from './page-through.ts';
import type { SyncRun } from './sync-run.ts';

/**
 * Zoho's stage history for the deals that need it. One deal's failure (a deleted deal, an org without the
 * related list) is listed as an issue and skipped; a rate limit ends the run, since every later call would
 * fail the same way.
 */
export async function syncStageHistory<M extends string>(
  deps: { crm: CrmClient; copy: CrmCopyWriter },
  run: SyncRun<M>,
  /** The run's name for the Stage_History counts. */
  module: M,
  dealIds: readonly string[],
  concurrency: number,
): Promise<void> {
  const counts = run.counts[module];
  let dealsDone = 0;
  await forEachLimited(dealIds, concurrency, async (dealId) => {
    let records: ZohoRecord[];
    try {
      records = await deps.crm.relatedRecords('Deals', dealId, 'Stage_History', ZOHO_FIELDS.Stage_History);
    } catch (error) {
      if (error instanceof CrmRateLimitedError || !isAppError(error)) throw error;
      run.report({ module: 'Stage_History', id: dealId, field: '', message: error.message });
      return;
    }
    const entries: StageEntry[] = [];
    for (const raw of records) {
      const mapped = toStageEntry(dealId, raw);
      if (mapped.ok) entries.push(mapped.value);
      else {
        counts.invalid += 1;
        run.report(mapped.issue);
      }
    }
    counts.fetched += records.length;
    const added = await deps.copy.recordStageHistory(entries);
    counts.inserted += added;
    counts.unchanged += entries.length - added;
    dealsDone += 1;
    run.progress(module, dealsDone);
  });
}

/** What the deals written so far revealed: stage changes we observed, and open deals whose Zoho history to fetch. */
export class StageChanges {
  observed = 0;
  readonly needHistory: string[] = [];

  /** Notes one page's upsert result and hands it back. */
  note(result: DealUpsertResult, isOpen: (stage: string) => boolean): DealUpsertResult {
    for (const change of result.stageChanges) {
      if (change.from !== null) this.observed += 1;
      if (isOpen(change.to)) this.needHistory.push(change.dealId);
    }
    return result;
  }
}
