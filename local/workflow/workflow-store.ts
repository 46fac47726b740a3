import type { Db } from '../../shared/ports/db.ts';
import type { ExecutionDescription, ExecutionStatus, ExecutionStep } from '../../shared/ports/workflow-engine.ts';

interface ExecutionRow {
  id: string;
  state_machine: string;
  input: unknown;
  status: ExecutionStatus;
  output: unknown;
  error: string | null;
  cause: string | null;
  started_at: Date;
  stopped_at: Date | null;
}

export interface TaskTokenRow {
  token: string;
  execution_id: string;
  state_name: string;
  input_hash: string;
  status: 'WAITING' | 'SUCCEEDED' | 'FAILED';
  output: unknown;
  error: string | null;
  cause: string | null;
  created_at: Date;
  resolved_at: Date | null;
  /** When the wait times out (its state's TimeoutSeconds after it began); null: it never does. */
  timeout_at: Date | null;
}

const toDescription = (row: ExecutionRow): ExecutionDescription => ({
  executionId: row.id,
  stateMachine: row.state_machine,
  status: row.status,
  input: row.input,
  output: row.output,
  error: row.error,
  cause: row.cause,
  startedAt: row.started_at,
  stoppedAt: row.stopped_at,
});

/** The local runner's durable state: executions with leases, the task journal, task tokens, history. */
export class WorkflowStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Creates the execution and leases it to `owner`; false when an execution with that id exists. */
  async createExecution(
    id: string,
    stateMachine: string,
    input: unknown,
    owner: string,
    leaseMs: number,
  ): Promise<boolean> {
    const rows = await this.#db.query(
      `INSERT INTO workflow_executions (id, state_machine, input, status, started_at, lease_owner, lease_expires_at)
       VALUES ($1, $2, $3, 'RUNNING', now(), $4, now() + make_interval(secs => $5))
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [id, stateMachine, JSON.stringify(input), owner, leaseMs / 1000],
    );
    return rows.length === 1;
  }

  /**
   * Takes the lease of an execution that nobody is running: one parked at a wait state, or one whose
   * runner died (lease expired). Exactly one caller wins.
   */
  async acquire(id: string, owner: string, leaseMs: number): Promise<ExecutionDescription | null> {
    const rows = await this.#db.query<ExecutionRow>(
      `UPDATE workflow_executions SET status = 'RUNNING', lease_owner = $2, lease_expires_at = now() + make_interval(secs => $3)
       WHERE id = $1 AND (status = 'WAITING' OR (status = 'RUNNING' AND lease_expires_at < now()))
       RETURNING *`,
      [id, owner, leaseMs / 1000],
    );
    return rows[0] ? toDescription(rows[0]) : null;
  }

  async renewLease(id: string, owner: string, leaseMs: number): Promise<void> {
    await this.#db.query(
      `UPDATE workflow_executions SET lease_expires_at = now() + make_interval(secs => $3)
       WHERE id = $1 AND lease_owner = $2 AND status = 'RUNNING'`,
      [id, owner, leaseMs / 1000],
    );
  }

  /**
   * Parks a running execution at its wait states, unless one of its tokens was resolved meanwhile (by
   * another process that could not take the lease): then it returns those tokens and stays RUNNING.
   */
  async park(id: string, owner: string, waitingTokens: readonly string[]): Promise<TaskTokenRow[]> {
    return this.#db.transaction(async (tx) => {
      await tx.query('SELECT id FROM workflow_executions WHERE id = $1 FOR UPDATE', [id]);
      const resolved = await tx.query<TaskTokenRow>(
        `SELECT * FROM workflow_task_tokens WHERE token = ANY($1::text[]) AND status <> 'WAITING'`,
        [waitingTokens],
      );
      if (resolved.length === 0) {
        await tx.query(
          `UPDATE workflow_executions SET status = 'WAITING', lease_owner = NULL, lease_expires_at = NULL
           WHERE id = $1 AND lease_owner = $2`,
          [id, owner],
        );
      }
      return resolved;
    });
  }

  async finish(
    id: string,
    outcome: { status: 'SUCCEEDED' | 'FAILED'; output?: unknown; error?: string; cause?: string },
  ) {
    await this.#db.query(
      `UPDATE workflow_executions SET status = $2, output = $3, error = $4, cause = $5, stopped_at = now(),
         lease_owner = NULL, lease_expires_at = NULL WHERE id = $1`,
      [id, outcome.status, JSON.stringify(outcome.output ?? null), outcome.error ?? null, outcome.cause ?? null],
    );
  }

  async describe(id: string): Promise<ExecutionDescription | null> {
    const rows = await this.#db.query<ExecutionRow>('SELECT * FROM workflow_executions WHERE id = $1', [id]);
    return rows[0] ? toDescription(rows[0]) : null;
  }

  /** Executions a starting runner should pick up: died while running, or parked with a resolved token. */
  async recoverable(): Promise<string[]> {
    const rows = await this.#db.query<{ id: string }>(
      `SELECT e.id FROM workflow_executions e
       WHERE (e.status = 'RUNNING' AND e.lease_expires_at < now())
          OR (e.status = 'WAITING' AND EXISTS (
                SELECT 1 FROM workflow_task_tokens t WHERE t.execution_id = e.id AND t.status <> 'WAITING'
                  AND NOT EXISTS (SELECT 1 FROM workflow_journal j
                                  WHERE j.execution_id = t.execution_id AND j.state_name = t.state_name
                                    AND j.input_hash = 'token:' || t.input_hash)))
       ORDER BY e.started_at`,
    );
    return rows.map((r) => r.id);
  }

  async journaled(executionId: string, state: string, inputHash: string): Promise<{ output: unknown } | null> {
    const rows = await this.#db.query<{ output: unknown }>(
      'SELECT output FROM workflow_journal WHERE execution_id = $1 AND state_name = $2 AND input_hash = $3',
      [executionId, state, inputHash],
    );
    return rows[0] ?? null;
  }

  async journal(
    executionId: string,
    state: string,
    inputHash: string,
    output: unknown,
    startedAt: Date,
  ): Promise<void> {
    await this.#db.query(
      `INSERT INTO workflow_journal (execution_id, state_name, input_hash, output, started_at, completed_at)
       VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (execution_id, state_name, input_hash) DO UPDATE SET attempts = workflow_journal.attempts + 1`,
      [executionId, state, inputHash, JSON.stringify(output ?? null), startedAt],
    );
  }

  /**
   * The token of a wait state, created on first arrival (with its deadline, `timeoutSeconds` from now) and
   * the same on every replay.
   */
  async tokenFor(
    executionId: string,
    state: string,
    inputHash: string,
    newToken: string,
    timeoutSeconds: number | null = null,
  ): Promise<TaskTokenRow> {
    await this.#db.query(
      `INSERT INTO workflow_task_tokens (token, execution_id, state_name, input_hash, status, created_at, timeout_at)
       VALUES ($1, $2, $3, $4, 'WAITING', now(), now() + make_interval(secs => $5::double precision))
       ON CONFLICT (execution_id, state_name, input_hash) DO NOTHING`,
      [newToken, executionId, state, inputHash, timeoutSeconds],
    );
    const rows = await this.#db.query<TaskTokenRow>(
      'SELECT * FROM workflow_task_tokens WHERE execution_id = $1 AND state_name = $2 AND input_hash = $3',
      [executionId, state, inputHash],
    );
    return rows[0]!;
  }

  async token(token: string): Promise<TaskTokenRow | null> {
    const rows = await this.#db.query<TaskTokenRow>('SELECT * FROM workflow_task_tokens WHERE token = $1', [token]);
    return rows[0] ?? null;
  }

  /**
   * Fails every wait whose deadline is at or before `now` with `States.Timeout`, once; returns them.
   * Their executions then resume like after any other resolution.
   */
  async timeOutWaits(now: Date): Promise<TaskTokenRow[]> {
    return this.#db.query<TaskTokenRow>(
      `UPDATE workflow_task_tokens SET status = 'FAILED', error = 'States.Timeout',
         cause = 'The wait for a task token timed out (TimeoutSeconds)', resolved_at = now()
       WHERE status = 'WAITING' AND timeout_at <= $1 RETURNING *`,
      [now],
    );
  }

  /** The earliest deadline of a wait still waiting, if any. */
  async nextTimeout(): Promise<Date | null> {
    const rows = await this.#db.query<{ at: Date | null }>(
      `SELECT min(timeout_at) AS at FROM workflow_task_tokens WHERE status = 'WAITING'`,
    );
    return rows[0]?.at ?? null;
  }

  /**
   * Resolves a waiting token once; null when it was not waiting (unknown, already resolved, or past its
   * deadline: like Step Functions, a timed-out token takes no answer even before the sweep fails it).
   */
  async resolveToken(
    token: string,
    outcome: { status: 'SUCCEEDED'; output: unknown } | { status: 'FAILED'; error: string; cause: string },
  ): Promise<TaskTokenRow | null> {
    const rows = await this.#db.query<TaskTokenRow>(
      `UPDATE workflow_task_tokens SET status = $2, output = $3, error = $4, cause = $5, resolved_at = now()
       WHERE token = $1 AND status = 'WAITING' AND (timeout_at IS NULL OR timeout_at > now()) RETURNING *`,
      [
        token,
        outcome.status,
        outcome.status === 'SUCCEEDED' ? JSON.stringify(outcome.output) : null,
        outcome.status === 'FAILED' ? outcome.error : null,
        outcome.status === 'FAILED' ? outcome.cause : null,
      ],
    );
    return rows[0] ?? null;
  }

  /** Appends a history event; with `once`, not when the same event (type, state, detail) is there already. */
  async recordEvent(
    executionId: string,
    type: string,
    state: string | null,
    detail: unknown,
    options: { once?: boolean } = {},
  ): Promise<void> {
    const values = [executionId, type, state, JSON.stringify(detail ?? null)];
    if (!options.once) {
      await this.#db.query(
        'INSERT INTO workflow_events (execution_id, type, state_name, at, detail) VALUES ($1, $2, $3, now(), $4)',
        values,
      );
      return;
    }
    await this.#db.query(
      `INSERT INTO workflow_events (execution_id, type, state_name, at, detail)
       SELECT $1::varchar, $2::varchar, $3::varchar, now(), $4::jsonb WHERE NOT EXISTS (
         SELECT 1 FROM workflow_events WHERE execution_id = $1::varchar AND type = $2::varchar
           AND state_name IS NOT DISTINCT FROM $3::varchar AND detail = $4::jsonb)`,
      values,
    );
  }

  /** The history: journaled tasks, wait states and recorded failures, in time order. */
  async history(executionId: string): Promise<ExecutionStep[]> {
    const journal = await this.#db.query<{
      state_name: string;
      started_at: Date;
      completed_at: Date;
      output: unknown;
      input_hash: string;
    }>(
      `SELECT state_name, started_at, completed_at, output, input_hash FROM workflow_journal j
       WHERE execution_id = $1 AND input_hash NOT LIKE 'token:%'
         AND NOT EXISTS (SELECT 1 FROM workflow_task_tokens t
                         WHERE t.execution_id = j.execution_id AND t.state_name = j.state_name AND t.input_hash = j.input_hash)`,
      [executionId],
    );
    const tokens = await this.#db.query<TaskTokenRow>('SELECT * FROM workflow_task_tokens WHERE execution_id = $1', [
      executionId,
    ]);
    const events = await this.#db.query<{ type: string; state_name: string; at: Date; detail: unknown }>(
      'SELECT type, state_name, at, detail FROM workflow_events WHERE execution_id = $1',
      [executionId],
    );
    const steps: ExecutionStep[] = [
      ...journal.map((j) => ({
        state: j.state_name,
        status: 'SUCCEEDED' as const,
        startedAt: j.started_at,
        endedAt: j.completed_at,
        detail: j.output,
      })),
      ...tokens.map((t) => ({
        state: t.state_name,
        status: t.status === 'WAITING' ? ('WAITING' as const) : t.status,
        startedAt: t.created_at,
        endedAt: t.resolved_at,
        detail: t.status === 'FAILED' ? { error: t.error, cause: t.cause } : t.output,
      })),
      ...events.map((e) => ({
        state: e.state_name,
        status: e.type as ExecutionStep['status'],
        startedAt: e.at,
        endedAt: e.at,
        detail: e.detail,
      })),
    ];
    return steps.sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  }
}
