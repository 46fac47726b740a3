/**
 * Sergas's durable copy of the CRM (tables owners … notes, deal_stage_history, sync_state, sync_runs).
 * The sync writes it through `CrmCopyWriter`; the Data Scout reads it through `CrmCopyReader`. Rows carry
 * a hash of what they were built from, so writing an unchanged record is a no-op.
 */
import type { Account, AccountSnapshot, Contact, Deal, Owner } from '../domain/crm.ts';
import type { MappedActivity, MappedNote, StageEntry } from '../domain/zoho-mapping.ts';
import type { CrmModule, ZohoRecord } from './crm-client.ts';

/** A mapped record and the raw Zoho record it came from (kept as `raw`, hashed into `sync_hash`). */
export interface Synced<T> {
  value: T;
  raw: ZohoRecord;
}

export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

/** A deal whose stage in our copy differs from the incoming one (`from` is null for a deal new to the copy). */
export interface DealStageChange {
  dealId: string;
  from: string | null;
  to: string;
}

export interface DealUpsertResult extends UpsertCounts {
  /** New deals and deals whose stage changed; changed ones were also recorded as `observed` history. */
  stageChanges: DealStageChange[];
}

export type SyncKind = 'full' | 'incremental';
export type SyncRunStatus = 'running' | 'succeeded' | 'failed';

export interface SyncRunOutcome {
  status: Exclude<SyncRunStatus, 'running'>;
  finishedAt: Date;
  counts: Record<string, unknown>;
  apiCalls: number;
  error: string | null;
}

/**
 * Where the incremental sync resumes a module, both on Zoho's clock: the latest `Modified_Time` and the
 * latest deletion time it has seen. Null until a sync has seen one.
 */
export interface SyncCursor {
  modifiedSince: Date | null;
  deletedSince: Date | null;
  /** When the module's deletion log was last read (our clock); null before the first read. */
  deletionsCheckedAt: Date | null;
}

export type CrmCopyTable = 'owners' | 'accounts' | 'contacts' | 'deals' | 'deal_stage_history' | 'activities' | 'notes';

export interface CrmCopyWriter {
  upsertOwners(rows: readonly Synced<Owner>[], syncedAt: Date): Promise<UpsertCounts>;
  upsertAccounts(rows: readonly Synced<Account>[], syncedAt: Date): Promise<UpsertCounts>;
  upsertContacts(rows: readonly Synced<Contact>[], syncedAt: Date): Promise<UpsertCounts>;
  /** Also records an `observed` stage-history row for every deal whose stage differs from our copy's. */
  upsertDeals(rows: readonly Synced<Deal>[], syncedAt: Date): Promise<DealUpsertResult>;
  /** Zoho's own Stage_History rows (source `zoho`); returns how many were new. */
  recordStageHistory(entries: readonly StageEntry[]): Promise<number>;
  upsertActivities(rows: readonly Synced<MappedActivity>[], syncedAt: Date): Promise<UpsertCounts>;
  upsertNotes(rows: readonly Synced<MappedNote>[], syncedAt: Date): Promise<UpsertCounts>;
  /** Notes that a module was fully synced as of `at` (the sync's start, so nothing changed during it is missed). */
  markModuleSynced(module: string, kind: SyncKind, at: Date, recordCount: number): Promise<void>;
  /** Where the incremental sync resumes `module`. */
  readSyncCursor(module: CrmModule): Promise<SyncCursor>;
  /** Advances the given parts of `module`'s cursor; a cursor never moves back (an older value is ignored). */
  saveSyncCursor(module: CrmModule, cursor: Partial<SyncCursor>): Promise<void>;
  /**
   * Soft-deletes records Zoho deleted (`deleted_at = at`); readers no longer see them, history stays.
   * Returns how many rows changed (ids unknown to the copy or already deleted do not count).
   */
  markDeleted(module: CrmModule, ids: readonly string[], at: Date): Promise<number>;
  /** Opens a sync_runs row in status `running`; returns its id. */
  startSyncRun(kind: SyncKind, startedAt: Date): Promise<string>;
  finishSyncRun(runId: string, outcome: SyncRunOutcome): Promise<void>;
}

export interface CrmCopyReader {
  /**
   * The account with its owner, contacts, deals (each with the date it entered its current stage, when
   * known) and activities including notes (kind 'note'), newest first; null for an unknown account.
   */
  loadSnapshot(accountId: string): Promise<Omit<AccountSnapshot, 'baseline'> | null>;
  /**
   * The snapshots of many accounts at once, each exactly as {@link CrmCopyReader.loadSnapshot} gives it,
   * by account id; accounts the copy does not hold are absent. A few set-based queries whatever the number
   * of ids, for jobs over the whole org (the full sync's feature indexing); callers bound the batch size.
   */
  loadSnapshots(accountIds: readonly string[]): Promise<Map<string, Omit<AccountSnapshot, 'baseline'>>>;
  /** A CRM user (account owner) by id; null when the copy has none. */
  getOwner(ownerId: string): Promise<Owner | null>;
  /** Accounts by name, optionally only one owner's. */
  listAccounts(filter?: { ownerId?: string }): Promise<Account[]>;
  /** Rows per table; deleted records (`markDeleted`) are not counted. */
  countAll(): Promise<Record<CrmCopyTable, number>>;
  /** The accounts of these deals and contacts in our copy, for attributing a single activity to its account. */
  accountsOf(ids: { dealIds: readonly string[]; contactIds: readonly string[] }): Promise<{
    deals: Map<string, string | null>;
    contacts: Map<string, string | null>;
  }>;
}

export interface CrmCopy extends CrmCopyWriter, CrmCopyReader {}
