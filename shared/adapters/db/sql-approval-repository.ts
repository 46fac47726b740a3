import { EXPIRY_GRACE_MS } from '../../domain/approval-policy.ts';
import { ApprovalAlreadyDecidedError, ApprovalExpiredError, NotFoundError } from '../../errors.ts';
import type {
  Approval,
  ApprovalBacklog,
  ApprovalChannel,
  ApprovalRepository,
  ApprovalStatus,
  ClaimDecision,
  CrmWritePayload,
} from '../../ports/approvals.ts';
import type { Db } from '../../ports/db.ts';

interface ApprovalRow {
  id: string;
  recommendation_id: string;
  run_id: string;
  task_token: string;
  status: ApprovalStatus;
  payload: CrmWritePayload;
  payload_hash: string;
  decided_by: string | null;
  decided_at: Date | null;
  channel: ApprovalChannel | null;
  reason: string | null;
  created_at: Date;
  expires_at: Date;
  escalated_at: Date | null;
  escalated_to: string | null;
  deferred_until?: Date | null;
}

const toApproval = (row: ApprovalRow): Approval => ({
  id: row.id,
  recommendationId: row.recommendation_id,
  runId: row.run_id,
  status: row.status,
  payload: row.payload,
  payloadHash: row.payload_hash,
  decidedBy: row.decided_by,
  decidedAt: row.decided_at,
  channel: row.channel,
  reason: row.reason,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  escalatedAt: row.escalated_at ?? null,
  escalatedTo: row.escalated_to ?? null,
  deferredUntil: row.deferred_until ?? null,
});

export class SqlApprovalRepository implements ApprovalRepository {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /**
   * A retried AwaitingApproval gets a new task token from Step Functions: the pending approval keeps its
   * id (links already sent stay valid) and takes the new token.
   */
  async create(approval: Parameters<ApprovalRepository['create']>[0]): Promise<Approval> {
    await this.#db.query(
      `INSERT INTO approvals (id, recommendation_id, run_id, task_token, payload, payload_hash, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (recommendation_id) DO UPDATE SET task_token = EXCLUDED.task_token
       WHERE approvals.status = 'pending'`,
      [
        approval.id,
        approval.recommendationId,
        approval.runId,
        approval.taskToken,
        JSON.stringify(approval.payload),
        approval.payloadHash,
        approval.expiresAt,
      ],
    );
    return (await this.getByRecommendation(approval.recommendationId))!;
  }

  async get(id: string): Promise<Approval | null> {
    const rows = await this.#db.query<ApprovalRow>('SELECT * FROM approvals WHERE id = $1', [id]);
    return rows[0] ? toApproval(rows[0]) : null;
  }

  async getByRecommendation(recommendationId: string): Promise<Approval | null> {
    const rows = await this.#db.query<ApprovalRow>('SELECT * FROM approvals WHERE recommendation_id = $1', [
      recommendationId,
    ]);
    return rows[0] ? toApproval(rows[0]) : null;
  }

  async claim(id: string, decision: ClaimDecision, now: Date): Promise<{ approval: Approval; taskToken: string }> {
    const rows = await this.#db.query<ApprovalRow>(
      `UPDATE approvals SET status = $2, decided_by = $3, decided_at = $4, channel = $5, reason = $6,
         payload = COALESCE($7::jsonb, payload), payload_hash = COALESCE($8, payload_hash)
       WHERE id = $1 AND status = 'pending' AND expires_at > $4 RETURNING *`,
      [
        id,
        decision.status,
        decision.by,
        now,
        decision.channel,
        decision.reason ?? null,
        decision.edited ? JSON.stringify(decision.edited.payload) : null,
        decision.edited?.payloadHash ?? null,
      ],
    );
    const won = rows[0];
    if (won) return { approval: toApproval(won), taskToken: won.task_token };
    return this.#whyNotPending(id);
  }

  /** Why a conditional update of a pending approval touched nothing: 404, 410 or 409. */
  async #whyNotPending(id: string): Promise<never> {
    const existing = await this.get(id);
    if (!existing) throw new NotFoundError('Approval', id);
    if (existing.status === 'pending' || existing.status === 'expired') throw new ApprovalExpiredError(id);
    throw new ApprovalAlreadyDecidedError(id, existing.status);
  }

  async defer(id: string, days: number, now: Date): Promise<Approval> {
    const rows = await this.#db.query<ApprovalRow>(
      `UPDATE approvals SET expires_at = expires_at + make_interval(days => $2::int),
         deferred_until = $3::timestamptz + make_interval(days => $2::int)
       WHERE id = $1 AND status = 'pending' AND expires_at > $3 RETURNING *`,
      [id, days, now],
    );
    const row = rows[0];
    if (row) return toApproval(row);
    return this.#whyNotPending(id);
  }

  async escalate(
    recommendationId: string,
    escalation: { taskToken: string; escalatedTo: string | null; at: Date; expiresAt: Date },
  ): Promise<{ approval: Approval; escalated: boolean } | null> {
    // Postgres evaluates every SET expression against the row as it was, so the first escalation wins.
    const rows = await this.#db.query<ApprovalRow & { escalated_now: boolean }>(
      // While a person's deferral runs the approval only takes the token: no escalation, same expiry.
      `UPDATE approvals SET task_token = $2,
         escalated_at = CASE WHEN deferred_until > $4 THEN escalated_at ELSE COALESCE(escalated_at, $4) END,
         escalated_to = CASE WHEN escalated_at IS NULL AND NOT COALESCE(deferred_until > $4, false) THEN $3
           ELSE escalated_to END,
         expires_at = CASE WHEN deferred_until > $4 THEN expires_at ELSE GREATEST(expires_at, $5) END
       WHERE recommendation_id = $1 AND status = 'pending'
       RETURNING *, COALESCE(escalated_at = $4, false) AS escalated_now`,
      [recommendationId, escalation.taskToken, escalation.escalatedTo, escalation.at, escalation.expiresAt],
    );
    const row = rows[0];
    if (row) return { approval: toApproval(row), escalated: row.escalated_now };
    const existing = await this.getByRecommendation(recommendationId);
    return existing ? { approval: existing, escalated: false } : null;
  }

  async expire(recommendationId: string, at: Date): Promise<Approval | null> {
    const rows = await this.#db.query<ApprovalRow>(
      // The same rule as isHeldByDeferral, in the update itself so a deferral made meanwhile wins.
      `UPDATE approvals SET status = 'expired', decided_at = $2, reason = 'no decision in time'
       WHERE recommendation_id = $1 AND status = 'pending'
         AND NOT (deferred_until IS NOT NULL
           AND (deferred_until > $2 OR expires_at > $2::timestamptz + make_interval(secs => $3)))
       RETURNING *`,
      [recommendationId, at, EXPIRY_GRACE_MS / 1000],
    );
    return rows[0] ? toApproval(rows[0]) : null;
  }

  async listPending(filter: { runId?: string } = {}): Promise<Approval[]> {
    const rows = await this.#db.query<ApprovalRow>(
      `SELECT * FROM approvals WHERE status = 'pending' AND ($1::uuid IS NULL OR run_id = $1::uuid)
       ORDER BY created_at, id`,
      [filter.runId ?? null],
    );
    return rows.map(toApproval);
  }

  async backlog(now: Date): Promise<ApprovalBacklog> {
    // GREATEST skips NULLs: an approval never deferred has waited since it was created.
    const [row] = await this.#db.query<{ waiting: number; oldest: Date | null }>(
      `SELECT COUNT(*)::int AS waiting, MIN(GREATEST(created_at, deferred_until)) AS oldest
       FROM approvals
       WHERE status = 'pending' AND (deferred_until IS NULL OR deferred_until <= $1::timestamptz)`,
      [now],
    );
    return { waiting: Number(row?.waiting ?? 0), oldestWaitingSince: row?.oldest ? new Date(row.oldest) : null };
  }
}
