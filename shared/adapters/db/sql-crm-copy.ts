import type { Account, AccountSnapshot, Activity, Contact, Deal, Owner } from '../../domain/crm.ts';
import { type MappedActivity, type MappedNote, noteSubject, type StageEntry } from '../../domain/zoho-mapping.ts';
import type { CrmModule } from '../../ports/crm-client.ts';
import type {
  CrmCopy,
  CrmCopyTable,
  DealStageChange,
  DealUpsertResult,
  SyncCursor,
  Synced,
  SyncKind,
  SyncRunOutcome,
  UpsertCounts,
} from '../../ports/crm-copy.ts';
import type { Db } from '../../ports/db.ts';
import { clip, dateOnly, sha256Of, type UpsertTable, upsertChanged } from './sql-upsert.ts';

// The hash covers the raw record AND what we derive from it: an activity's account comes from another
// record (its deal or contact), and a mapping fix must rewrite rows even when Zoho's data did not change.
function hashOf(synced: Synced<unknown>): string {
  return sha256Of({ raw: synced.raw, value: synced.value });
}

const OWNERS: UpsertTable = {
  name: 'owners',
  columns: [
    ['id', 'text'],
    ['name', 'text'],
    ['email', 'text'],
    ['role', 'text'],
    ['manager_id', 'text'],
    ['time_zone', 'text'],
    ['raw', 'jsonb'],
    ['sync_hash', 'text'],
  ],
};

const ACCOUNTS: UpsertTable = {
  name: 'accounts',
  columns: [
    ['id', 'text'],
    ['name', 'text'],
    ['status', 'text'],
    ['owner_id', 'text'],
    ['owner_name', 'text'],
    ['account_type', 'text'],
    ['industry', 'text'],
    ['annual_revenue', 'double precision'],
    ['employees', 'integer'],
    ['renewal_date', 'date'],
    ['created_at', 'timestamptz'],
    ['updated_at', 'timestamptz'],
    ['raw', 'jsonb'],
    ['sync_hash', 'text'],
  ],
};

const CONTACTS: UpsertTable = {
  name: 'contacts',
  columns: [
    ['id', 'text'],
    ['account_id', 'text'],
    ['full_name', 'text'],
    ['email', 'text'],
    ['phone', 'text'],
    ['title', 'text'],
    ['modified_at', 'timestamptz'],
    ['raw', 'jsonb'],
    ['sync_hash', 'text'],
  ],
};

const DEALS: UpsertTable = {
  name: 'deals',
  columns: [
    ['id', 'text'],
    ['account_id', 'text'],
    ['name', 'text'],
    ['stage', 'text'],
    ['amount', 'double precision'],
    ['closing_date', 'date'],
    ['owner_id', 'text'],
    ['created_at', 'timestamptz'],
    ['modified_at', 'timestamptz'],
    ['raw', 'jsonb'],
    ['sync_hash', 'text'],
  ],
};

const ACTIVITIES: UpsertTable = {
  name: 'activities',
  columns: [
    ['id', 'text'],
    ['account_id', 'text'],
    ['type', 'text'],
    ['subject', 'text'],
    ['description', 'text'],
    ['status', 'text'],
    ['due_date', 'date'],
    ['occurred_at', 'timestamptz'],
    ['is_open', 'boolean'],
    ['created_by', 'text'],
    ['what_module', 'text'],
    ['what_id', 'text'],
    ['created_at', 'timestamptz'],
    ['modified_at', 'timestamptz'],
    ['raw', 'jsonb'],
    ['sync_hash', 'text'],
  ],
};

const NOTES: UpsertTable = {
  name: 'notes',
  columns: [
    ['id', 'text'],
    ['account_id', 'text'],
    ['parent_module', 'text'],
    ['parent_id', 'text'],
    ['title', 'text'],
    ['content', 'text'],
    ['owner_id', 'text'],
    ['created_at', 'timestamptz'],
    ['modified_at', 'timestamptz'],
    ['raw', 'jsonb'],
    ['sync_hash', 'text'],
  ],
};

const ACTIVITY_MODULE = { task: 'Tasks', call: 'Calls', event: 'Events' } as const;

/** The table a module's records live in, and for activities the `type` that tells the modules apart. */
const TABLE_OF: Record<CrmModule, { table: string; type?: string }> = {
  Accounts: { table: 'accounts' },
  Contacts: { table: 'contacts' },
  Deals: { table: 'deals' },
  Tasks: { table: 'activities', type: 'task' },
  Calls: { table: 'activities', type: 'call' },
  Events: { table: 'activities', type: 'event' },
  Notes: { table: 'notes' },
};

/**
 * Upserts into a table that soft-deletes. A deleted row that comes back (restored from Zoho's recycle bin,
 * or re-sent) must be revived even when its hash did not change, so its hash is voided first and the upsert
 * rewrites it (counted as updated). Both in one transaction, so no reader sees a half-revived row.
 */
function upsertLive(db: Db, table: UpsertTable, values: readonly Record<string, unknown>[], syncedAt: Date) {
  return db.transaction(async (tx) => {
    await reviveDeleted(tx, table.name, values);
    return upsertChanged(tx, table, values, syncedAt);
  });
}

async function reviveDeleted(db: Db, table: string, values: readonly Record<string, unknown>[]): Promise<void> {
  if (values.length === 0) return;
  await db.query(
    `UPDATE ${table} SET deleted_at = NULL, sync_hash = '' WHERE id = ANY($1::text[]) AND deleted_at IS NOT NULL`,
    [values.map((v) => String(v.id))],
  );
}

/** Cursors are stored as `toISOString()` text: one fixed UTC format, so text order is time order. */
function cursorText(value: Date | null | undefined): string | null {
  return value ? value.toISOString() : null;
}

type Row = Record<string, unknown>;

/**
 * What a snapshot reads of each table: the columns the row mappers below use, never `raw` (the whole Zoho
 * record, which would be sent, parsed and dropped for every row).
 */
const SNAPSHOT_COLUMNS = {
  accounts:
    'id, name, status, owner_id, owner_name, account_type, industry, annual_revenue, employees, renewal_date, ' +
    'created_at, updated_at',
  owners: 'id, name, email, role, manager_id, time_zone',
  contacts: 'id, account_id, full_name, email, phone, title, modified_at',
  deals: 'd.id, d.account_id, d.name, d.stage, d.amount, d.closing_date, d.owner_id, d.created_at, d.modified_at',
  activities:
    'a.id, a.account_id, a.type, a.subject, a.description, a.status, a.due_date, a.occurred_at, a.is_open, ' +
    'a.created_at, a.modified_at',
  notes: 'id, account_id, title, content, owner_id, created_at, modified_at',
} as const;

/**
 * The CRM copy on the Db port (real Postgres or PGlite): batched change-detecting upserts for the sync,
 * stage history, sync bookkeeping, and the account snapshot the Data Scout reads.
 */
export class SqlCrmCopy implements CrmCopy {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  // ---- write side ----------------------------------------------------------------------------------

  async upsertOwners(rows: readonly Synced<Owner>[], syncedAt: Date): Promise<UpsertCounts> {
    const values = rows.map((synced) => {
      const o = synced.value;
      return {
        id: o.id,
        name: clip(o.name, 255),
        email: clip(o.email, 320),
        role: clip(o.role, 100),
        manager_id: o.managerId,
        time_zone: clip(o.timeZone, 64),
        raw: synced.raw,
        sync_hash: hashOf(synced),
      };
    });
    return upsertChanged(this.#db, OWNERS, values, syncedAt);
  }

  async upsertAccounts(rows: readonly Synced<Account>[], syncedAt: Date): Promise<UpsertCounts> {
    const values = rows.map((synced) => {
      const a = synced.value;
      return {
        id: a.id,
        name: clip(a.name, 255),
        status: clip(a.status, 50),
        owner_id: a.ownerId,
        owner_name: clip(a.ownerName, 255),
        account_type: clip(a.accountType, 100),
        industry: clip(a.industry, 100),
        annual_revenue: a.annualRevenue,
        employees: a.employees === null ? null : Math.round(a.employees),
        renewal_date: dateOnly(a.renewalDate),
        created_at: a.createdAt.toISOString(),
        updated_at: a.modifiedAt.toISOString(),
        raw: synced.raw,
        sync_hash: hashOf(synced),
      };
    });
    return upsertLive(this.#db, ACCOUNTS, values, syncedAt);
  }

  async upsertContacts(rows: readonly Synced<Contact>[], syncedAt: Date): Promise<UpsertCounts> {
    const values = rows.map((synced) => {
      const c = synced.value;
      return {
        id: c.id,
        account_id: c.accountId,
        full_name: clip(c.fullName, 255),
        email: clip(c.email, 320),
        phone: clip(c.phone, 50),
        title: clip(c.title, 255),
        modified_at: c.modifiedAt.toISOString(),
        raw: synced.raw,
        sync_hash: hashOf(synced),
      };
    });
    return upsertLive(this.#db, CONTACTS, values, syncedAt);
  }

  async upsertDeals(rows: readonly Synced<Deal>[], syncedAt: Date): Promise<DealUpsertResult> {
    const values = rows.map((synced) => {
      const d = synced.value;
      return {
        id: d.id,
        account_id: d.accountId,
        name: clip(d.name, 255),
        stage: clip(d.stage, 100),
        amount: d.amount,
        closing_date: dateOnly(d.closingDate),
        owner_id: d.ownerId,
        created_at: d.createdAt.toISOString(),
        modified_at: d.modifiedAt.toISOString(),
        raw: synced.raw,
        sync_hash: hashOf(synced),
      };
    });
    return this.#db.transaction(async (tx) => {
      // Read the stages before writing: a stage that differs from our copy's is a change we observed.
      const previous = await tx.query<{ id: string; stage: string }>(
        'SELECT id, stage FROM deals WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb))',
        [JSON.stringify(values.map((v) => v.id))],
      );
      const stageOf = new Map(previous.map((row) => [row.id, row.stage]));
      await reviveDeleted(tx, 'deals', values);
      const counts = await upsertChanged(tx, DEALS, values, syncedAt);
      const stageChanges: DealStageChange[] = [];
      const observed: { deal_id: string; stage: string | null; entered_at: string }[] = [];
      for (const synced of rows) {
        const deal = synced.value;
        const before = stageOf.get(deal.id);
        if (before === deal.stage) continue;
        stageChanges.push({ dealId: deal.id, from: before ?? null, to: deal.stage });
        // A new deal's stage entry is unknown (Zoho's Stage_History may tell); only a change is observed.
        // The deal's Modified_Time bounds when the change happened more tightly than the sync's clock.
        if (before !== undefined) {
          observed.push({ deal_id: deal.id, stage: clip(deal.stage, 100), entered_at: deal.modifiedAt.toISOString() });
        }
      }
      if (observed.length > 0) await this.#insertStageHistory(tx, observed, 'observed');
      return { ...counts, stageChanges };
    });
  }

  async recordStageHistory(entries: readonly StageEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    return this.#insertStageHistory(
      this.#db,
      entries.map((e) => ({ deal_id: e.dealId, stage: clip(e.stage, 100), entered_at: e.enteredAt.toISOString() })),
      'zoho',
    );
  }

  async #insertStageHistory(
    db: Db,
    rows: readonly { deal_id: string; stage: string | null; entered_at: string }[],
    source: 'zoho' | 'observed',
  ): Promise<number> {
    const inserted = await db.query(
      `INSERT INTO deal_stage_history (deal_id, stage, entered_at, source)
       SELECT x.deal_id, x.stage, x.entered_at, $2
       FROM jsonb_to_recordset($1::jsonb) AS x(deal_id text, stage text, entered_at timestamptz)
       ON CONFLICT DO NOTHING
       RETURNING deal_id`,
      [JSON.stringify(rows), source],
    );
    return inserted.length;
  }

  async upsertActivities(rows: readonly Synced<MappedActivity>[], syncedAt: Date): Promise<UpsertCounts> {
    const values = rows.map((synced) => {
      const { activity: a, whatModule, whatId, createdById } = synced.value;
      return {
        id: a.id,
        account_id: a.accountId,
        type: a.kind,
        subject: clip(a.subject, 500),
        description: a.description,
        status: clip(a.status, 50),
        due_date: dateOnly(a.dueDate),
        occurred_at: a.occurredAt.toISOString(),
        is_open: a.isOpen,
        created_by: createdById,
        what_module: clip(whatModule, 50),
        what_id: whatId,
        created_at: a.createdAt.toISOString(),
        modified_at: a.modifiedAt.toISOString(),
        raw: synced.raw,
        sync_hash: hashOf(synced),
      };
    });
    return upsertLive(this.#db, ACTIVITIES, values, syncedAt);
  }

  async upsertNotes(rows: readonly Synced<MappedNote>[], syncedAt: Date): Promise<UpsertCounts> {
    const values = rows.map((synced) => {
      const n = synced.value;
      return {
        id: n.activity.id,
        account_id: n.activity.accountId,
        parent_module: clip(n.parentModule, 50),
        parent_id: n.parentId,
        title: clip(n.title, 500),
        content: n.content,
        owner_id: n.activity.ownerId,
        created_at: n.activity.createdAt.toISOString(),
        modified_at: n.activity.modifiedAt.toISOString(),
        raw: synced.raw,
        sync_hash: hashOf(synced),
      };
    });
    return upsertLive(this.#db, NOTES, values, syncedAt);
  }

  /** `record_count` is replaced only by a full sync: an incremental one does not see every record. */
  async markModuleSynced(module: string, kind: SyncKind, at: Date, recordCount: number): Promise<void> {
    const column = kind === 'full' ? 'last_full_at' : 'last_incremental_at';
    const count = kind === 'full' ? 'EXCLUDED.record_count' : 'sync_state.record_count';
    await this.#db.query(
      `INSERT INTO sync_state (module, ${column}, record_count) VALUES ($1, $2, $3)
       ON CONFLICT (module) DO UPDATE SET ${column} = EXCLUDED.${column}, record_count = ${count}`,
      [module, at.toISOString(), recordCount],
    );
  }

  async readSyncCursor(module: CrmModule): Promise<SyncCursor> {
    const [row] = await this.#db.query<{
      cursor: string | null;
      deleted_cursor: string | null;
      deletions_checked_at: Date | string | null;
    }>('SELECT cursor, deleted_cursor, deletions_checked_at FROM sync_state WHERE module = $1', [module]);
    return {
      modifiedSince: row?.cursor ? new Date(row.cursor) : null,
      deletedSince: row?.deleted_cursor ? new Date(row.deleted_cursor) : null,
      deletionsCheckedAt: row?.deletions_checked_at ? new Date(row.deletions_checked_at) : null,
    };
  }

  async saveSyncCursor(module: CrmModule, cursor: Partial<SyncCursor>): Promise<void> {
    // GREATEST ignores NULLs, so a part not given keeps its value and an older one never wins.
    await this.#db.query(
      `INSERT INTO sync_state (module, cursor, deleted_cursor, deletions_checked_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (module) DO UPDATE SET
         cursor = GREATEST(sync_state.cursor, EXCLUDED.cursor),
         deleted_cursor = GREATEST(sync_state.deleted_cursor, EXCLUDED.deleted_cursor),
         deletions_checked_at = GREATEST(sync_state.deletions_checked_at, EXCLUDED.deletions_checked_at)`,
      [
        module,
        cursorText(cursor.modifiedSince),
        cursorText(cursor.deletedSince),
        cursor.deletionsCheckedAt?.toISOString() ?? null,
      ],
    );
  }

  async markDeleted(module: CrmModule, ids: readonly string[], at: Date): Promise<number> {
    if (ids.length === 0) return 0;
    const { table, type } = TABLE_OF[module];
    const changed = await this.#db.query(
      `UPDATE ${table} SET deleted_at = $2 WHERE id = ANY($1::text[]) AND deleted_at IS NULL
       ${type ? 'AND type = $3' : ''} RETURNING id`,
      type ? [[...ids], at.toISOString(), type] : [[...ids], at.toISOString()],
    );
    return changed.length;
  }

  async startSyncRun(kind: SyncKind, startedAt: Date): Promise<string> {
    const [row] = await this.#db.query<{ id: string }>(
      `INSERT INTO sync_runs (kind, status, started_at) VALUES ($1, 'running', $2) RETURNING id`,
      [kind, startedAt.toISOString()],
    );
    if (!row) throw new Error('sync_runs insert returned no id');
    return row.id;
  }

  async finishSyncRun(runId: string, outcome: SyncRunOutcome): Promise<void> {
    await this.#db.query(
      `UPDATE sync_runs SET status = $2, finished_at = $3, counts = $4::jsonb, api_calls = $5, error = $6 WHERE id = $1`,
      [
        runId,
        outcome.status,
        outcome.finishedAt.toISOString(),
        JSON.stringify(outcome.counts),
        outcome.apiCalls,
        outcome.error,
      ],
    );
  }

  // ---- read side -----------------------------------------------------------------------------------

  async loadSnapshot(accountId: string): Promise<Omit<AccountSnapshot, 'baseline'> | null> {
    return (await this.loadSnapshots([accountId])).get(accountId) ?? null;
  }

  /** Six queries whatever the number of accounts (one account's snapshot is the same six). */
  async loadSnapshots(accountIds: readonly string[]): Promise<Map<string, Omit<AccountSnapshot, 'baseline'>>> {
    const ids = [...new Set(accountIds)];
    const snapshots = new Map<string, Omit<AccountSnapshot, 'baseline'>>();
    if (ids.length === 0) return snapshots;
    const accountRows = await this.#db.query<Row>(
      `SELECT ${SNAPSHOT_COLUMNS.accounts} FROM accounts WHERE id = ANY($1::text[]) AND deleted_at IS NULL`,
      [ids],
    );
    if (accountRows.length === 0) return snapshots;
    const accounts = accountRows.map(accountOf);
    const found = accounts.map((a) => a.id);
    const ownerIds = [...new Set(accounts.map((a) => a.ownerId))];
    const [owners, contacts, deals, activities, notes] = await Promise.all([
      this.#db.query<Row>(`SELECT ${SNAPSHOT_COLUMNS.owners} FROM owners WHERE id = ANY($1::text[])`, [ownerIds]),
      this.#db.query<Row>(
        `SELECT ${SNAPSHOT_COLUMNS.contacts} FROM contacts WHERE account_id = ANY($1::text[]) AND deleted_at IS NULL
         ORDER BY full_name, id`,
        [found],
      ),
      this.#db.query<Row>(
        `SELECT ${SNAPSHOT_COLUMNS.deals}, (SELECT max(h.entered_at) FROM deal_stage_history h
                      WHERE h.deal_id = d.id AND h.stage = d.stage) AS stage_entered_at
         FROM deals d WHERE d.account_id = ANY($1::text[]) AND d.deleted_at IS NULL ORDER BY d.created_at, d.id`,
        [found],
      ),
      this.#db.query<Row>(
        `SELECT ${SNAPSHOT_COLUMNS.activities}, a.raw -> 'Owner' ->> 'id' AS owner_id FROM activities a
         WHERE a.account_id = ANY($1::text[]) AND a.deleted_at IS NULL`,
        [found],
      ),
      this.#db.query<Row>(
        `SELECT ${SNAPSHOT_COLUMNS.notes} FROM notes WHERE account_id = ANY($1::text[]) AND deleted_at IS NULL`,
        [found],
      ),
    ]);
    const ownerById = new Map(owners.map((row) => [String(row.id), ownerOf(row)]));
    // Grouping keeps each query's order, so every account's lists are ordered as a query of its own would be.
    const byAccount = <T>(rows: Row[], of: (row: Row) => T) => {
      const groups = new Map<string, T[]>();
      for (const row of rows) {
        const key = String(row.account_id);
        const group = groups.get(key);
        if (group) group.push(of(row));
        else groups.set(key, [of(row)]);
      }
      return groups;
    };
    const contactsOf = byAccount(contacts, contactOf);
    const dealsOf = byAccount(deals, dealOf);
    const activitiesOf = byAccount(activities, activityOf);
    const notesOf = byAccount(notes, noteOf);
    for (const account of accounts) {
      snapshots.set(account.id, {
        account,
        owner: ownerById.get(account.ownerId) ?? null,
        contacts: contactsOf.get(account.id) ?? [],
        deals: dealsOf.get(account.id) ?? [],
        activities: [...(activitiesOf.get(account.id) ?? []), ...(notesOf.get(account.id) ?? [])].sort(
          (a, b) => b.occurredAt.getTime() - a.occurredAt.getTime() || a.id.localeCompare(b.id),
        ),
      });
    }
    return snapshots;
  }

  async getOwner(ownerId: string): Promise<Owner | null> {
    const [row] = await this.#db.query<Row>('SELECT * FROM owners WHERE id = $1', [ownerId]);
    return row ? ownerOf(row) : null;
  }

  async listAccounts(filter: { ownerId?: string } = {}): Promise<Account[]> {
    const rows = filter.ownerId
      ? await this.#db.query<Row>(
          'SELECT * FROM accounts WHERE owner_id = $1 AND deleted_at IS NULL ORDER BY name, id',
          [filter.ownerId],
        )
      : await this.#db.query<Row>('SELECT * FROM accounts WHERE deleted_at IS NULL ORDER BY name, id');
    return rows.map(accountOf);
  }

  async accountsOf(ids: { dealIds: readonly string[]; contactIds: readonly string[] }) {
    const [deals, contacts] = await Promise.all([
      this.#db.query<{ id: string; account_id: string | null }>(
        'SELECT id, account_id FROM deals WHERE id = ANY($1::text[])',
        [ids.dealIds],
      ),
      this.#db.query<{ id: string; account_id: string | null }>(
        'SELECT id, account_id FROM contacts WHERE id = ANY($1::text[])',
        [ids.contactIds],
      ),
    ]);
    return {
      deals: new Map(deals.map((d) => [d.id, d.account_id])),
      contacts: new Map(contacts.map((c) => [c.id, c.account_id])),
    };
  }

  async countAll(): Promise<Record<CrmCopyTable, number>> {
    const tables: CrmCopyTable[] = [
      'owners',
      'accounts',
      'contacts',
      'deals',
      'deal_stage_history',
      'activities',
      'notes',
    ];
    // Owners and stage history are never deleted by the sync; the record tables count live rows only.
    const live = (t: CrmCopyTable) => (t === 'owners' || t === 'deal_stage_history' ? '' : ' WHERE deleted_at IS NULL');
    const [row] = await this.#db.query<Record<CrmCopyTable, number>>(
      `SELECT ${tables.map((t) => `(SELECT count(*)::int FROM ${t}${live(t)}) AS ${t}`).join(', ')}`,
    );
    if (!row) throw new Error('count query returned no row');
    return row;
  }
}

// ---- rows → domain -----------------------------------------------------------------------------------

function str(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

function num(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/** timestamptz comes back as a Date from both drivers; strings are accepted for safety. */
function instant(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(String(value));
}

function requiredInstant(value: unknown, column: string): Date {
  const date = instant(value);
  if (!date) throw new Error(`CRM copy row has no ${column}`);
  return date;
}

/** Both Db adapters return `date` columns as 'yyyy-MM-dd'; the domain wants UTC midnight. */
function day(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  return new Date(`${String(value).slice(0, 10)}T00:00:00Z`);
}

function ownerOf(row: Row): Owner {
  return {
    id: String(row.id),
    name: String(row.name),
    email: str(row.email) ?? '',
    role: str(row.role),
    managerId: str(row.manager_id),
    timeZone: str(row.time_zone) ?? 'UTC',
  };
}

function accountOf(row: Row): Account {
  return {
    id: String(row.id),
    name: String(row.name),
    ownerId: str(row.owner_id) ?? '',
    ownerName: str(row.owner_name) ?? '',
    status: str(row.status),
    accountType: str(row.account_type),
    industry: str(row.industry),
    annualRevenue: num(row.annual_revenue),
    employees: num(row.employees),
    renewalDate: day(row.renewal_date),
    createdAt: requiredInstant(row.created_at, 'accounts.created_at'),
    modifiedAt: requiredInstant(row.updated_at, 'accounts.updated_at'),
  };
}

function contactOf(row: Row): Contact {
  return {
    id: String(row.id),
    accountId: str(row.account_id),
    fullName: String(row.full_name),
    email: str(row.email),
    phone: str(row.phone),
    title: str(row.title),
    modifiedAt: requiredInstant(row.modified_at, 'contacts.modified_at'),
  };
}

function dealOf(row: Row): Deal {
  return {
    id: String(row.id),
    accountId: str(row.account_id),
    name: String(row.name),
    stage: String(row.stage),
    amount: num(row.amount),
    closingDate: day(row.closing_date),
    ownerId: str(row.owner_id),
    stageEnteredAt: instant(row.stage_entered_at),
    createdAt: requiredInstant(row.created_at, 'deals.created_at'),
    modifiedAt: requiredInstant(row.modified_at, 'deals.modified_at'),
  };
}

function activityOf(row: Row): Activity {
  const kind = String(row.type) as keyof typeof ACTIVITY_MODULE;
  return {
    id: String(row.id),
    kind,
    module: ACTIVITY_MODULE[kind],
    accountId: str(row.account_id),
    subject: String(row.subject),
    description: str(row.description),
    occurredAt: requiredInstant(row.occurred_at, 'activities.occurred_at'),
    dueDate: day(row.due_date),
    status: str(row.status),
    isOpen: row.is_open === true,
    ownerId: str(row.owner_id),
    createdAt: requiredInstant(row.created_at, 'activities.created_at'),
    modifiedAt: requiredInstant(row.modified_at, 'activities.modified_at'),
  };
}

function noteOf(row: Row): Activity {
  const content = String(row.content);
  const createdAt = requiredInstant(row.created_at, 'notes.created_at');
  return {
    id: String(row.id),
    kind: 'note',
    module: 'Notes',
    accountId: str(row.account_id),
    subject: noteSubject(str(row.title), content),
    description: content,
    occurredAt: createdAt,
    dueDate: null,
    status: null,
    isOpen: false,
    ownerId: str(row.owner_id),
    createdAt,
    modifiedAt: instant(row.modified_at) ?? createdAt,
  };
}
