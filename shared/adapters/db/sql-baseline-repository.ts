import type { AccountBaseline } from '../../domain/crm.ts';
import type { BaselineRepository } from '../../ports/baselines.ts';
import type { Db } from '../../ports/db.ts';

export class SqlBaselineRepository implements BaselineRepository {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async get(accountId: string): Promise<AccountBaseline | null> {
    const rows = await this.#db.query<{
      account_id: string;
      fields: AccountBaseline['fields'];
      reviewed_at: Date;
      run_id: string | null;
    }>('SELECT * FROM account_baselines WHERE account_id = $1', [accountId]);
    const row = rows[0];
    return row
      ? { accountId: row.account_id, fields: row.fields, reviewedAt: row.reviewed_at, runId: row.run_id }
      : null;
  }

  async save(baseline: AccountBaseline): Promise<void> {
    await this.#db.query(
      `INSERT INTO account_baselines (account_id, fields, reviewed_at, run_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (account_id) DO UPDATE SET fields = EXCLUDED.fields, reviewed_at = EXCLUDED.reviewed_at, run_id = EXCLUDED.run_id
       WHERE account_baselines.reviewed_at <= EXCLUDED.reviewed_at`,
      [baseline.accountId, JSON.stringify(baseline.fields), baseline.reviewedAt, baseline.runId],
    );
  }
}
