import { createHash, randomBytes } from 'node:crypto';
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
  definitions: Record<StateMachineName, string | URL>;
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
const WAIT_RESOURCE = 'arn:aws:states:::lambda:invoke.waitForTaskToken';

interface TaskBinding {
  placeholder: string;
  waitsForToken: boolean;
}

type AslState = {
  Type: string;
  Resource?: string;
  Parameters?: { FunctionName?: string };
  ItemProcessor?: AslMachine;
  Iterator?: AslMachine;
  Branches?: AslMachine[];
};
type AslMachine = { StartAt: string; States: Record<string, AslState> };

interface Waiter {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** One execution being driven by this process, from its start (or replay) to parking or its end. */
interface LiveExecution {
  id: string;
  inFlight: number;
  waiters: Map<string, Waiter>;
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
  readonly #definitions = new Map<string, { definition: AslMachine; bindings: Map<string, TaskBinding> }>();
  readonly #owner: string;
  readonly #leaseMs: number;
  readonly #live = new Map<string, LiveExecution>();

  constructor(options: LocalWorkflowEngineOptions) {
    this.#store = options.store;
    this.#handlers = options.handlers;
    this.#owner = options.owner ?? `local-${process.pid}-${randomBytes(4).toString('hex')}`;
    this.#leaseMs = options.leaseMs ?? 60_000;
    for (const [name, file] of Object.entries(options.definitions)) {
      this.#definitions.set(name, this.#load(readFileSync(file, 'utf8')));
    }
  }

  #load(text: string) {
    const definition = JSON.parse(
      text.replace(/\$\{(\w+)\}/g, (_match, placeholder: string) => `${LAMBDA_ARN_PREFIX}${placeholder}`),
    ) as AslMachine;
    const bindings = new Map<string, TaskBinding>();
    const visit = (machine: AslMachine) => {
      for (const [stateName, state] of Object.entries(machine.States)) {
        const fn = state.Parameters?.FunctionName;
        if (state.Type === 'Task' && fn?.startsWith(LAMBDA_ARN_PREFIX)) {
          if (bindings.has(stateName))
            throw new Error(`State name ${stateName} is used twice; the local runner needs unique names`);
          const placeholder = fn.slice(LAMBDA_ARN_PREFIX.length);
          if (!this.#handlers[placeholder]) throw new Error(`No local handler for ${placeholder} (state ${stateName})`);
          bindings.set(stateName, { placeholder, waitsForToken: state.Resource === WAIT_RESOURCE });
        }
        for (const nested of [state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])])
          if (nested) visit(nested);
      }
    };
    visit(definition);
    return { definition, bindings };
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
      throw new TaskTokenInvalidError(existing ? `already ${existing.status.toLowerCase()}` : 'unknown token');
    }
    const live = this.#live.get(row.execution_id);
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
    const ids = await this.#store.recoverable();
    const resumed: string[] = [];
    for (const id of ids) if (await this.resume(id)) resumed.push(id);
    return resumed;
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
    const machine = new StateMachine(loaded.definition as unknown as StateMachineDefinition, {
      validationOptions: { checkArn: true, checkPaths: true },
    });
    const execution = machine.run(input as Parameters<StateMachine['run']>[0], {
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

  /** Writes retries, catches and failures to the history; resolves when the execution's event log closes. */
  async #recordFailures(
    id: string,
    events: AsyncGenerator<{ type: string; state?: { name: string }; Error?: string; Cause?: unknown }>,
  ) {
    for await (const event of events) {
      if (event.type === 'ExecutionSucceeded' || event.type === 'ExecutionFailed' || event.type === 'ExecutionAborted')
        return;
      if (event.type === 'StateRetried' || event.type === 'StateCaught' || event.type === 'StateFailed') {
        const status = { StateRetried: 'RETRIED', StateCaught: 'CAUGHT', StateFailed: 'FAILED' }[event.type];
        const detail = event.type === 'StateFailed' ? { error: event.Error, cause: String(event.Cause) } : null;
        await this.#store.recordEvent(id, status, event.state?.name ?? null, detail).catch(() => undefined);
      }
    }
  }

  #taskOverride(live: LiveExecution, stateName: string, binding: TaskBinding) {
    const handler = this.#handlers[binding.placeholder]!;
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

    if (!binding.waitsForToken) {
      return (parameters: { Payload?: unknown }) =>
        inFlight(async () => {
          const payload = parameters.Payload ?? null;
          const inputHash = hashOf(payload);
          const hit = await this.#store.journaled(live.id, stateName, inputHash);
          const startedAt = new Date();
          const output = hit ? hit.output : await handler(payload);
          if (!hit) await this.#store.journal(live.id, stateName, inputHash, output, startedAt);
          return { Payload: output, StatusCode: 200, ExecutedVersion: '$LATEST' };
        });
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
        );
        if (!(await this.#store.journaled(live.id, stateName, inputHash))) {
          const startedAt = new Date();
          const output = await handler({ ...rest, taskToken: token.token });
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
