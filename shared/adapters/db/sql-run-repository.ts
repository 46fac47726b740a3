import type { Db } from '../../ports/db.ts';
import type { Run, RunAnalysis, RunRepository, RunStatus, StateTiming } from '../../ports/runs.ts';

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
  error_cause: string | null;
  state_timings: { state: RunStatus; started_at: string; ended_at: string | null }[] | null;
  analysis: RunAnalysis | null;
}

const toTiming = (t: NonNullable<RunRow['state_timings']>[number]): StateTiming => ({
  state: t.state,
  startedAt: new Date(t.started_at),
  endedAt: t.ended_at ? new Date(t.ended_at) : null,
});

/** `state_timings` with its open (last) entry closed now; the array as it is when empty. */
const CLOSE_LAST_TIMING = `CASE WHEN jsonb_array_length(state_timings) = 0 THEN state_timings
  ELSE jsonb_set(state_timings, ARRAY[(jsonb_array_length(state_timings) - 1)::text, 'ended_at'], to_jsonb(now())) END`;
const timingOf = (status: string, ended: boolean) =>
  `jsonb_build_array(jsonb_build_object('state', ${status}, 'started_at', now(), 'ended_at', ${ended ? 'now()' : 'NULL'}))`;

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
  errorCause: row.error_cause ?? null,
  timings: (row.state_timings ?? []).map(toTiming),
  analysis: row.analysis ?? {},
});

export class SqlRunRepository implements RunRepository {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async create(run: { id: string; accountId: string; asOf: Date; requestedBy: string | null }): Promise<void> {
    await this.#db.query(
      `INSERT INTO agent_sessions (id, account_id, status, as_of, requested_by, analysis, state_timings)
       VALUES ($1, $2, 'QUEUED', $3, $4, '{}', ${timingOf("'QUEUED'", false)}) ON CONFLICT (id) DO NOTHING`,
      [run.id, run.accountId, run.asOf, run.requestedBy],
    );
  }

  async get(id: string): Promise<Run | null> {
    const rows = await this.#db.query<RunRow>('SELECT * FROM agent_sessions WHERE id = $1', [id]);
    return rows[0] ? toRun(rows[0]) : null;
  }

  async setStatus(id: string, status: RunStatus, fields: { executionId?: string } = {}): Promise<void> {
    await this.#db.query(
      // A status set again (each approval of a run sets AWAITING_APPROVAL) keeps its first start.
      `UPDATE agent_sessions SET status = $2::varchar, orchestrator_id = COALESCE($3, orchestrator_id),
         state_timings = CASE WHEN status = $2::varchar THEN state_timings
           ELSE (${CLOSE_LAST_TIMING}) || ${timingOf('$2::varchar', false)} END
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

  async finish(id: string, status: 'COMPLETED' | 'FAILED', error?: string, cause?: string): Promise<void> {
    await this.#db.query(
      `UPDATE agent_sessions SET status = $2::varchar, error_message = $3, error_cause = $4, end_time = now(),
         state_timings = (${CLOSE_LAST_TIMING}) || ${timingOf('$2::varchar', true)}
       WHERE id = $1 AND status NOT IN ('COMPLETED', 'FAILED')`,
      [id, status, error ?? null, cause ?? null],
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

  async healthTrends(accountIds: readonly string[], perAccount: number): Promise<Map<string, number[]>> {
    if (accountIds.length === 0) return new Map();
    const rows = await this.#db.query<{ account_id: string; scores: number[] }>(
      `SELECT account_id, array_agg(score ORDER BY start_time, id) AS scores FROM (
         SELECT account_id, id, start_time, (analysis->'health'->>'score')::float8 AS score,
                row_number() OVER (PARTITION BY account_id ORDER BY start_time DESC, id DESC) AS n
         FROM agent_sessions
         WHERE account_id = ANY($1::text[]) AND analysis->'health'->>'score' IS NOT NULL
       ) scored WHERE n <= $2 GROUP BY account_id`,
      [[...accountIds], perAccount],
    );
    return new Map(rows.map((row) => [row.account_id, row.scores.map(Number)]));
  }
}
