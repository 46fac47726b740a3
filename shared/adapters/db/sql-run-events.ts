import type { Db } from '../../ports/db.ts';
import {
  assertAgUiEvent,
  EMPTY_STREAM,
  foldStreamState,
  type NewRunEvent,
  type RunEvent,
  type RunEvents,
  type RunStreamState,
  type StoredRunEvent,
} from '../../ports/run-events.ts';

/** Serialises appends across processes, so seq order is commit order (see 0010_run_events.sql). */
const APPEND_LOCK = 7_355_010;

interface EventRow {
  seq: number | string | bigint;
  run_id: string;
  thread_id: string;
  event: RunEvent;
}

interface StreamRow {
  started: boolean;
  step: string | null;
  ended: boolean;
}

const toStored = (row: EventRow): StoredRunEvent => ({
  seq: Number(row.seq),
  runId: row.run_id,
  threadId: row.thread_id,
  // jsonb keeps keys in its own order: `type` first again, as AG-UI writes it.
  event: { ...({ type: row.event.type } as Pick<RunEvent, 'type'>), ...row.event },
});

// Waiters of this process: an append here wakes them at once; appends of other processes (other Lambdas,
// a CLI next to `sergas start`) are found by the caller's next poll.
const waiters = new Set<() => void>();
const wakeWaiters = () => {
  for (const wake of [...waiters]) wake();
};

/** The run event log in Postgres or PGlite. */
export class SqlRunEvents implements RunEvents {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async append(
    run: { runId: string; threadId: string },
    plan: (state: RunStreamState) => NewRunEvent[],
  ): Promise<StoredRunEvent[]> {
    const appended = await this.#db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK]);
      const [row] = await tx.query<StreamRow>('SELECT started, step, ended FROM run_event_streams WHERE run_id = $1', [
        run.runId,
      ]);
      const state: RunStreamState = row ? { started: row.started, step: row.step, ended: row.ended } : EMPTY_STREAM;
      const planned = plan(state);
      if (planned.length === 0) return [];
      const stored: StoredRunEvent[] = [];
      for (const { event, dedupeKey } of planned) {
        assertAgUiEvent(event);
        const rows = await tx.query<EventRow>(
          `INSERT INTO run_events (run_id, thread_id, type, event, dedupe_key) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (dedupe_key) DO NOTHING RETURNING seq, run_id, thread_id, event`,
          [run.runId, run.threadId, event.type, JSON.stringify(event), dedupeKey ?? null],
        );
        if (rows[0]) stored.push(toStored(rows[0]));
      }
      const next = foldStreamState(
        state,
        stored.map((s) => s.event),
      );
      await tx.query(
        `INSERT INTO run_event_streams (run_id, thread_id, started, step, ended) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (run_id) DO UPDATE SET started = $3, step = $4, ended = $5`,
        [run.runId, run.threadId, next.started, next.step, next.ended],
      );
      return stored;
    });
    if (appended.length > 0) wakeWaiters();
    return appended;
  }

  async readRun(runId: string, after: number, limit: number): Promise<StoredRunEvent[]> {
    const rows = await this.#db.query<EventRow>(
      `SELECT seq, run_id, thread_id, event FROM run_events WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [runId, after, limit],
    );
    return rows.map(toStored);
  }

  async readAll(after: number, limit: number): Promise<StoredRunEvent[]> {
    const rows = await this.#db.query<EventRow>(
      'SELECT seq, run_id, thread_id, event FROM run_events WHERE seq > $1 ORDER BY seq LIMIT $2',
      [after, limit],
    );
    return rows.map(toStored);
  }

  async lastSeq(): Promise<number> {
    const [row] = await this.#db.query<{ seq: number | string | bigint }>(
      'SELECT COALESCE(max(seq), 0) AS seq FROM run_events',
    );
    return Number(row?.seq ?? 0);
  }

  async state(runId: string): Promise<RunStreamState | null> {
    const [row] = await this.#db.query<StreamRow>(
      'SELECT started, step, ended FROM run_event_streams WHERE run_id = $1',
      [runId],
    );
    return row ? { started: row.started, step: row.step, ended: row.ended } : null;
  }

  waitForAppend(options: { timeoutMs: number; signal?: AbortSignal }): Promise<void> {
    const { signal } = options;
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, options.timeoutMs);
      waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
