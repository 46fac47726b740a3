import { stageKindOf } from '../domain/account-facts.ts';
import type { Account, Contact, Deal, Owner } from '../domain/crm.ts';
import { type DomainRules, defaultDomainRules } from '../domain/domain-rules.ts';
import {
  type AccountLinks,
  type ActivityModule,
  type MappedActivity,
  type MappedNote,
  type MappingIssue,
  type MappingResult,
  type StageEntry,
  toAccount,
  toActivity,
  toContact,
  toDeal,
  toNote,
  toOwner,
  toStageEntry,
  ZOHO_FIELDS,
} from '../domain/zoho-mapping.ts';
import { CrmRateLimitedError, isAppError } from '../errors.ts';
import type { CrmClient, CrmModule, ZohoRecord } from '../ports/crm-client.ts';
import type { CrmCopyWriter, Synced, UpsertCounts } from '../ports/crm-copy.ts';
import { forEachLimited, pageThrough } from './sync/page-through.ts';

export interface SyncFullDeps {
  crm: CrmClient;
  copy: CrmCopyWriter;
  clock: { now(): Date };
  /** The tenant's rules, for which deal stages are open; the defaults when absent. */
  rules?: DomainRules;
}

export interface SyncProgressEvent {
  module: SyncedModule;
  /** Records fetched from this module so far (deals done, for Stage_History). */
  fetched: number;
}

export interface SyncFullOptions {
  onProgress?: (event: SyncProgressEvent) => void;
  /** Open stages get their Stage_History fetched; default: DOMAIN-RULES' open deal (not won, not lost). */
  isOpenStage?: (stage: string) => boolean;
  /** Stage_History requests in flight at once (default 4: under Zoho's lowest concurrency limit, 5). */
  historyConcurrency?: number;
}

export type SyncedModule = 'users' | CrmModule | 'Stage_History';

export interface ModuleCounts extends UpsertCounts {
  fetched: number;
  invalid: number;
}

export interface SyncFullResult {
  runId: string;
  /** Per module; for Stage_History, `fetched` counts history rows and `inserted` the ones new to the copy. */
  counts: Record<SyncedModule, ModuleCounts>;
  /** Deals whose stage differed from our copy's: each was recorded as an observed stage change. */
  observedStageChanges: number;
  /** Records that failed validation (module, id, field) and were skipped; at most 200 are listed. */
  issues: MappingIssue[];
  apiCalls: number;
  startedAt: Date;
  finishedAt: Date;
}

const MODULE_ORDER: readonly SyncedModule[] = [
  'users',
  'Accounts',
  'Contacts',
  'Deals',
  'Stage_History',
  'Tasks',
  'Calls',
  'Events',
  'Notes',
];
const ACTIVITY_MODULES: readonly ActivityModule[] = ['Tasks', 'Calls', 'Events'];
const MAX_LISTED_ISSUES = 200;

function openStageTest(rules: DomainRules): (stage: string) => boolean {
  return (stage) => {
    const kind = stageKindOf(stage, rules);
    return kind === 'open' || kind === 'unknown';
  };
}

/**
 * Pulls the whole CRM into the copy.
 * 1. users, then Accounts, Contacts, Deals, page by page (200, id ascending); each page is mapped,
 *    validated and upserted, and only rows whose hash changed are written (a repeat sync writes nothing)
 * 2. for open deals that are new or whose stage changed, Zoho's Stage_History (our copy records the
 *    observed change itself); other deals cost no extra call
 * 3. Tasks, Calls, Events and Notes, attributed to accounts through the deals and contacts just fetched
 * 4. each module is marked synced as of the start; the run is recorded in sync_runs (failed ones too)
 * A record that fails validation is counted and listed, never fatal; a failing call aborts the run.
 */
export async function syncFull(deps: SyncFullDeps, options: SyncFullOptions = {}): Promise<SyncFullResult> {
  const { crm, copy, clock } = deps;
  const startedAt = clock.now();
  const apiCallsBefore = crm.apiCalls;
  const runId = await copy.startSyncRun('full', startedAt);
  const run = new SyncRun(options.onProgress);
  const dealAccount = new Map<string, string | null>();
  const contactAccount = new Map<string, string | null>();
  const links: AccountLinks = {
    accountOfDeal: (id) => dealAccount.get(id),
    accountOfContact: (id) => contactAccount.get(id),
  };
  let observedStageChanges = 0;

  try {
    const users = await crm.listUsers();
    await run.page('users', users, toOwner, (rows: Synced<Owner>[]) => copy.upsertOwners(rows, startedAt));

    await pageThrough(crm, 'Accounts', ZOHO_FIELDS.Accounts, (records) =>
      run.page('Accounts', records, toAccount, (rows: Synced<Account>[]) => copy.upsertAccounts(rows, startedAt)),
    );

    await pageThrough(crm, 'Contacts', ZOHO_FIELDS.Contacts, (records) =>
      run.page('Contacts', records, toContact, (rows: Synced<Contact>[]) => {
        for (const { value } of rows) contactAccount.set(value.id, value.accountId);
        return copy.upsertContacts(rows, startedAt);
      }),
    );

    const isOpen = options.isOpenStage ?? openStageTest(deps.rules ?? defaultDomainRules);
    const needHistory: string[] = [];
    await pageThrough(crm, 'Deals', ZOHO_FIELDS.Deals, (records) =>
      run.page('Deals', records, toDeal, async (rows: Synced<Deal>[]) => {
        for (const { value } of rows) dealAccount.set(value.id, value.accountId);
        const result = await copy.upsertDeals(rows, startedAt);
        for (const change of result.stageChanges) {
          if (change.from !== null) observedStageChanges += 1;
          if (isOpen(change.to)) needHistory.push(change.dealId);
        }
        return result;
      }),
    );

    await syncStageHistory(deps, run, needHistory, options.historyConcurrency ?? 4);

    for (const module of ACTIVITY_MODULES) {
      await pageThrough(crm, module, ZOHO_FIELDS[module], (records) =>
        run.page(
          module,
          records,
          (raw) => toActivity(module, raw, links),
          (rows: Synced<MappedActivity>[]) => copy.upsertActivities(rows, startedAt),
        ),
      );
    }

    await pageThrough(crm, 'Notes', ZOHO_FIELDS.Notes, (records) =>
      run.page(
        'Notes',
        records,
        (raw) => toNote(raw, links),
        (rows: Synced<MappedNote>[]) => copy.upsertNotes(rows, startedAt),
      ),
    );

    // Stage_History is a related list, not a module Zoho lists on its own.
    for (const module of MODULE_ORDER.filter((m) => m !== 'Stage_History')) {
      await copy.markModuleSynced(module, 'full', startedAt, run.counts[module].fetched);
    }
    const finishedAt = clock.now();
    const apiCalls = crm.apiCalls - apiCallsBefore;
    await copy.finishSyncRun(runId, {
      status: 'succeeded',
      finishedAt,
      counts: { ...run.counts, observedStageChanges, invalid: run.issueCount },
      apiCalls,
      error: null,
    });
    return {
      runId,
      counts: run.counts,
      observedStageChanges,
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
        counts: { ...run.counts, observedStageChanges },
        apiCalls: crm.apiCalls - apiCallsBefore,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      })
      .catch(() => undefined);
    throw error;
  }
}

/**
 * Zoho's stage history for the deals that need it. One deal's failure (a deleted deal, an org without the
 * related list) is listed as an issue and skipped; a rate limit ends the run, since every later call would
 * fail the same way.
 */
async function syncStageHistory(deps: SyncFullDeps, run: SyncRun, dealIds: string[], concurrency: number) {
  const counts = run.counts.Stage_History;
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
    run.progress('Stage_History', dealsDone);
  });
}

/** Counts, issues and progress of one sync run. */
class SyncRun {
  readonly counts = Object.fromEntries(
    MODULE_ORDER.map((module) => [module, { fetched: 0, inserted: 0, updated: 0, unchanged: 0, invalid: 0 }]),
  ) as Record<SyncedModule, ModuleCounts>;
  /** The first MAX_LISTED_ISSUES issues: enough to find the pattern without holding a broken org in memory. */
  readonly issues: MappingIssue[] = [];
  issueCount = 0;
  readonly #onProgress: ((event: SyncProgressEvent) => void) | undefined;

  constructor(onProgress: ((event: SyncProgressEvent) => void) | undefined) {
    this.#onProgress = onProgress;
  }

  /** Maps one page, upserts the valid records, counts everything, reports progress. */
  async page<T>(
    module: SyncedModule,
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

  report(issue: MappingIssue): void {
    this.issueCount += 1;
    if (this.issues.length < MAX_LISTED_ISSUES) this.issues.push(issue);
  }

  progress(module: SyncedModule, fetched: number): void {
    this.#onProgress?.({ module, fetched });
  }
}
