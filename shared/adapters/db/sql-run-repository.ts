import type { Db } from '../../ports/db.ts';
import type { Run, RunAnalysis, RunRepository, RunStatus } from '../../ports/runs.ts';

interface RunRow {
  id: string;
  account_id: string;
  status: RunStatus;
  as_of: Date;
  requested_by: string | null;
  orchestrator_id: string | null;
  start_time: Date;
  end_time: Date | null;
  error_message: string | null;
  analysis: RunAnalysis | null;
}

const toRun = (row: RunRow): Run => ({
  id: row.id,
  accountId: row.account_id,
  status: row.status,
  asOf: row.as_of,
  requestedBy: row.requested_by,
  executionId: row.orchestrator_id,
  startedAt: row.start_time,
  endedAt: row.end_time,
  error: row.error_message,
  analysis: row.analysis ?? {},
});

export class SqlRunRepository implements RunRepository {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async create(run: { id: string; accountId: string; asOf: Date; requestedBy: string | null }): Promise<void> {
    await this.#db.query(
      `INSERT INTO agent_sessions (id, account_id, status, as_of, requested_by, analysis)
       VALUES ($1, $2, 'QUEUED', $3, $4, '{}') ON CONFLICT (id) DO NOTHING`,
      [run.id, run.accountId, run.asOf, run.requestedBy],
    );
  }

  async get(id: string): Promise<Run | null> {
    const rows = await this.#db.query<RunRow>('SELECT * FROM agent_sessions WHERE id = $1', [id]);
    return rows[0] ? toRun(rows[0]) : null;
  }

  async setStatus(id: string, status: RunStatus, fields: { executionId?: string } = {}): Promise<void> {
    await this.#db.query(
      `UPDATE agent_sessions SET status = $2, orchestrator_id = COALESCE($3, orchestrator_id)
       WHERE id = $1 AND status NOT IN ('COMPLETED', 'FAILED')`,
      [id, status, fields.executionId ?? null],
    );
  }

  async saveAnalysis(id: string, analysis: RunAnalysis): Promise<void> {
    await this.#db.query(
      `UPDATE agent_sessions SET analysis = COALESCE(analysis, '{}'::jsonb) || $2::jsonb WHERE id = $1`,
      [id, JSON.stringify(analysis)],
    );
  }

  async finish(id: string, status: 'COMPLETED' | 'FAILED', error?: string): Promise<void> {
    await this.#db.query(
      `UPDATE agent_sessions SET status = $2, error_message = $3, end_time = now()
       WHERE id = $1 AND status NOT IN ('COMPLETED', 'FAILED')`,
      [id, status, error ?? null],
    );
  }

  async latestForAccount(accountId: string): Promise<Run | null> {
    const rows = await this.#db.query<RunRow>(
      'SELECT * FROM agent_sessions WHERE account_id = $1 ORDER BY start_time DESC, id LIMIT 1',
      [accountId],
    );
    return rows[0] ? toRun(rows[0]) : null;
  }

  async latestPerAccount(): Promise<Run[]> {
    const rows = await this.#db.query<RunRow>(
      `SELECT DISTINCT ON (account_id) * FROM agent_sessions ORDER BY account_id, start_time DESC, id`,
    );
    return rows.map(toRun);
  }
}
