import type { Db } from '../../ports/db.ts';
import type { ApprovalListItem, Keyset, Listings, RecommendationListItem, RunListItem } from '../../ports/listings.ts';

/**
 * Keyset pagination: each page continues strictly after the previous page's last (timestamp, id). The
 * timestamp travels as Postgres's own text (microseconds kept; a JS Date would round them away and skip or
 * repeat rows), and ids compare as text in the C collation so ORDER BY and the cursor agree.
 */
const keysetOf = (row: { cursor_at: string; id: string }): Keyset => ({ at: row.cursor_at, id: row.id });

/** Builds `WHERE` clauses with positional parameters. */
class Where {
  readonly params: unknown[] = [];
  readonly clauses: string[] = [];

  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  add(clause: string): void {
    this.clauses.push(clause);
  }

  toString(): string {
    return this.clauses.length > 0 ? `WHERE ${this.clauses.join(' AND ')}` : '';
  }
}

function ownerAndAccount(where: Where, query: { ownerIds: readonly string[] | null; accountId?: string }): void {
  if (query.ownerIds) where.add(`a.owner_id = ANY(${where.param(query.ownerIds)}::text[])`);
  if (query.accountId) where.add(`x.account_id = ${where.param(query.accountId)}`);
}

function after(where: Where, sortColumn: string, keyset: Keyset | null, direction: '<' | '>'): void {
  if (!keyset) return;
  where.add(
    `(${sortColumn}, x.id::text COLLATE "C") ${direction} (${where.param(keyset.at)}::timestamptz, ${where.param(keyset.id)} COLLATE "C")`,
  );
}

interface RecommendationRow {
  id: string;
  account_id: string;
  account_name: string | null;
  owner_id: string | null;
  run_id: string;
  type: string;
  priority: string;
  confidence: number;
  action: string;
  status: string;
  created_at: Date;
  expires_at: Date;
  approval_id: string | null;
  approval_status: string | null;
  cursor_at: string;
}

interface ApprovalRow {
  id: string;
  recommendation_id: string;
  run_id: string;
  effective_status: ApprovalListItem['status'];
  created_at: Date;
  expires_at: Date;
  decided_by: string | null;
  decided_at: Date | null;
  type: string;
  priority: string;
  action: string;
  confidence: number;
  account_id: string;
  account_name: string | null;
  owner_id: string | null;
  owner_name: string | null;
  cursor_at: string;
}

interface RunRow {
  id: string;
  account_id: string;
  account_name: string | null;
  status: string;
  as_of: Date;
  requested_by: string | null;
  start_time: Date;
  end_time: Date | null;
  error_message: string | null;
  risk_level: string | null;
  cursor_at: string;
}

export class SqlListings implements Listings {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async ownerLinks(): Promise<{ id: string; managerId: string | null }[]> {
    const rows = await this.#db.query<{ id: string; manager_id: string | null }>('SELECT id, manager_id FROM owners');
    return rows.map((row) => ({ id: row.id, managerId: row.manager_id }));
  }

  async ownerOfAccount(accountId: string): Promise<string | null | undefined> {
    const [row] = await this.#db.query<{ owner_id: string | null }>(
      'SELECT owner_id FROM accounts WHERE id = $1 AND deleted_at IS NULL',
      [accountId],
    );
    return row ? row.owner_id : undefined;
  }

  async recommendations(query: Parameters<Listings['recommendations']>[0]): Promise<RecommendationListItem[]> {
    const where = new Where();
    ownerAndAccount(where, query);
    if (query.status) where.add(`x.status = ${where.param(query.status)}`);
    if (query.type) where.add(`x.type = ${where.param(query.type)}`);
    after(where, 'x.created_at', query.after, '<');
    const rows = await this.#db.query<RecommendationRow>(
      `SELECT x.id::text AS id, x.account_id, a.name AS account_name, a.owner_id, x.run_id::text AS run_id, x.type,
              x.priority, x.confidence, x.action, x.status, x.created_at, x.expires_at,
              ap.id AS approval_id, ap.status AS approval_status, x.created_at::text AS cursor_at
         FROM recommendations x
         LEFT JOIN accounts a ON a.id = x.account_id
         LEFT JOIN approvals ap ON ap.recommendation_id = x.id
         ${where}
        ORDER BY x.created_at DESC, x.id::text COLLATE "C" DESC
        LIMIT ${where.param(query.limit)}`,
      where.params,
    );
    return rows.map((row) => ({
      id: row.id,
      accountId: row.account_id,
      accountName: row.account_name,
      ownerId: row.owner_id,
      runId: row.run_id,
      type: row.type,
      priority: row.priority,
      confidence: Number(row.confidence),
      action: row.action,
      status: row.status,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      approvalId: row.approval_id,
      approvalStatus: row.approval_status,
      keyset: keysetOf(row),
    }));
  }

  async approvals(query: Parameters<Listings['approvals']>[0]): Promise<ApprovalListItem[]> {
    const where = new Where();
    const effective = `CASE WHEN x.status = 'pending' AND x.expires_at <= ${where.param(query.now)}::timestamptz THEN 'expired' ELSE x.status END`;
    ownerAndAccount(where, { ownerIds: query.ownerIds, ...(query.accountId ? { accountId: query.accountId } : {}) });
    if (query.status) where.add(`${effective} = ${where.param(query.status)}`);
    after(where, 'x.created_at', query.after, '>');
    // `x.account_id` is the recommendation's: approvals reach their account through it.
    const rows = await this.#db.query<ApprovalRow>(
      `SELECT x.id, x.recommendation_id::text AS recommendation_id, x.run_id::text AS run_id,
              ${effective} AS effective_status, x.created_at, x.expires_at, x.decided_by, x.decided_at,
              x.type, x.priority, x.action, x.confidence, x.account_id, a.name AS account_name, a.owner_id,
              COALESCE(o.name, a.owner_name) AS owner_name, x.created_at::text AS cursor_at
         FROM (SELECT ap.*, r.type, r.priority, r.action, r.confidence, r.account_id
                 FROM approvals ap JOIN recommendations r ON r.id = ap.recommendation_id) x
         LEFT JOIN accounts a ON a.id = x.account_id
         LEFT JOIN owners o ON o.id = a.owner_id
         ${where}
        ORDER BY x.created_at, x.id::text COLLATE "C"
        LIMIT ${where.param(query.limit)}`,
      where.params,
    );
    return rows.map((row) => ({
      id: row.id,
      recommendationId: row.recommendation_id,
      runId: row.run_id,
      status: row.effective_status,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      decidedBy: row.decided_by,
      decidedAt: row.decided_at,
      recommendation: {
        type: row.type,
        priority: row.priority,
        action: row.action,
        confidence: Number(row.confidence),
      },
      accountId: row.account_id,
      accountName: row.account_name,
      ownerId: row.owner_id,
      ownerName: row.owner_name,
      keyset: keysetOf(row),
    }));
  }

  async runs(query: Parameters<Listings['runs']>[0]): Promise<RunListItem[]> {
    const where = new Where();
    ownerAndAccount(where, query);
    if (query.status) where.add(`x.status = ${where.param(query.status)}`);
    after(where, 'x.start_time', query.after, '<');
    const rows = await this.#db.query<RunRow>(
      `SELECT x.id::text AS id, x.account_id, a.name AS account_name, x.status, x.as_of, x.requested_by,
              x.start_time, x.end_time, x.error_message, x.analysis->>'riskLevel' AS risk_level,
              x.start_time::text AS cursor_at
         FROM agent_sessions x
         LEFT JOIN accounts a ON a.id = x.account_id
         ${where}
        ORDER BY x.start_time DESC, x.id::text COLLATE "C" DESC
        LIMIT ${where.param(query.limit)}`,
      where.params,
    );
    return rows.map((row) => ({
      id: row.id,
      accountId: row.account_id,
      accountName: row.account_name,
      status: row.status,
      asOf: row.as_of,
      requestedBy: row.requested_by,
      startedAt: row.start_time,
      endedAt: row.end_time,
      error: row.error_message,
      riskLevel: row.risk_level,
      keyset: keysetOf(row),
    }));
  }
}
