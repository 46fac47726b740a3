import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { AppError } from '../../errors.ts';
import type {
  ExecutionDescription,
  ExecutionStatus,
  ExecutionStep,
  StateMachineName,
  WorkflowEngine,
} from '../../ports/workflow-engine.ts';

const STATUS: Record<string, ExecutionStatus> = {
  RUNNING: 'RUNNING',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
  TIMED_OUT: 'FAILED',
  ABORTED: 'FAILED',
  PENDING_REDRIVE: 'FAILED',
};

/**
 * AWS Step Functions behind the WorkflowEngine port; execution names are our run ids. Executions of the
 * account-analysis machine are known by name; others' by the execution ARN `startExecution` returns.
 */
export class SfnWorkflowEngine implements WorkflowEngine {
  readonly #client: SFNClient;
  readonly #stateMachines: { 'account-analysis': string } & Partial<Record<StateMachineName, string>>;

  constructor(
    stateMachines: { 'account-analysis': string } & Partial<Record<StateMachineName, string>>,
    client = new SFNClient({}),
  ) {
    this.#client = client;
    this.#stateMachines = stateMachines;
  }

  #executionArn(executionId: string): string {
    if (executionId.startsWith('arn:')) return executionId;
    const machine = this.#stateMachines['account-analysis'];
    return `${machine.replace(':stateMachine:', ':execution:')}:${executionId}`;
  }

  async startExecution(stateMachine: StateMachineName, name: string, input: Record<string, unknown>) {
    const stateMachineArn = this.#stateMachines[stateMachine];
    if (!stateMachineArn)
      throw new AppError('CONFIG_INVALID', `No ARN configured for the ${stateMachine} state machine`);
    try {
      await this.#client.send(
        new StartExecutionCommand({
          stateMachineArn,
          name,
          input: JSON.stringify(input),
        }),
      );
    } catch (error) {
      // Same name and input: Step Functions treats the start as idempotent; anything else is a real conflict.
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
    }
    if (stateMachine === 'account-analysis') return { executionId: name };
    return { executionId: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}` };
  }

  async sendTaskSuccess(taskToken: string, output: Record<string, unknown>) {
    await this.#task(() =>
      this.#client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) })),
    );
  }

  async sendTaskFailure(taskToken: string, error: string, cause: string) {
    await this.#task(() => this.#client.send(new SendTaskFailureCommand({ taskToken, error, cause })));
  }

  async #task(send: () => Promise<unknown>) {
    try {
      await send();
    } catch (error) {
      if (error instanceof TaskDoesNotExist || error instanceof TaskTimedOut || error instanceof InvalidToken) {
        throw new AppError('TASK_TOKEN_INVALID', `Task token is not waiting: ${error.name}`, {
          status: 409,
          cause: error,
        });
      }
      throw error;
    }
  }

  async describeExecution(executionId: string): Promise<ExecutionDescription | null> {
    try {
      const out = await this.#client.send(
        new DescribeExecutionCommand({ executionArn: this.#executionArn(executionId) }),
      );
      return {
        executionId: out.name ?? executionId,
        stateMachine: out.stateMachineArn ?? '',
        status: STATUS[out.status ?? 'RUNNING'] ?? 'RUNNING',
        input: out.input ? JSON.parse(out.input) : null,
        output: out.output ? JSON.parse(out.output) : null,
        error: out.error ?? null,
        cause: out.cause ?? null,
        startedAt: out.startDate ?? new Date(0),
        stoppedAt: out.stopDate ?? null,
      };
    } catch (error) {
      if (error instanceof ExecutionDoesNotExist) return null;
      throw error;
    }
  }

  /** Task states as console rows: entered → succeeded/failed, with the wait states still open. */
  async getExecutionHistory(executionId: string): Promise<ExecutionStep[]> {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.#client.send(
        new GetExecutionHistoryCommand({ executionArn: this.#executionArn(executionId), nextToken, maxResults: 1000 }),
      );
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    const byId = new Map(events.map((e) => [e.id, e]));
    const steps: ExecutionStep[] = [];
    const open = new Map<number, ExecutionStep>();
    for (const event of events) {
      if (event.type === 'TaskStateEntered' && event.stateEnteredEventDetails?.name) {
        const step: ExecutionStep = {
          state: event.stateEnteredEventDetails.name,
          status: 'WAITING',
          startedAt: event.timestamp ?? new Date(0),
          endedAt: null,
          detail: null,
        };
        open.set(event.id ?? 0, step);
        steps.push(step);
      }
      if (event.type === 'TaskStateExited' || event.type === 'TaskFailed' || event.type === 'TaskTimedOut') {
        let cursor = event.previousEventId;
        while (cursor !== undefined && !open.has(cursor)) cursor = byId.get(cursor)?.previousEventId;
        const step = cursor !== undefined ? open.get(cursor) : undefined;
        if (step) {
          step.status = event.type === 'TaskStateExited' ? 'SUCCEEDED' : 'FAILED';
          step.endedAt = event.timestamp ?? null;
          open.delete(cursor!);
        }
      }
    }
    return steps;
  }
}
