import type { Db } from '../../ports/db.ts';
import type { DueReminder, NotificationLedger } from '../../ports/notifier.ts';

/** Reminders are claimed on the approval itself (`reminded_at`); briefs in `owner_brief_deliveries`. */
export class SqlNotificationLedger implements NotificationLedger {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async dueReminders(requestedBefore: Date, now: Date): Promise<DueReminder[]> {
    const rows = await this.#db.query<{
      id: string;
      recommendation_id: string;
      run_id: string;
      created_at: Date;
      expires_at: Date;
    }>(
      `SELECT id, recommendation_id, run_id, created_at, expires_at FROM approvals
       WHERE status = 'pending' AND reminded_at IS NULL AND escalated_at IS NULL AND created_at <= $1 AND expires_at > $2
         AND (deferred_until IS NULL OR deferred_until <= $2)
       ORDER BY created_at, id`,
      [requestedBefore, now],
    );
    return rows.map((row) => ({
      approvalId: row.id,
      recommendationId: row.recommendation_id,
      runId: row.run_id,
      requestedAt: row.created_at,
      expiresAt: row.expires_at,
    }));
  }

  async claimReminder(approvalId: string, at: Date): Promise<boolean> {
    const rows = await this.#db.query(
      `UPDATE approvals SET reminded_at = $2 WHERE id = $1 AND status = 'pending' AND reminded_at IS NULL RETURNING id`,
      [approvalId, at],
    );
    return rows.length === 1;
  }

  async releaseReminder(approvalId: string): Promise<void> {
    await this.#db.query('UPDATE approvals SET reminded_at = NULL WHERE id = $1', [approvalId]);
  }

  async claimOwnerBrief(ownerId: string, date: string, at: Date): Promise<boolean> {
    const rows = await this.#db.query(
      `INSERT INTO owner_brief_deliveries (owner_id, brief_date, sent_at) VALUES ($1, $2, $3)
       ON CONFLICT (owner_id, brief_date) DO NOTHING RETURNING owner_id`,
      [ownerId, date, at],
    );
    return rows.length === 1;
  }

  async releaseOwnerBrief(ownerId: string, date: string): Promise<void> {
    await this.#db.query('DELETE FROM owner_brief_deliveries WHERE owner_id = $1 AND brief_date = $2', [ownerId, date]);
  }
}
