import type { AccessScope } from '../auth/access-scope.ts';
import type { Approval, ApprovalRepository } from '../ports/approvals.ts';
import type { Clock } from '../ports/clock.ts';
import {
  isTerminal,
  type NewRunEvent,
  type RunEvent,
  type RunEvents,
  type RunStreamState,
  type StoredRunEvent,
} from '../ports/run-events.ts';
import type { RunRepository, RunStatus } from '../ports/runs.ts';
import { type AccessDeps, canSeeAccount } from './access.ts';

interface RunRef {
  runId: string;
  /** The account. */
  threadId: string;
}

type EventBody = RunEvent extends infer E ? (E extends RunEvent ? Omit<E, 'timestamp' | 'metadata'> : never) : never;

const stamp = (run: RunRef, now: Date, body: EventBody): NewRunEvent => ({
  event: { ...body, timestamp: now.getTime(), metadata: { runId: run.runId, threadId: run.threadId } } as RunEvent,
});

/** RUN_STARTED when the stream has none yet. */
const opening = (state: RunStreamState, run: RunRef, now: Date): NewRunEvent[] =>
  state.started ? [] : [stamp(run, now, { type: 'RUN_STARTED', threadId: run.threadId, runId: run.runId })];

/**
 * The run entered `status` (a state of the orchestrator): the open step finishes and the new one starts;
 * the first state also starts the run. Nothing when it is already the open step or the run has ended.
 */
export function planStep(state: RunStreamState, run: RunRef, status: RunStatus, now: Date): NewRunEvent[] {
  if (state.ended || status === 'QUEUED' || state.step === status) return [];
  return [
    ...opening(state, run, now),
    ...(state.step ? [stamp(run, now, { type: 'STEP_FINISHED', stepName: state.step })] : []),
    stamp(run, now, { type: 'STEP_STARTED', stepName: status }),
  ];
}

/** The run ended: its open step finishes, then RUN_FINISHED, or RUN_ERROR with the recorded error. */
export function planFinish(
  state: RunStreamState,
  run: RunRef,
  outcome: { status: 'COMPLETED' } | { status: 'FAILED'; error: string | null; code?: string | null },
  now: Date,
): NewRunEvent[] {
  if (state.ended) return [];
  return [
    ...opening(state, run, now),
    ...(state.step ? [stamp(run, now, { type: 'STEP_FINISHED', stepName: state.step })] : []),
    outcome.status === 'COMPLETED'
      ? stamp(run, now, {
          type: 'RUN_FINISHED',
          threadId: run.threadId,
          runId: run.runId,
          outcome: { type: 'success' },
        })
      : stamp(run, now, {
          type: 'RUN_ERROR',
          message: outcome.error ?? 'The run failed',
          code: ('code' in outcome && outcome.code) || 'RUN_FAILED',
        }),
  ];
}

/** A person is asked to decide: the run is awaiting approval, and the link is announced once per approval. */
export function planApprovalRequired(
  state: RunStreamState,
  run: RunRef,
  approval: Pick<Approval, 'id' | 'recommendationId'>,
  url: string,
  now: Date,
): NewRunEvent[] {
  if (state.ended) return [];
  return [
    ...planStep(state, run, 'AWAITING_APPROVAL', now),
    {
      ...stamp(run, now, {
        type: 'CUSTOM',
        name: 'approval_required',
        value: { approvalId: approval.id, url, recommendationId: approval.recommendationId },
      }),
      dedupeKey: `approval_required:${approval.id}`,
    },
  ];
}

/** `inner` with some methods replaced; a proxy, so methods added to the port later pass through untouched. */
function decorate<T extends object>(inner: T, overrides: Partial<T>): T {
  return new Proxy(inner, {
    get(target, property) {
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof T];
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * The run repository, emitting the run's AG-UI events as its status changes: `setStatus` → STEP_FINISHED
 * of the previous state and STEP_STARTED of the new one (RUN_STARTED first), `finish` → RUN_FINISHED or
 * RUN_ERROR. Events follow what was stored: a status the repository refused (the run had ended) emits none.
 */
export function withRunEvents(runs: RunRepository, events: RunEvents, clock: Clock): RunRepository {
  /** Appends what the run's stored status calls for, read back after the write. */
  const emit = async (id: string, status: RunStatus) => {
    const run = await runs.get(id);
    if (!run || run.status !== status) return;
    const ref = { runId: run.id, threadId: run.accountId };
    const now = clock.now();
    await events.append(ref, (state) =>
      status === 'COMPLETED'
        ? planFinish(state, ref, { status }, now)
        : status === 'FAILED'
          ? planFinish(state, ref, { status, error: run.errorCause ?? run.error, code: run.error }, now)
          : planStep(state, ref, status, now),
    );
  };
  return decorate<RunRepository>(runs, {
    async setStatus(id, status, fields) {
      await runs.setStatus(id, status, fields);
      await emit(id, status);
    },
    async finish(id, status, error, cause) {
      await runs.finish(id, status, error, cause);
      await emit(id, status);
    },
  });
}

/** The approval repository, announcing each created approval on its run's stream (`approval_required`). */
export function withApprovalEvents(
  approvals: ApprovalRepository,
  deps: { runs: RunRepository; events: RunEvents; clock: Clock; approvalUrl: (approvalId: string) => string },
): ApprovalRepository {
  return decorate<ApprovalRepository>(approvals, {
    async create(input) {
      const approval = await approvals.create(input);
      // A retried request finds the approval decided already: nobody is asked again.
      if (approval.status !== 'pending') return approval;
      const run = await deps.runs.get(approval.runId);
      if (!run) return approval;
      const ref = { runId: run.id, threadId: run.accountId };
      const now = deps.clock.now();
      await deps.events.append(ref, (state) =>
        planApprovalRequired(state, ref, approval, deps.approvalUrl(approval.id), now),
      );
      return approval;
    },
  });
}

/** One SSE message: the id a reconnect sends back as Last-Event-ID, the AG-UI type, the event as JSON. */
export const sseMessage = (stored: StoredRunEvent): string =>
  `id: ${stored.seq}\nevent: ${stored.event.type}\ndata: ${JSON.stringify(stored.event)}\n\n`;

/** Where a stream of events is written; `signal` aborts when the client has gone or time is up. */
export interface EventSink {
  write(chunk: string): Promise<void>;
  readonly signal: AbortSignal;
}

export interface StreamEventsInput {
  /** One run's stream, or null for every run's (the firehose). */
  runId: string | null;
  /**
   * Resume after this seq (Last-Event-ID). Without it a run's stream starts at its beginning and the
   * firehose at what happens next.
   */
  after: number | null;
  /** A comment line when nothing was written for this long, so proxies keep the connection. */
  heartbeatMs?: number;
  /** How often to look for events appended by other processes. */
  pollMs?: number;
  batchSize?: number;
  /** false: write what is stored now and return (a buffered response). */
  follow?: boolean;
  /** Whose accounts' runs the reader may see (the firehose skips the others); everyone's by default. */
  scope?: AccessScope;
}

export const HEARTBEAT_MS = 15_000;
export const POLL_MS = 1_000;

/**
 * Writes a stream's events as SSE until the client goes (or the sink's deadline passes) or, for one
 * run, its RUN_FINISHED / RUN_ERROR has been written.
 * 1. start after the client's Last-Event-ID, so a reconnect gets exactly what it missed
 * 2. write what is stored, in seq order; then wait for an append (in process) or the next poll
 * 3. a heartbeat comment whenever the stream has been quiet for `heartbeatMs`
 * Events of accounts outside the reader's scope are skipped (a run's stream is checked before it opens).
 */
export async function streamRunEvents(
  deps: { events: RunEvents } & Partial<AccessDeps>,
  input: StreamEventsInput,
  sink: EventSink,
): Promise<{ lastSeq: number; ended: boolean }> {
  const heartbeatMs = input.heartbeatMs ?? HEARTBEAT_MS;
  const pollMs = input.pollMs ?? POLL_MS;
  const batchSize = input.batchSize ?? 200;
  let after = input.after ?? (input.runId ? 0 : await deps.events.lastSeq());
  let lastWrite = Date.now();
  const visible = visibility(deps, input.scope);
  const write = async (chunk: string) => {
    await sink.write(chunk);
    lastWrite = Date.now();
  };
  // Tells EventSource how soon to reconnect when the stream ends before the run does.
  await write('retry: 2000\n\n');

  while (!sink.signal.aborted) {
    // Listening before reading: an append that lands during the read still wakes the wait below.
    const wake = new AbortController();
    const onAbort = () => wake.abort();
    sink.signal.addEventListener('abort', onAbort, { once: true });
    const waiting = deps.events.waitForAppend({
      timeoutMs: Math.max(1, Math.min(pollMs, heartbeatMs - (Date.now() - lastWrite))),
      signal: wake.signal,
    });
    try {
      // Read the run's state first: when it had ended before the read, the read holds its last event.
      const endedBefore = input.runId ? ((await deps.events.state(input.runId))?.ended ?? false) : false;
      const batch = input.runId
        ? await deps.events.readRun(input.runId, after, batchSize)
        : await deps.events.readAll(after, batchSize);
      for (const stored of batch) {
        if (sink.signal.aborted) return { lastSeq: after, ended: false };
        if (await visible(stored.threadId)) await write(sseMessage(stored));
        after = stored.seq;
        if (input.runId && isTerminal(stored.event)) return { lastSeq: after, ended: true };
      }
      if (input.runId && endedBefore && batch.length < batchSize) return { lastSeq: after, ended: true };
      if (batch.length === batchSize) continue;
      if (input.follow === false) return { lastSeq: after, ended: false };
      await waiting;
      if (!sink.signal.aborted && Date.now() - lastWrite >= heartbeatMs) await write(': heartbeat\n\n');
    } finally {
      wake.abort();
      sink.signal.removeEventListener('abort', onAbort);
    }
  }
  return { lastSeq: after, ended: false };
}

/** Whether the reader may see an account's events, asked once per account per stream. */
function visibility(
  deps: Partial<AccessDeps>,
  scope: AccessScope | undefined,
): (accountId: string) => Promise<boolean> {
  if (!scope || scope.kind === 'all') return async () => true;
  const { listings } = deps;
  if (!listings) throw new Error('A scoped event stream needs the listings to find account owners');
  const known = new Map<string, Promise<boolean>>();
  return (accountId) => {
    let answer = known.get(accountId);
    if (!answer) {
      answer = canSeeAccount({ listings }, scope, accountId);
      known.set(accountId, answer);
    }
    return answer;
  };
}
