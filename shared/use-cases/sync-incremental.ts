import type { Account, Contact, Deal } from '../domain/crm.ts';
import { type DomainRules, defaultDomainRules } from '../domain/domain-rules.ts';
import {
  type AccountLinks,
  type ActivityModule,
  type MappedActivity,
  type MappedNote,
  type MappingIssue,
  toAccount,
  toActivity,
  toContact,
  toDeal,
  toNote,
  ZOHO_FIELDS,
} from '../domain/zoho-mapping.ts';
import type { CrmClient, CrmModule, DeletedRecord, ZohoRecord } from '../ports/crm-client.ts';
import type { CrmCopyReader, CrmCopyWriter, Synced } from '../ports/crm-copy.ts';
import { ModuleCursors } from './sync/module-cursors.ts';
import { StageChanges, syncStageHistory } from './sync/stage-history.ts';
import { type ModuleCounts, SyncRun } from './sync/sync-run.ts';
import { openStageTest } from './sync-full.ts';

export interface SyncIncrementalDeps {
  crm: CrmClient;
  /** The writer, plus the copy's deal/contact → account links for activities whose deal did not change. */
  copy: CrmCopyWriter & Pick<CrmCopyReader, 'accountsOf'>;
  clock: { now(): Date };
  /** The tenant's rules, for which deal stages are open; the defaults when absent. */
  rules?: DomainRules;
}

export interface SyncIncrementalOptions {
  onProgress?: (event: { module: IncrementalModule; fetched: number }) => void;
  /**
   * How often a module's deletion log is read (default 6 h). Deletions reach the copy in real time through
   * the notifications webhook; the log catches the ones a lapsed channel or a lost callback missed, so
   * reading it every hour would double the cost of an idle run for little. `0` reads it on every run.
   */
  deletionCheckIntervalMs?: number;
  /** Stage_History requests in flight at once (default 4, as in the full sync). */
  historyConcurrency?: number;
}

export type IncrementalModule = CrmModule | 'Stage_History';

export interface IncrementalCounts extends ModuleCounts {
  /** Rows of the copy marked deleted because Zoho's deletion log lists them. */
  deleted: number;
  /** Zoho answered 304: nothing in the module was modified since its cursor. */
  notModified: boolean;
  /** The module had no cursor yet, so it was listed whole. */
  listedWhole: boolean;
}

const DELETION_CHECK_INTERVAL_MS = 6 * 3600_000;

export interface SyncIncrementalResult {
  runId: string;
  counts: Record<IncrementalModule, IncrementalCounts>;
  /** Deals whose stage differed from our copy's: each was recorded as an observed stage change. */
  observedStageChanges: number;
  /**
   * The modules whose deletion log this run read. Empty when the CRM client cannot list deletions
   * (`deletionsUnsupported`) or no module's check was due yet (`nextDeletionCheck`).
   */
  deletionsChecked: CrmModule[];
  deletionsUnsupported: boolean;
  /** When the next run will read a deletion log, if none was read now. */
  nextDeletionCheck: Date | null;
  /** Records that failed validation and were skipped; at most 200 are listed. */
  issues: MappingIssue[];
  apiCalls: number;
  startedAt: Date;
  finishedAt: Date;
}

const MODULES: readonly CrmModule[] = ['Accounts', 'Contacts', 'Deals', 'Tasks', 'Calls', 'Events', 'Notes'];
const ACTIVITY_MODULES: readonly ActivityModule[] = ['Tasks', 'Calls', 'Events'];

/**
 * Brings the copy up to date with what changed in Zoho since the last sync (the hourly run).
 * Per module, in the full sync's order:
 * 1. Zoho's deletion log since the module's deletions cursor → the copy's rows are soft-deleted. Deletions go
 *    first so that a record deleted and then restored ends up live: the listing that follows revives it.
 * 2. records modified after the module's cursor (If-Modified-Since; Zoho answers 304 when none), sorted by
 *    Modified_Time ascending and continued by page token, upserted with the full sync's mapping and hash check;
 *    a module without a cursor is listed whole instead. Deals whose stage changed are recorded as observed
 *    stage entries, and open ones get their Zoho Stage_History, as in the full sync.
 * 3. the cursors advance to the latest Modified_Time and deletion time seen (Zoho's clock, never ours).
 * The deletion log of step 1 is read every 6 hours (`deletionCheckIntervalMs`), so an idle run in between
 * costs one call per module, the 304 listing (and two when the check is due). The run is recorded
 * in sync_runs (kind 'incremental'); a failing call aborts it with the cursors where they were.
 */
export async function syncIncremental(
  deps: SyncIncrementalDeps,
  options: SyncIncrementalOptions = {},
): Promise<SyncIncrementalResult> {
  const { crm, copy, clock } = deps;
  const startedAt = clock.now();
  const apiCallsBefore = crm.apiCalls;
  const runId = await copy.startSyncRun('incremental', startedAt);
  const run = new SyncRun<IncrementalModule>([...MODULES, 'Stage_History'], options.onProgress);
  const counts = Object.fromEntries(
    Object.entries(run.counts).map(([module, c]) => [
      module,
      Object.assign(c, { deleted: 0, notModified: false, listedWhole: false }),
    ]),
  ) as Record<IncrementalModule, IncrementalCounts>;
  const cursors = new ModuleCursors(clock);
  const deletedSince = new Map<CrmModule, Date>();
  const canListDeletions = typeof crm.deletedRecords === 'function';
  const deletionInterval = options.deletionCheckIntervalMs ?? DELETION_CHECK_INTERVAL_MS;
  const deletionsChecked: CrmModule[] = [];
  let nextDeletionCheck: Date | null = null;
  const links = new RunLinks(copy);
  const isOpen = openStageTest(deps.rules ?? defaultDomainRules);
  const stages = new StageChanges();

  const sync = async (module: CrmModule, onPage: (records: ZohoRecord[]) => Promise<void>) => {
    const cursor = await copy.readSyncCursor(module);
    const dueAt = cursor.deletionsCheckedAt ? cursor.deletionsCheckedAt.getTime() + deletionInterval : 0;
    if (canListDeletions && dueAt <= startedAt.getTime()) {
      const latest = await applyDeletions(crm, copy, module, cursor.deletedSince, (n) => {
        counts[module].deleted += n;
      });
      if (latest) deletedSince.set(module, latest);
      deletionsChecked.push(module);
    } else if (canListDeletions && (nextDeletionCheck === null || dueAt < nextDeletionCheck.getTime())) {
      nextDeletionCheck = new Date(dueAt);
    }
    const since = cursor.modifiedSince;
    const listing = await cursors.list(crm, module, ZOHO_FIELDS[module], onPage, {
      ...(since ? { ifModifiedSince: since, sortBy: 'Modified_Time', preferPageToken: true } : {}),
    });
    counts[module].notModified = listing.notModified;
    counts[module].listedWhole = since === null;
  };

  try {
    await sync('Accounts', (records) =>
      run.page('Accounts', records, toAccount, (rows: Synced<Account>[]) => copy.upsertAccounts(rows, startedAt)),
    );
    await sync('Contacts', (records) =>
      run.page('Contacts', records, toContact, (rows: Synced<Contact>[]) => {
        for (const { value } of rows) links.contacts.set(value.id, value.accountId);
        return copy.upsertContacts(rows, startedAt);
      }),
    );
    await sync('Deals', (records) =>
      run.page('Deals', records, toDeal, async (rows: Synced<Deal>[]) => {
        for (const { value } of rows) links.deals.set(value.id, value.accountId);
        return stages.note(await copy.upsertDeals(rows, startedAt), isOpen);
      }),
    );
    await syncStageHistory(deps, run, 'Stage_History', stages.needHistory, options.historyConcurrency ?? 4);
    for (const module of ACTIVITY_MODULES) {
      await sync(module, async (records) => {
        const known = await links.forPage(records);
        await run.page(
          module,
          records,
          (raw) => toActivity(module, raw, known),
          (rows: Synced<MappedActivity>[]) => copy.upsertActivities(rows, startedAt),
        );
      });
    }
    await sync('Notes', async (records) => {
      const known = await links.forPage(records);
      await run.page(
        'Notes',
        records,
        (raw) => toNote(raw, known),
        (rows: Synced<MappedNote>[]) => copy.upsertNotes(rows, startedAt),
      );
    });

    // Only after every module succeeded: a failed run leaves the cursors where the last good run put them.
    await cursors.save(copy);
    for (const module of deletionsChecked) {
      await copy.saveSyncCursor(module, {
        deletedSince: deletedSince.get(module) ?? null,
        deletionsCheckedAt: startedAt,
      });
    }
    for (const module of MODULES) {
      await copy.markModuleSynced(module, 'incremental', startedAt, counts[module].fetched);
    }
    const finishedAt = clock.now();
    const apiCalls = crm.apiCalls - apiCallsBefore;
    await copy.finishSyncRun(runId, {
      status: 'succeeded',
      finishedAt,
      counts: { ...counts, observedStageChanges: stages.observed, invalid: run.issueCount, deletionsChecked },
      apiCalls,
      error: null,
    });
    return {
      runId,
      counts,
      observedStageChanges: stages.observed,
      deletionsChecked,
      deletionsUnsupported: !canListDeletions,
      nextDeletionCheck: deletionsChecked.length > 0 ? null : nextDeletionCheck,
      issues: run.issues,
      apiCalls,
      startedAt,
      finishedAt,
    };
  } catch (error) {
    await copy
      .finishSyncRun(runId, {
        status: 'failed',
        finishedAt: clock.now(),
        counts: { ...counts, observedStageChanges: stages.observed },
        apiCalls: crm.apiCalls - apiCallsBefore,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      })
      .catch(() => undefined);
    throw error;
  }
}

/**
 * Reads a module's deletion log since `since` (all of it without one), page by page, and soft-deletes those
 * records in the copy at Zoho's deletion time. Returns the latest deletion time seen, null when none.
 */
async function applyDeletions(
  crm: CrmClient,
  copy: CrmCopyWriter,
  module: CrmModule,
  since: Date | null,
  onDeleted: (rows: number) => void,
): Promise<Date | null> {
  const list = crm.deletedRecords?.bind(crm);
  if (!list) return null;
  let latest: Date | null = null;
  for (let page = 1; ; page += 1) {
    const result = await list(module, { page, ...(since ? { since } : {}) });
    const byTime = new Map<number, string[]>();
    for (const entry of result.records) {
      const time = entry.deletedTime.getTime();
      byTime.set(time, [...(byTime.get(time) ?? []), entry.id]);
      latest = later(latest, entry);
    }
    for (const [time, ids] of byTime) onDeleted(await copy.markDeleted(module, ids, new Date(time)));
    if (!result.moreRecords) return latest;
  }
}

function later(latest: Date | null, entry: DeletedRecord): Date {
  return latest && latest >= entry.deletedTime ? latest : entry.deletedTime;
}

/**
 * Which account an activity or note counts for. The full sync knows every deal and contact; an incremental
 * one knows only those modified since, so the rest come from the copy, one query per page.
 */
class RunLinks {
  readonly deals = new Map<string, string | null>();
  readonly contacts = new Map<string, string | null>();
  readonly #copy: Pick<CrmCopyReader, 'accountsOf'>;

  constructor(copy: Pick<CrmCopyReader, 'accountsOf'>) {
    this.#copy = copy;
  }

  async forPage(records: readonly ZohoRecord[]): Promise<AccountLinks> {
    // Every lookup id goes in both lists: an unknown id simply finds nothing.
    const ids = records.flatMap((record) =>
      ['What_Id', 'Who_Id', 'Parent_Id'].flatMap((field) => {
        const ref = record[field] as { id?: unknown } | null | undefined;
        return typeof ref?.id === 'string' ? [ref.id] : [];
      }),
    );
    const missingDeals = ids.filter((id) => !this.deals.has(id));
    const missingContacts = ids.filter((id) => !this.contacts.has(id));
    const fromCopy =
      missingDeals.length + missingContacts.length === 0
        ? { deals: new Map<string, string | null>(), contacts: new Map<string, string | null>() }
        : await this.#copy.accountsOf({ dealIds: missingDeals, contactIds: missingContacts });
    return {
      accountOfDeal: (id) => (this.deals.has(id) ? this.deals.get(id) : fromCopy.deals.get(id)),
      accountOfContact: (id) => (this.contacts.has(id) ? this.contacts.get(id) : fromCopy.contacts.get(id)),
    };
  }
}
