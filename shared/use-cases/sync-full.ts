import { stageKindOf } from '../domain/account-facts.ts';
import type { Account, Contact, Deal, Owner } from '../domain/crm.ts';
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
  toOwner,
  ZOHO_FIELDS,
} from '../domain/zoho-mapping.ts';
import type { CrmClient, CrmModule, ZohoRecord } from '../ports/crm-client.ts';
import type { CrmCopyWriter, Synced } from '../ports/crm-copy.ts';
import { ModuleCursors } from './sync/module-cursors.ts';
import { StageChanges, syncStageHistory } from './sync/stage-history.ts';
import { type ModuleCounts, SyncRun } from './sync/sync-run.ts';
import { type BulkReadFallback, type ModuleSource, syncWholeModule } from './sync/whole-module.ts';

export type { ModuleCounts } from './sync/sync-run.ts';
export type { BulkReadFallback, ModuleSource } from './sync/whole-module.ts';

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
  /** Told when a module's Bulk Read export failed and the module is paged through instead, to log it. */
  onBulkReadFallback?: (fallback: BulkReadFallback) => void;
  /**
   * The fewest records a module must hold to be exported through Bulk Read (default {@link BULK_READ_FROM});
   * a smaller one is paged. 0 exports every module the client can export.
   */
  bulkReadFrom?: number;
  /** Module sizes the caller has already asked Zoho for (the CLI's progress bars), so they are not asked again. */
  moduleSizes?: ReadonlyMap<CrmModule, number>;
}

/**
 * A Bulk Read export costs a job, its polls and a download (Zoho allows 10 downloads a minute per org)
 * and waits in Zoho's queue for seconds to minutes; five pages of 200 cost five calls and come back in
 * about a second. So modules of fewer than 1,000 records are paged.
 */
export const BULK_READ_FROM = 1000;

export type SyncedModule = 'users' | CrmModule | 'Stage_History';

export interface SyncFullResult {
  runId: string;
  /** Per module; for Stage_History, `fetched` counts history rows and `inserted` the ones new to the copy. */
  counts: Record<SyncedModule, ModuleCounts>;
  /** Deals whose stage differed from our copy's: each was recorded as an observed stage change. */
  observedStageChanges: number;
  /** Records that failed validation (module, id, field) and were skipped; at most 200 are listed. */
  issues: MappingIssue[];
  /** How each module's records came: a Bulk Read export, or pages of 200 (Notes always, users aside). */
  sources: Partial<Record<CrmModule, ModuleSource>>;
  /** Modules whose export failed and were paged through instead, with why. */
  bulkReadFallbacks: BulkReadFallback[];
  apiCalls: number;
  startedAt: Date;
  finishedAt: Date;
}

/** The order a full sync goes through the modules (users first: records point to them). */
export const FULL_SYNC_ORDER: readonly SyncedModule[] = [
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

/** DOMAIN-RULES' open deal (not won, not lost; unknown stages count as open): these get Stage_History. */
export function openStageTest(rules: DomainRules): (stage: string) => boolean {
  return (stage) => {
    const kind = stageKindOf(stage, rules);
    return kind === 'open' || kind === 'unknown';
  };
}

/**
 * Pulls the whole CRM into the copy.
 * 1. users, then Accounts, Contacts, Deals, exported through Zoho's Bulk Read when the client offers it
 *    and the module holds at least `bulkReadFrom` records (a few calls per 200,000 records), and paged
 *    through otherwise (200 a call, id ascending), an export
 *    that fails being paged through instead; each page is mapped, validated and upserted, and only rows
 *    whose hash changed are written (a repeat sync writes nothing)
 * 2. for open deals that are new or whose stage changed, Zoho's Stage_History (our copy records the
 *    observed change itself); other deals cost no extra call
 * 3. Tasks, Calls, Events (exported like the above) and Notes (always paged: Bulk Read refuses them),
 *    attributed to accounts through the deals and contacts just fetched
 * 4. each module is marked synced as of the start and its incremental cursor set to the latest Modified_Time
 *    seen (see `ModuleCursors`); the run is recorded in sync_runs (failed ones too)
 * A record that fails validation is counted and listed, never fatal; a failing call aborts the run.
 */
export async function syncFull(deps: SyncFullDeps, options: SyncFullOptions = {}): Promise<SyncFullResult> {
  const { crm, copy, clock } = deps;
  const startedAt = clock.now();
  const apiCallsBefore = crm.apiCalls;
  const runId = await copy.startSyncRun('full', startedAt);
  const run = new SyncRun<SyncedModule>(FULL_SYNC_ORDER, options.onProgress);
  const cursors = new ModuleCursors(clock);
  const dealAccount = new Map<string, string | null>();
  const contactAccount = new Map<string, string | null>();
  const links: AccountLinks = {
    accountOfDeal: (id) => dealAccount.get(id),
    accountOfContact: (id) => contactAccount.get(id),
  };
  const stages = new StageChanges();
  const sources: Partial<Record<CrmModule, ModuleSource>> = {};
  const bulkReadFallbacks: BulkReadFallback[] = [];
  /** How many records Zoho holds in a module, when that decides how to fetch it; +∞ when unknown. */
  const moduleSize = async (module: CrmModule): Promise<number> => {
    const known = options.moduleSizes?.get(module);
    if (known !== undefined) return known;
    if (!crm.exportModule || !crm.countRecords || options.bulkReadFrom === 0) return Number.POSITIVE_INFINITY;
    // A count that fails leaves the choice to Bulk Read, which pages itself when it fails too.
    return crm.countRecords(module).catch(() => Number.POSITIVE_INFINITY);
  };
  const wholeModule = async (
    module: 'Accounts' | 'Contacts' | 'Deals' | ActivityModule,
    onPage: (records: ZohoRecord[]) => Promise<void>,
  ) => {
    const small = (await moduleSize(module)) < (options.bulkReadFrom ?? BULK_READ_FROM);
    const outcome = await syncWholeModule(crm, cursors, run, module, ZOHO_FIELDS[module], onPage, { page: small });
    sources[module] = outcome.source;
    if (outcome.fallback) {
      bulkReadFallbacks.push(outcome.fallback);
      options.onBulkReadFallback?.(outcome.fallback);
    }
  };

  try {
    const users = await crm.listUsers();
    await run.page('users', users, toOwner, (rows: Synced<Owner>[]) => copy.upsertOwners(rows, startedAt));

    await wholeModule('Accounts', (records) =>
      run.page('Accounts', records, toAccount, (rows: Synced<Account>[]) => copy.upsertAccounts(rows, startedAt)),
    );

    await wholeModule('Contacts', (records) =>
      run.page('Contacts', records, toContact, (rows: Synced<Contact>[]) => {
        for (const { value } of rows) contactAccount.set(value.id, value.accountId);
        return copy.upsertContacts(rows, startedAt);
      }),
    );

    const isOpen = options.isOpenStage ?? openStageTest(deps.rules ?? defaultDomainRules);
    await wholeModule('Deals', (records) =>
      run.page('Deals', records, toDeal, async (rows: Synced<Deal>[]) => {
        for (const { value } of rows) dealAccount.set(value.id, value.accountId);
        return stages.note(await copy.upsertDeals(rows, startedAt), isOpen);
      }),
    );

    await syncStageHistory(deps, run, 'Stage_History', stages.needHistory, options.historyConcurrency ?? 4);

    for (const module of ACTIVITY_MODULES) {
      await wholeModule(module, (records) =>
        run.page(
          module,
          records,
          (raw) => toActivity(module, raw, links),
          (rows: Synced<MappedActivity>[]) => copy.upsertActivities(rows, startedAt),
        ),
      );
    }

    sources.Notes = 'pages';
    await cursors.list(crm, 'Notes', ZOHO_FIELDS.Notes, (records) =>
      run.page(
        'Notes',
        records,
        (raw) => toNote(raw, links),
        (rows: Synced<MappedNote>[]) => copy.upsertNotes(rows, startedAt),
      ),
    );

    // Stage_History is a related list, not a module Zoho lists on its own.
    for (const module of FULL_SYNC_ORDER.filter((m) => m !== 'Stage_History')) {
      await copy.markModuleSynced(module, 'full', startedAt, run.counts[module].fetched);
    }
    await cursors.save(copy);
    const finishedAt = clock.now();
    const apiCalls = crm.apiCalls - apiCallsBefore;
    await copy.finishSyncRun(runId, {
      status: 'succeeded',
      finishedAt,
      counts: {
        ...run.counts,
        observedStageChanges: stages.observed,
        invalid: run.issueCount,
        bulkReadFallbacks: bulkReadFallbacks.length,
      },
      apiCalls,
      error: null,
    });
    return {
      runId,
      counts: run.counts,
      observedStageChanges: stages.observed,
      issues: run.issues,
      sources,
      bulkReadFallbacks,
      apiCalls,
      startedAt,
      finishedAt,
    };
  } catch (error) {
    await copy
      .finishSyncRun(runId, {
        status: 'failed',
        finishedAt: clock.now(),
        counts: { ...run.counts, observedStageChanges: stages.observed, bulkReadFallbacks: bulkReadFallbacks.length },
        apiCalls: crm.apiCalls - apiCallsBefore,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      })
      .catch(() => undefined);
    throw error;
  }
}
