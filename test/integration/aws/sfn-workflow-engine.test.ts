import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  GetExecutionHistoryCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SfnWorkflowEngine } from '../../../shared/adapters/aws/sfn-workflow-engine.ts';

const MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:sergas-dev-account-analysis';
const sfn = mockClient(SFNClient);
const engine = () => new SfnWorkflowEngine({ 'account-analysis': MACHINE }, new SFNClient({ region: 'eu-west-1' }));

describe('the Step Functions workflow engine', () => {
  beforeEach(() => sfn.reset());

  it('starts an execution named after the run with the input as JSON', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${MACHINE}:run-1`, startDate: new Date() });
    await engine().startExecution('account-analysis', 'run-1', { runId: 'run-1' });
    expect(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: MACHINE,
      name: 'run-1',
      input: '{"runId":"run-1"}',
    });
  });

  it('treats an execution that already exists as started', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    await expect(engine().startExecution('account-analysis', 'run-1', {})).resolves.toEqual({ executionId: 'run-1' });
  });

  it('sends the decision as the task output', async () => {
    sfn.on(SendTaskSuccessCommand).resolves({});
    await engine().sendTaskSuccess('token-1', { decision: 'approve' });
    expect(sfn.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input).toEqual({
      taskToken: 'token-1',
      output: '{"decision":"approve"}',
    });
  });

  it('reports a token that is no longer waiting as TASK_TOKEN_INVALID', async () => {
    sfn.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: 'timed out', $metadata: {} }));
    await expect(engine().sendTaskSuccess('token-1', {})).rejects.toMatchObject({ code: 'TASK_TOKEN_INVALID' });
  });

  it('describes an execution by run id through its ARN', async () => {
    sfn.on(DescribeExecutionCommand).resolves({
      name: 'run-1',
      status: 'SUCCEEDED',
      startDate: new Date(0),
      stateMachineArn: MACHINE,
      executionArn: 'x',
    });
    const description = await engine().describeExecution('run-1');
    expect(sfn.commandCalls(DescribeExecutionCommand)[0]?.args[0].input.executionArn).toBe(
      'arn:aws:states:eu-west-1:123456789012:execution:sergas-dev-account-analysis:run-1',
    );
    expect(description?.status).toBe('SUCCEEDED');
  });

  it('turns the history into one step per task state, open while it waits', async () => {
    const at = new Date('2026-11-24T10:00:00Z');
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        { id: 1, type: 'ExecutionStarted', timestamp: at },
        {
          id: 2,
          previousEventId: 1,
          type: 'TaskStateEntered',
          timestamp: at,
          stateEnteredEventDetails: { name: 'Initializing' },
        },
        { id: 3, previousEventId: 2, type: 'TaskScheduled', timestamp: at },
        {
          id: 4,
          previousEventId: 3,
          type: 'TaskStateExited',
          timestamp: at,
          stateExitedEventDetails: { name: 'Initializing' },
        },
        {
          id: 5,
          previousEventId: 4,
          type: 'TaskStateEntered',
          timestamp: at,
          stateEnteredEventDetails: { name: 'AwaitingApproval' },
        },
      ],
    });
    const steps = await engine().getExecutionHistory('run-1');
    expect(steps.map((s) => [s.state, s.status])).toEqual([
      ['Initializing', 'SUCCEEDED'],
      ['AwaitingApproval', 'WAITING'],
    ]);
  });
});
