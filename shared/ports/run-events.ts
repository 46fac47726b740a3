import { EventSchemas } from '@ag-ui/core/schemas';

/**
 * What a run's event stream carries: AG-UI events (`@ag-ui/core`), as plain JSON. Every event carries
 * `metadata: { runId, threadId }` so a firehose client can tell interleaved runs apart (STEP events have
 * no run id of their own); the thread is the account.
 */
interface EventBase {
  timestamp?: number;
  metadata?: { runId: string; threadId: string };
}
export type RunEvent = EventBase &
  (
    | { type: 'RUN_STARTED'; threadId: string; runId: string }
    | { type: 'STEP_STARTED'; stepName: string }
    | { type: 'STEP_FINISHED'; stepName: string }
    | {
        type: 'CUSTOM';
        name: 'approval_required';
        value: { approvalId: string; url: string; recommendationId: string };
      }
    | { type: 'RUN_FINISHED'; threadId: string; runId: string; outcome?: { type: 'success' } }
    | { type: 'RUN_ERROR'; message: string; code?: string }
  );
export type RunEventType = RunEvent['type'];

/** The events that end a run's stream. */
export const isTerminal = (event: Pick<RunEvent, 'type'>): boolean =>
  event.type === 'RUN_FINISHED' || event.type === 'RUN_ERROR';

/** An event as stored: `seq` is its SSE id, increasing across all runs in commit order. */
export interface StoredRunEvent {
  seq: number;
  runId: string;
  threadId: string;
  event: RunEvent;
}

/** Where a run's stream stands, folded from its events. */
export interface RunStreamState {
  started: boolean;
  /** The step started and not yet finished. */
  step: string | null;
  ended: boolean;
}

export const EMPTY_STREAM: RunStreamState = { started: false, step: null, ended: false };

/** The stream state after `events`. */
export function foldStreamState(state: RunStreamState, events: readonly RunEvent[]): RunStreamState {
  let next = state;
  for (const event of events) {
    if (event.type === 'RUN_STARTED') next = { ...next, started: true };
    else if (event.type === 'STEP_STARTED') next = { ...next, step: event.stepName };
    else if (event.type === 'STEP_FINISHED') next = { ...next, step: null };
    else if (isTerminal(event)) next = { ...next, step: null, ended: true };
  }
  return next;
}

/** An event to append; a `dedupeKey` makes a retried append (a replayed workflow step) a no-op. */
export interface NewRunEvent {
  event: RunEvent;
  dedupeKey?: string;
}

/** Checks an event against the AG-UI schemas; throws a ZodError naming the problem. */
export function assertAgUiEvent(event: unknown): RunEvent {
  EventSchemas.parse(event);
  return event as RunEvent;
}

/** The persisted AG-UI event log of analysis runs: one stream per run, and all of them (the firehose). */
export interface RunEvents {
  /**
   * Appends events to one run's stream, atomically with reading where it stands: `plan` gets the run's
   * stream state and returns what to append (often nothing). Appends are serialised, so `seq` order is
   * commit order and a reader that has seen `seq` n never later finds an event below n.
   */
  append(
    run: { runId: string; threadId: string },
    plan: (state: RunStreamState) => NewRunEvent[],
  ): Promise<StoredRunEvent[]>;
  /** One run's events after `after`, oldest first. */
  readRun(runId: string, after: number, limit: number): Promise<StoredRunEvent[]>;
  /** Every run's events after `after`, oldest first (the firehose). */
  readAll(after: number, limit: number): Promise<StoredRunEvent[]>;
  /** The newest `seq` (0 when empty): where a firehose opened without a Last-Event-ID starts. */
  lastSeq(): Promise<number>;
  /** The run's stream state, or null before its first event. */
  state(runId: string): Promise<RunStreamState | null>;
  /**
   * Resolves when an event may have been appended (in this process: at once; elsewhere: found on the
   * next poll by the caller), after `timeoutMs`, or when `signal` aborts. Never rejects.
   */
  waitForAppend(options: { timeoutMs: number; signal?: AbortSignal }): Promise<void>;
}
