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
import type { CrmClient, CrmModule } from '../ports/crm-client.ts';
import type { CrmCopyWriter, Synced } from '../ports/crm-copy.ts';
import { ModuleCursors } from './sync/module-cursors.ts';
import { StageChanges, syncStageHistory } from './sync/stage-history.ts';
import { type ModuleCounts, SyncRun } from './sync/sync-run.ts';

export type { ModuleCounts } from './sync/sync-run.ts';

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

/** DOMAIN-RULES' open deal (not won, not lost; unknown stages count as open): these get Stage_History. */
export function openStageTest(rules: DomainRules): (stage: string) => boolean {
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
 * 4. each module is marked synced as of the start and its incremental cursor set to the latest Modified_Time
 *    seen (see `ModuleCursors`); the run is recorded in sync_runs (failed ones too)
 * A record that fails validation is counted and listed, never fatal; a failing call aborts the run.
 */
export async function syncFull(deps: SyncFullDeps, options: SyncFullOptions = {}): Promise<SyncFullResult> {
  const { crm, copy, clock } = deps;
  const startedAt = clock.now();
  const apiCallsBefore = crm.apiCalls;
  const runId = await copy.startSyncRun('full', startedAt);
  const run = new SyncRun<SyncedModule>(MODULE_ORDER, options.onProgress);
  const cursors = new ModuleCursors(clock);
  const dealAccount = new Map<string, string | null>();
  const contactAccount = new Map<string, string | null>();
  const links: AccountLinks = {
    accountOfDeal: (id) => dealAccount.get(id),
    accountOfContact: (id) => contactAccount.get(id),
  };
  const stages = new StageChanges();

  try {
    const users = await crm.listUsers();
    await run.page('users', users, toOwner, (rows: Synced<Owner>[]) => copy.upsertOwners(rows, startedAt));

    await cursors.list(crm, 'Accounts', ZOHO_FIELDS.Accounts, (records) =>
      run.page('Accounts', records, toAccount, (rows: Synced<Account>[]) => copy.upsertAccounts(rows, startedAt)),
    );

    await cursors.list(crm, 'Contacts', ZOHO_FIELDS.Contacts, (records) =>
      run.page('Contacts', records, toContact, (rows: Synced<Contact>[]) => {
        for (const { value } of rows) contactAccount.set(value.id, value.accountId);
        return copy.upsertContacts(rows, startedAt);
      }),
    );

    const isOpen = options.isOpenStage ?? openStageTest(deps.rules ?? defaultDomainRules);
    await cursors.list(crm, 'Deals', ZOHO_FIELDS.Deals, (records) =>
      run.page('Deals', records, toDeal, async (rows: Synced<Deal>[]) => {
        for (const { value } of rows) dealAccount.set(value.id, value.accountId);
        return stages.note(await copy.upsertDeals(rows, startedAt), isOpen);
      }),
    );

    await syncStageHistory(deps, run, 'Stage_History', stages.needHistory, options.historyConcurrency ?? 4);

    for (const module of ACTIVITY_MODULES) {
      await cursors.list(crm, module, ZOHO_FIELDS[module], (records) =>
        run.page(
          module,
          records,
          (raw) => toActivity(module, raw, links),
          (rows: Synced<MappedActivity>[]) => copy.upsertActivities(rows, startedAt),
        ),
      );
    }

    await cursors.list(crm, 'Notes', ZOHO_FIELDS.Notes, (records) =>
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
    await cursors.save(copy);
    const finishedAt = clock.now();
    const apiCalls = crm.apiCalls - apiCallsBefore;
    await copy.finishSyncRun(runId, {
      status: 'succeeded',
      finishedAt,
      counts: { ...run.counts, observedStageChanges: stages.observed, invalid: run.issueCount },
      apiCalls,
      error: null,
    });
    return {
      runId,
      counts: run.counts,
      observedStageChanges: stages.observed,
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
        counts: { ...run.counts, observedStageChanges: stages.observed },
        apiCalls: crm.apiCalls - apiCallsBefore,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      })
      .catch(() => undefined);
    throw error;
  }
}
