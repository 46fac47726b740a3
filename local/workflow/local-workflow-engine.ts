import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type RunOptions, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { AppError } from '../../shared/errors.ts';
import type {
  ExecutionDescription,
  ExecutionStep,
  StateMachineName,
  WorkflowEngine,
} from '../../shared/ports/workflow-engine.ts';
import type { WorkflowStore } from './workflow-store.ts';

/** A task handler as the runner calls it: the Lambda payload in, the Lambda result out. */
export type TaskHandler = (payload: unknown) => Promise<unknown>;

export interface LocalWorkflowEngineOptions {
  store: WorkflowStore;
  /** State machine name → path of its ASL file (the same file CDK deploys). */
  definitions: Partial<Record<StateMachineName, string | URL>>;
  /** ASL placeholder (e.g. `RetrieveDataFunctionArn`) → in-process handler. */
  handlers: Record<string, TaskHandler>;
  /** Identifies this process in leases. */
  owner?: string;
  leaseMs?: number;
}

export class TaskTokenInvalidError extends AppError {
  constructor(reason: string) {
    super('TASK_TOKEN_INVALID', `Task token is not waiting: ${reason}`, { status: 409 });
  }
}

const TOKEN_SENTINEL = '__sergas_local_task_token__';
const LAMBDA_ARN_PREFIX = 'arn:aws:lambda:us-east-1:000000000000:function:sergas-local-';
const STATE_MACHINE_ARN_PREFIX = 'arn:aws:states:local:000000000000:stateMachine:';
const WAIT_RESOURCE = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
const START_EXECUTION_RESOURCE = 'arn:aws:states:::states:startExecution';
/**
 * What the library's own timer gets for a wait state: the engine times waits out from the store
 * (`expireWaits`), so a wait must never time out in the library first. About 23 days, under the
 * 24.8 days a Node.js timer can hold.
 */
const LIBRARY_WAIT_TIMEOUT_SECONDS = 2_000_000;
const MAX_TIMER_MS = 2 ** 31 - 1;
/** A long-running runner also looks for waits other processes parked (their deadlines) this often. */
const TIMEOUT_SWEEP_MS = 3600_000;

/**
 * What the local runner rewrites in a definition before aws-local-stepfunctions runs it (ARCHITECTURE.md
 * §2: listed here and tested in test/integration/workflow):
 * - `${…StateMachineArn}` placeholders become local state machine ARNs, `${…}` others local Lambda ARNs
 *   bound to in-process handlers;
 * - a Map whose ItemProcessor is `DISTRIBUTED` (child executions on AWS) runs `INLINE`, its iterations in
 *   this execution; distributed-only fields (ItemReader, ResultWriter, …) are refused, not emulated;
 * - `TimeoutSeconds` of `.waitForTaskToken` states is enforced by the engine from the task token's
 *   stored deadline (so waits parked by one process time out in another, and tests can advance time);
 * - `arn:aws:states:::states:startExecution` starts an execution on this engine, with Step Functions'
 *   naming rules: a name in use fails with `StepFunctions.ExecutionAlreadyExistsException` unless the
 *   execution is open with the same input.
 */
const DISTRIBUTED_ONLY_FIELDS = ['ItemReader', 'ItemBatcher', 'ResultWriter'] as const;
const DISTRIBUTED_IGNORED_FIELDS = ['ToleratedFailurePercentage', 'ToleratedFailureCount', 'Label'] as const;

type TaskBinding =
  | { kind: 'lambda'; placeholder: string; waitsForToken: boolean; timeoutSeconds: number | null }
  | { kind: 'start-execution' };

type AslState = {
  Type: string;
  Resource?: string;
  Parameters?: { FunctionName?: string };
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  ItemProcessor?: AslMachine & { ProcessorConfig?: { Mode?: string; ExecutionType?: string } };
  Iterator?: AslMachine;
  Branches?: AslMachine[];
  [field: string]: unknown;
};
type AslMachine = { StartAt: string; States: Record<string, AslState> };

/** `AccountAnalysisStateMachineArn` → `account-analysis`. */
const machineOfPlaceholder = (placeholder: string) =>
  placeholder
    .replace(/StateMachineArn$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();

/** JSON with sorted keys, to compare inputs the way Step Functions does (Postgres reorders jsonb keys). */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );

interface Waiter {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** One execution being driven by this process, from its start (or replay) to parking or its end. */
interface LiveExecution {
  id: string;
  inFlight: number;
  waiters: Map<string, Waiter>;
  /** Tokens whose wait state's handler is running: a token it resolves itself is read when it returns. */
  handling: Set<string>;
  /** Set while the park decision is being written, so a token resolved meanwhile goes through replay. */
  parking: boolean;
  parked: boolean;
  version: number;
  abort(): void;
  done: Promise<void>;
}

const hashOf = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');

class NamedTaskError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/**
 * The local Step Functions runner (ARCHITECTURE.md §2): runs the deployed ASL files with
 * aws-local-stepfunctions and adds exactly what that library lacks —
 * - `.waitForTaskToken`: a token per waiting state, persisted; `sendTaskSuccess/Failure` resolve it;
 * - durability: every completed task's output is journaled; an execution that reaches its wait states
 *   is parked (nothing stays in memory), and whoever resolves a token — this process or another one —
 *   replays the execution from the journal up to that point and carries on;
 * - recovery: `recover()` replays executions whose runner died.
 */
export class LocalWorkflowEngine implements WorkflowEngine {
  readonly #store: WorkflowStore;
  readonly #handlers: Record<string, TaskHandler>;
  readonly #definitions = new Map<string, { bindings: Map<string, TaskBinding>; machine: StateMachine }>();
  readonly #owner: string;
  readonly #leaseMs: number;
  readonly #live = new Map<string, LiveExecution>();
  #timeoutTimer: NodeJS.Timeout | undefined;
  #timeoutTimerAt = Number.POSITIVE_INFINITY;
  #stopped = false;

  constructor(options: LocalWorkflowEngineOptions) {
    this.#store = options.store;
    this.#handlers = options.handlers;
    this.#owner = options.owner ?? `local-${process.pid}-${randomBytes(4).toString('hex')}`;
    this.#leaseMs = options.leaseMs ?? 60_000;
    for (const [name, file] of Object.entries(options.definitions)) {
      if (file) this.#definitions.set(name, this.#load(readFileSync(file, 'utf8')));
    }
  }

  #load(text: string) {
    const definition = JSON.parse(
      text.replace(/\$\{(\w+)\}/g, (_match, placeholder: string) =>
        placeholder.endsWith('StateMachineArn')
          ? `${STATE_MACHINE_ARN_PREFIX}${machineOfPlaceholder(placeholder)}`
          : `${LAMBDA_ARN_PREFIX}${placeholder}`,
      ),
    ) as AslMachine;
    const bindings = new Map<string, TaskBinding>();
    const bind = (stateName: string, binding: TaskBinding) => {
      if (bindings.has(stateName))
        throw new Error(`State name ${stateName} is used twice; the local runner needs unique names`);
      bindings.set(stateName, binding);
    };
    const visit = (machine: AslMachine) => {
      for (const [stateName, state] of Object.entries(machine.States)) {
        const fn = state.Parameters?.FunctionName;
        if (state.Type === 'Task' && fn?.startsWith(LAMBDA_ARN_PREFIX)) {
          const placeholder = fn.slice(LAMBDA_ARN_PREFIX.length);
          if (!this.#handlers[placeholder]) throw new Error(`No local handler for ${placeholder} (state ${stateName})`);
          const waitsForToken = state.Resource === WAIT_RESOURCE;
          if (waitsForToken && state.TimeoutSecondsPath)
            throw new Error(
              `State ${stateName}: the local runner supports TimeoutSeconds on waits, not TimeoutSecondsPath`,
            );
          const timeoutSeconds = waitsForToken ? (state.TimeoutSeconds ?? null) : null;
          if (waitsForToken) state.TimeoutSeconds = LIBRARY_WAIT_TIMEOUT_SECONDS;
          bind(stateName, { kind: 'lambda', placeholder, waitsForToken, timeoutSeconds });
        } else if (state.Type === 'Task' && state.Resource === START_EXECUTION_RESOURCE) {
          bind(stateName, { kind: 'start-execution' });
        }
        const processor = state.ItemProcessor;
        if (state.Type === 'Map' && processor?.ProcessorConfig?.Mode === 'DISTRIBUTED') {
          for (const field of DISTRIBUTED_ONLY_FIELDS)
            if (state[field] !== undefined)
              throw new Error(`State ${stateName}: the local runner cannot run a distributed Map with ${field}`);
          for (const field of DISTRIBUTED_IGNORED_FIELDS) delete state[field];
          processor.ProcessorConfig = { Mode: 'INLINE' };
        }
        for (const nested of [state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])])
          if (nested) visit(nested);
      }
    };
    visit(definition);
    const asl = definition as unknown as StateMachineDefinition;
    // Validated once, here, so a bad definition fails at start-up. Validating compiles asl-validator's JSON
    // schema (about 0.4 s of CPU), and every StateMachine built validates, so the machine every execution
    // runs is built once and skips it; its Map and Parallel sub-machines, checked with it, skip it too.
    new StateMachine(asl, { validationOptions: { checkArn: true, checkPaths: true } });
    const machine = new StateMachine(asl, { validationOptions: { noValidate: true } });
    return { bindings, machine };
  }

  async startExecution(stateMachine: StateMachineName, name: string, input: Record<string, unknown>) {
    if (!this.#definitions.has(stateMachine)) throw new Error(`Unknown state machine ${stateMachine}`);
    const created = await this.#store.createExecution(name, stateMachine, input, this.#owner, this.#leaseMs);
    if (created) this.#drive(name, stateMachine, input);
    return { executionId: name };
  }

  async sendTaskSuccess(taskToken: string, output: Record<string, unknown>): Promise<void> {
    const row = await this.#store.resolveToken(taskToken, { status: 'SUCCEEDED', output });
    await this.#afterResolve(taskToken, row, (waiter) => waiter.resolve(output));
  }

  async sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void> {
    const row = await this.#store.resolveToken(taskToken, { status: 'FAILED', error, cause });
    await this.#afterResolve(taskToken, row, (waiter) => waiter.reject(new NamedTaskError(error, cause)));
  }

  async #afterResolve(token: string, row: { execution_id: string } | null, settle: (waiter: Waiter) => void) {
    if (!row) {
      const existing = await this.#store.token(token);
      const reason = !existing
        ? 'unknown token'
        : existing.status === 'WAITING'
          ? 'timed out'
          : `already ${existing.status.toLowerCase()}`;
      throw new TaskTokenInvalidError(reason);
    }
    const live = this.#live.get(row.execution_id);
    // Resolved from inside its own wait state's handler (on AWS too, a handler may answer its token).
    if (live?.handling.has(token)) return;
    const waiter = live?.waiters.get(token);
    if (live && waiter && !live.parking && !live.parked) {
      live.waiters.delete(token);
      settle(waiter);
      return;
    }
    if (live) await live.done;
    await this.resume(row.execution_id);
  }

  /** Replays an execution nobody is running (parked, or its runner died); false if someone else has it. */
  async resume(executionId: string): Promise<boolean> {
    if (this.#live.has(executionId)) return false;
    const execution = await this.#store.acquire(executionId, this.#owner, this.#leaseMs);
    if (!execution) return false;
    this.#drive(execution.executionId, execution.stateMachine, execution.input as Record<string, unknown>);
    return true;
  }

  /** Picks up every execution left behind by a runner that stopped. */
  async recover(): Promise<string[]> {
    await this.expireWaits(new Date());
    const ids = await this.#store.recoverable();
    const resumed: string[] = [];
    for (const id of ids) if (await this.resume(id)) resumed.push(id);
    await this.#armNextTimeout();
    return resumed;
  }

  /**
   * Times out every wait whose deadline (its state's TimeoutSeconds from when it began) is at or before
   * `now`: the wait fails with `States.Timeout`, which the ASL catches, and its execution carries on.
   * A timer calls this when the next deadline comes; tests call it with a later `now` to advance time.
   * Returns the executions that had waits timed out.
   */
  async expireWaits(now: Date = new Date()): Promise<string[]> {
    const expired = await this.#store.timeOutWaits(now);
    const executions = [...new Set(expired.map((row) => row.execution_id))];
    for (const id of executions) {
      await this.#deliverTimeouts(
        id,
        expired.filter((row) => row.execution_id === id).map((row) => row.token),
      );
    }
    return executions;
  }

  async #deliverTimeouts(executionId: string, tokens: string[]): Promise<void> {
    const live = this.#live.get(executionId);
    if (live && !live.parking && !live.parked) {
      let unsettled = 0;
      for (const token of tokens) {
        const waiter = live.waiters.get(token);
        if (waiter) {
          live.waiters.delete(token);
          // Reads the failed token, journals that the wait passed, and fails the state with States.Timeout.
          waiter.resolve(undefined);
        } else if (!live.handling.has(token)) unsettled++;
      }
      if (unsettled === 0) return;
    }
    if (live) await live.done;
    await this.resume(executionId);
  }

  /** One timer for the earliest wait deadline this process knows of; it never keeps the process alive. */
  #armTimeouts(at: Date | null): void {
    if (this.#stopped || !at || at.getTime() >= this.#timeoutTimerAt) return;
    clearTimeout(this.#timeoutTimer);
    this.#timeoutTimerAt = at.getTime();
    this.#timeoutTimer = setTimeout(
      () => {
        this.#timeoutTimer = undefined;
        this.#timeoutTimerAt = Number.POSITIVE_INFINITY;
        void this.expireWaits(new Date())
          .then(() => this.#armNextTimeout())
          .catch(() => undefined);
      },
      Math.min(Math.max(0, at.getTime() - Date.now()), MAX_TIMER_MS),
    );
    this.#timeoutTimer.unref();
  }

  /** The next known deadline, or the next sweep for waits parked by other processes, whichever is first. */
  async #armNextTimeout(): Promise<void> {
    const next = await this.#store.nextTimeout();
    const sweep = Date.now() + TIMEOUT_SWEEP_MS;
    this.#armTimeouts(new Date(next ? Math.min(next.getTime(), sweep) : sweep));
  }

  /** Stops the timeout timer (the executions themselves are left to `idle`). */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timeoutTimer);
    this.#timeoutTimer = undefined;
    this.#timeoutTimerAt = Number.POSITIVE_INFINITY;
  }

  describeExecution(executionId: string): Promise<ExecutionDescription | null> {
    return this.#store.describe(executionId);
  }

  getExecutionHistory(executionId: string): Promise<ExecutionStep[]> {
    return this.#store.history(executionId);
  }

  /** Resolves when every execution this process drives has parked or ended. */
  async idle(): Promise<void> {
    while (this.#live.size > 0) await Promise.all([...this.#live.values()].map((live) => live.done));
  }

  /** Resolves when this execution, if this process drives it, has parked or ended. */
  async settled(executionId: string): Promise<void> {
    await this.#live.get(executionId)?.done;
  }

  #drive(id: string, stateMachine: string, input: Record<string, unknown>): void {
    const loaded = this.#definitions.get(stateMachine)!;
    let finished!: () => void;
    const live: LiveExecution = {
      id,
      inFlight: 0,
      waiters: new Map(),
      handling: new Set(),
      parking: false,
      parked: false,
      version: 0,
      abort: () => undefined,
      done: new Promise<void>((resolve) => {
        finished = resolve;
      }),
    };
    this.#live.set(id, live);
    const overrides = Object.fromEntries(
      [...loaded.bindings].map(([stateName, binding]) => [stateName, this.#taskOverride(live, stateName, binding)]),
    );
    const execution = loaded.machine.run(input as Parameters<StateMachine['run']>[0], {
      overrides: {
        taskResourceLocalHandlers: overrides as NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers'],
      },
      noThrowOnAbort: true,
      context: {
        Execution: { Id: `arn:aws:states:local:000000000000:execution:${stateMachine}:${id}`, Name: id },
        Task: { Token: TOKEN_SENTINEL },
      },
    });
    live.abort = execution.abort;
    const renew = setInterval(
      () => void this.#store.renewLease(id, this.#owner, this.#leaseMs).catch(() => undefined),
      this.#leaseMs / 3,
    );
    renew.unref();
    const recorded = this.#recordFailures(id, execution.eventLogs);
    execution.result
      .then(
        async (output) => {
          if (live.parked) return;
          await this.#store.finish(id, { status: 'SUCCEEDED', output });
        },
        async (error: Error & { cause?: Error }) => {
          const cause = error.cause ?? error;
          await this.#store.finish(id, { status: 'FAILED', error: cause.name, cause: cause.message });
        },
      )
      .catch(() => undefined)
      .finally(async () => {
        await Promise.race([recorded, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
        clearInterval(renew);
        this.#live.delete(id);
        finished();
      });
  }

  /**
   * Writes retries, catches and failures to the history; resolves when the execution's event log closes.
   * A replay passes failures again (a timed-out wait fails on every replay): failures and catches are
   * recorded once per state and Map iteration, retries each time (a replay never retries).
   */
  async #recordFailures(
    id: string,
    events: AsyncGenerator<{
      type: string;
      state?: { name: string };
      index?: number;
      Error?: string;
      Cause?: unknown;
    }>,
  ) {
    for await (const event of events) {
      if (event.type === 'ExecutionSucceeded' || event.type === 'ExecutionFailed' || event.type === 'ExecutionAborted')
        return;
      if (event.type === 'StateRetried' || event.type === 'StateCaught' || event.type === 'StateFailed') {
        const status = { StateRetried: 'RETRIED', StateCaught: 'CAUGHT', StateFailed: 'FAILED' }[event.type];
        const iteration = event.index === undefined ? {} : { iteration: event.index };
        const detail =
          event.type === 'StateFailed'
            ? { error: event.Error, cause: String(event.Cause), ...iteration }
            : event.index === undefined
              ? null
              : iteration;
        await this.#store
          .recordEvent(id, status, event.state?.name ?? null, detail, { once: event.type !== 'StateRetried' })
          .catch(() => undefined);
      }
    }
  }

  #taskOverride(live: LiveExecution, stateName: string, binding: TaskBinding) {
    // The whole override counts as in flight (journal look-ups included) until it returns or waits.
    const inFlight = async <T>(work: () => Promise<T>): Promise<T> => {
      live.inFlight++;
      live.version++;
      try {
        return await work();
      } finally {
        live.inFlight--;
        this.#maybePark(live);
      }
    };
    /** Runs a task once per (execution, state, input); a replay returns the journaled output. */
    const journaledTask = (input: unknown, run: () => Promise<unknown>) =>
      inFlight(async () => {
        const inputHash = hashOf(input);
        const hit = await this.#store.journaled(live.id, stateName, inputHash);
        if (hit) return hit.output;
        const startedAt = new Date();
        const output = await run();
        await this.#store.journal(live.id, stateName, inputHash, output, startedAt);
        return output;
      });

    if (binding.kind === 'start-execution') {
      return (parameters: { StateMachineArn?: string; Name?: string; Input?: unknown }) =>
        journaledTask(parameters, () => this.#startFromTask(parameters));
    }

    const handler = this.#handlers[binding.placeholder]!;
    if (!binding.waitsForToken) {
      return async (parameters: { Payload?: unknown }) => {
        const payload = parameters.Payload ?? null;
        const output = await journaledTask(payload, () => handler(payload));
        return { Payload: output, StatusCode: 200, ExecutedVersion: '$LATEST' };
      };
    }

    return async (parameters: { Payload?: Record<string, unknown> }) => {
      const { taskToken: _sentinel, ...rest } = parameters.Payload ?? {};
      const inputHash = hashOf(rest);
      const wait = await inFlight(async () => {
        const token = await this.#store.tokenFor(
          live.id,
          stateName,
          inputHash,
          `lt_${randomBytes(24).toString('base64url')}`,
          binding.timeoutSeconds,
        );
        this.#armTimeouts(token.timeout_at);
        if (!(await this.#store.journaled(live.id, stateName, inputHash))) {
          const startedAt = new Date();
          live.handling.add(token.token);
          let output: unknown;
          try {
            output = await handler({ ...rest, taskToken: token.token });
          } finally {
            live.handling.delete(token.token);
          }
          await this.#store.journal(live.id, stateName, inputHash, output, startedAt);
        }
        const current = (await this.#store.token(token.token))!;
        if (current.status !== 'WAITING') return { done: await this.#consume(live.id, stateName, inputHash, current) };
        // Registered before the in-flight count drops, so the park check sees this branch as waiting.
        return {
          waiting: new Promise((resolve, reject) => {
            live.waiters.set(token.token, {
              resolve: (value) => {
                if (live.parked) return resolve(value);
                this.#store
                  .token(token.token)
                  .then((row) => this.#consume(live.id, stateName, inputHash, row!))
                  .then(resolve, reject);
              },
              reject,
            });
          }),
        };
      });
      return 'done' in wait ? wait.done : wait.waiting;
    };
  }

  /**
   * `states:startExecution` from a Task state: starts (and drives) an execution of a machine this engine
   * runs. Like Step Functions, a name in use is accepted only for an open execution with the same input.
   */
  async #startFromTask(parameters: { StateMachineArn?: string; Name?: string; Input?: unknown }) {
    const arn = parameters.StateMachineArn ?? '';
    const machine = arn.startsWith(STATE_MACHINE_ARN_PREFIX) ? arn.slice(STATE_MACHINE_ARN_PREFIX.length) : arn;
    if (!this.#definitions.has(machine))
      throw new NamedTaskError(
        'StepFunctions.StateMachineDoesNotExistException',
        `State machine ${arn} does not exist`,
      );
    const name = parameters.Name ?? randomUUID();
    const input = (
      typeof parameters.Input === 'string' ? JSON.parse(parameters.Input) : (parameters.Input ?? {})
    ) as Record<string, unknown>;
    const executionArn = `arn:aws:states:local:000000000000:execution:${machine}:${name}`;
    if (await this.#store.createExecution(name, machine, input, this.#owner, this.#leaseMs)) {
      this.#drive(name, machine, input);
      return { ExecutionArn: executionArn, StartDate: new Date().toISOString() };
    }
    const existing = await this.#store.describe(name);
    const open = existing?.status === 'RUNNING' || existing?.status === 'WAITING';
    if (existing && open && existing.stateMachine === machine && canonical(existing.input) === canonical(input))
      return { ExecutionArn: executionArn, StartDate: existing.startedAt.toISOString() };
    throw new NamedTaskError(
      'StepFunctions.ExecutionAlreadyExistsException',
      `Execution Already Exists: '${executionArn}'`,
    );
  }

  /** Marks a resolved token as passed (so recovery does not replay for it again) and returns its outcome. */
  async #consume(
    executionId: string,
    stateName: string,
    inputHash: string,
    row: { status: string; output: unknown; error: string | null; cause: string | null; created_at: Date },
  ) {
    await this.#store.journal(executionId, stateName, `token:${inputHash}`, row.output, row.created_at);
    if (row.status === 'FAILED') throw new NamedTaskError(row.error ?? 'States.TaskFailed', row.cause ?? '');
    return row.output;
  }

  /**
   * Parks once every branch is either done or waiting for a token. Checked a turn later because a
   * finished task is followed synchronously by the next state's start.
   */
  #maybePark(live: LiveExecution): void {
    if (live.inFlight > 0 || live.waiters.size === 0 || live.parked || live.parking) return;
    const version = live.version;
    setImmediate(() => {
      if (live.inFlight > 0 || live.waiters.size === 0 || live.parked || live.parking || live.version !== version)
        return;
      void this.#park(live);
    });
  }

  async #park(live: LiveExecution): Promise<void> {
    live.parking = true;
    const resolvedMeanwhile = await this.#store.park(live.id, this.#owner, [...live.waiters.keys()]);
    live.parking = false;
    if (resolvedMeanwhile.length > 0) {
      for (const row of resolvedMeanwhile) {
        const waiter = live.waiters.get(row.token);
        live.waiters.delete(row.token);
        if (row.status === 'FAILED')
          waiter?.reject(new NamedTaskError(row.error ?? 'States.TaskFailed', row.cause ?? ''));
        else waiter?.resolve(row.output);
      }
      return;
    }
    live.parked = true;
    live.abort();
    // Settling the abandoned waits lets the library clear its task timers; the aborted run executes nothing more.
    for (const waiter of live.waiters.values()) waiter.resolve({ parked: true });
    live.waiters.clear();
  }
}
