import type { CrmWrite, CrmWriteLog } from '../../ports/crm-writes.ts';
import type { Db } from '../../ports/db.ts';

interface CrmWriteRow {
  idempotency_key: string;
  recommendation_id: string;
  approval_id: string | null;
  module: string;
  payload_hash: string;
  status: 'started' | 'succeeded';
  crm_id: string | null;
}

export class SqlCrmWriteLog implements CrmWriteLog {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async begin(write: Omit<CrmWrite, 'status' | 'crmId'>, now: Date): Promise<{ entry: CrmWrite; isNew: boolean }> {
    const inserted = await this.#db.query<CrmWriteRow>(
      `INSERT INTO crm_writes (idempotency_key, recommendation_id, approval_id, module, payload_hash, status, started_at)
       VALUES ($1, $2, $3, $4, $5, 'started', $6) ON CONFLICT (idempotency_key) DO NOTHING RETURNING *`,
      [write.idempotencyKey, write.recommendationId, write.approvalId, write.module, write.payloadHash, now],
    );
    const isNew = inserted.length === 1;
    const row =
      inserted[0] ??
      (
        await this.#db.query<CrmWriteRow>('SELECT * FROM crm_writes WHERE idempotency_key = $1', [write.idempotencyKey])
      )[0]!;
    return {
      isNew,
      entry: {
        idempotencyKey: row.idempotency_key,
        recommendationId: row.recommendation_id,
        approvalId: row.approval_id,
        module: row.module,
        payloadHash: row.payload_hash,
        status: row.status,
        crmId: row.crm_id,
      },
    };
  }

  async complete(idempotencyKey: string, crmId: string, now: Date): Promise<void> {
    await this.#db.query(
      `UPDATE crm_writes SET status = 'succeeded', crm_id = $2, completed_at = $3 WHERE idempotency_key = $1`,
      [idempotencyKey, crmId, now],
    );
  }
}
