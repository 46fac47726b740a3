/**
 * Starts and resumes workflow executions. Step Functions on AWS; the local runner (local/workflow)
 * everywhere else. Both run the same ASL files with the same task handlers.
 */
export type StateMachineName = 'account-analysis' | 'batch-analysis';

export type ExecutionStatus = 'RUNNING' | 'WAITING' | 'SUCCEEDED' | 'FAILED';

export interface ExecutionDescription {
  executionId: string;
  stateMachine: string;
  status: ExecutionStatus;
  input: unknown;
  output: unknown;
  error: string | null;
  cause: string | null;
  startedAt: Date;
  stoppedAt: Date | null;
}

/** One step of an execution's history, like a row of the Step Functions console. */
export interface ExecutionStep {
  state: string;
  status: 'SUCCEEDED' | 'WAITING' | 'FAILED' | 'RETRIED' | 'CAUGHT';
  startedAt: Date;
  endedAt: Date | null;
  detail: unknown;
}

export interface WorkflowEngine {
  /** Starts an execution named `name` (idempotent: a name that already exists starts nothing new). */
  startExecution(
    stateMachine: StateMachineName,
    name: string,
    input: Record<string, unknown>,
  ): Promise<{ executionId: string }>;
  /** Resolves a waiting task (`.waitForTaskToken`) with its output; the execution continues. */
  sendTaskSuccess(taskToken: string, output: Record<string, unknown>): Promise<void>;
  sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void>;
  describeExecution(executionId: string): Promise<ExecutionDescription | null>;
  getExecutionHistory(executionId: string): Promise<ExecutionStep[]>;
}
