import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalWorkflowEngine, type TaskHandler } from '../../../local/workflow/local-workflow-engine.ts';
import { WorkflowStore } from '../../../local/workflow/workflow-store.ts';
import type { Db } from '../../../shared/ports/db.ts';
import { databases, type TestDatabase } from '../../support/databases.ts';

const HOUR = 3600_000;
/** `${Name}`: what CDK substitutes and the local runner binds. */
const placeholder = (name: string) => `\${${name}}`;

/** A wait of an hour, escalated to a wait of half an hour, then a fallback: the approval shape in small. */
const escalatingWait = {
  StartAt: 'Ask',
  States: {
    Ask: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: placeholder('AskFunctionArn'),
        Payload: { 'taskToken.$': '$$.Task.Token', 'item.$': '$.item' },
      },
      ResultPath: '$.answer',
      TimeoutSeconds: 3600,
      Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.timedOut', Next: 'AskAgain' }],
      Next: 'Answered',
    },
    AskAgain: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: placeholder('AskAgainFunctionArn'),
        Payload: { 'taskToken.$': '$$.Task.Token', 'item.$': '$.item' },
      },
      ResultPath: '$.answer',
      TimeoutSeconds: 1800,
      Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.timedOut', Next: 'GaveUp' }],
      Next: 'Answered',
    },
    Answered: { Type: 'Pass', End: true },
    GaveUp: { Type: 'Pass', Result: { answer: 'none' }, End: true },
  },
};

/** A DISTRIBUTED Map (AWS) that starts one child execution per item, fire and forget. */
const fanOut = {
  StartAt: 'StartChildren',
  States: {
    StartChildren: {
      Type: 'Map',
      ItemsPath: '$.items',
      ItemSelector: { 'item.$': '$$.Map.Item.Value', 'batch.$': '$.batch' },
      MaxConcurrency: 2,
      ToleratedFailurePercentage: 0,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        StartAt: 'StartChild',
        States: {
          StartChild: {
            Type: 'Task',
            Resource: 'arn:aws:states:::states:startExecution',
            Parameters: {
              StateMachineArn: placeholder('ChildFlowStateMachineArn'),
              'Name.$': "States.Format('{}-{}', $.batch, $.item)",
              Input: { 'item.$': '$.item', 'startedBy.$': '$$.Execution.Id' },
            },
            ResultPath: null,
            Catch: [
              { ErrorEquals: ['StepFunctions.ExecutionAlreadyExistsException'], ResultPath: null, Next: 'Existed' },
            ],
            Next: 'Started',
          },
          Started: { Type: 'Pass', Result: 'started', End: true },
          Existed: { Type: 'Pass', Result: 'already_started', End: true },
        },
      },
      End: true,
    },
  },
};

const childFlow = {
  StartAt: 'Work',
  States: {
    Work: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: placeholder('WorkFunctionArn'), Payload: { 'item.$': '$.item' } },
      ResultSelector: { 'value.$': '$.Payload' },
      End: true,
    },
  },
};

let dir: string;
const files: Record<string, string> = {};
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sergas-asl-'));
  for (const [name, definition] of Object.entries({
    'escalating-wait': escalatingWait,
    'fan-out': fanOut,
    'child-flow': childFlow,
  })) {
    files[name] = join(dir, `${name}.asl.json`);
    await writeFile(files[name], JSON.stringify(definition));
  }
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

function engineFor(db: Db, handlers: Record<string, TaskHandler>) {
  return new LocalWorkflowEngine({
    store: new WorkflowStore(db),
    // Test machines under the port's names: the engine runs whatever definitions it is given.
    definitions: {
      'account-analysis': files['escalating-wait']!,
      'batch-analysis': files['fan-out']!,
      ...({ 'child-flow': files['child-flow']! } as Record<string, string>),
    },
    handlers,
    owner: 'process-a',
  });
}

describe.each(databases())('the local runner’s timeouts and child executions on %s', (_name, makeDb) => {
  let database: TestDatabase | undefined;
  afterEach(async () => database?.drop());

  const handlers = () => {
    const asked: Record<string, string> = {};
    const calls: string[] = [];
    let engine: LocalWorkflowEngine | undefined;
    let answerAtOnce = false;
    const result = {
      asked,
      calls,
      answerAtOnce: () => {
        answerAtOnce = true;
      },
      bind: (e: LocalWorkflowEngine) => {
        engine = e;
      },
      handlers: {
        AskFunctionArn: async (p: unknown) => {
          asked.ask = (p as { taskToken: string }).taskToken;
          return null;
        },
        AskAgainFunctionArn: async (p: unknown) => {
          const token = (p as { taskToken: string }).taskToken;
          asked.again = token;
          // Like Escalate finding the decision already made: the handler answers its own token.
          if (answerAtOnce) await engine!.sendTaskSuccess(token, { answer: 'found already' });
          return null;
        },
        WorkFunctionArn: async (p: unknown) => {
          calls.push((p as { item: string }).item);
          return { done: (p as { item: string }).item };
        },
      } satisfies Record<string, TaskHandler>,
    };
    return result;
  };

  it('times a wait out only once its deadline has passed, then the ASL catches States.Timeout', async () => {
    database = await makeDb();
    const h = handlers();
    const engine = engineFor(database.db, h.handlers);
    h.bind(engine);
    await engine.startExecution('account-analysis', 'wait-1', { item: 'a' });
    await engine.settled('wait-1');
    expect(await engine.expireWaits(new Date(Date.now() + HOUR / 2))).toEqual([]);
    expect((await engine.describeExecution('wait-1'))?.status).toBe('WAITING');

    expect(await engine.expireWaits(new Date(Date.now() + HOUR + 60_000))).toEqual(['wait-1']);
    await engine.idle();
    expect(h.asked.again).toBeDefined();
    expect((await engine.describeExecution('wait-1'))?.status).toBe('WAITING');
    await expect(engine.sendTaskSuccess(h.asked.ask!, { answer: 'late' })).rejects.toMatchObject({
      code: 'TASK_TOKEN_INVALID',
    });

    await engine.expireWaits(new Date(Date.now() + HOUR + HOUR / 2 + 120_000));
    await engine.idle();
    const done = await engine.describeExecution('wait-1');
    expect(done).toMatchObject({ status: 'SUCCEEDED', output: { answer: 'none' } });
    const history = await engine.getExecutionHistory('wait-1');
    // Each wait: its token (failed), the failure and the catch, once each although every replay passes them.
    const waits = history.filter((s) => s.state === 'Ask' || s.state === 'AskAgain');
    expect(waits.map((s) => `${s.state} ${s.status}`).sort()).toEqual([
      'Ask CAUGHT',
      'Ask FAILED',
      'Ask FAILED',
      'AskAgain CAUGHT',
      'AskAgain FAILED',
      'AskAgain FAILED',
    ]);
    expect(waits.filter((s) => s.status === 'FAILED').map((s) => (s.detail as { error: string }).error)).toEqual([
      'States.Timeout',
      'States.Timeout',
      'States.Timeout',
      'States.Timeout',
    ]);
  });

  it('takes an answer in the second wait, and times out a wait parked by another process', async () => {
    database = await makeDb();
    const first = handlers();
    const starter = engineFor(database.db, first.handlers);
    first.bind(starter);
    await starter.startExecution('account-analysis', 'wait-2', { item: 'b' });
    await starter.settled('wait-2');

    const second = handlers();
    const sweeper = engineFor(database.db, second.handlers);
    second.bind(sweeper);
    await sweeper.expireWaits(new Date(Date.now() + 2 * HOUR));
    await sweeper.idle();
    expect(second.asked.again).toBeDefined();
    await sweeper.sendTaskSuccess(second.asked.again!, { answer: 'yes' });
    await sweeper.idle();
    expect(await sweeper.describeExecution('wait-2')).toMatchObject({
      status: 'SUCCEEDED',
      output: { item: 'b', answer: { answer: 'yes' } },
    });
  });

  it('lets a wait state’s handler answer its own token', async () => {
    database = await makeDb();
    const h = handlers();
    const engine = engineFor(database.db, h.handlers);
    h.bind(engine);
    h.answerAtOnce();
    await engine.startExecution('account-analysis', 'wait-3', { item: 'c' });
    await engine.settled('wait-3');
    await engine.expireWaits(new Date(Date.now() + 2 * HOUR));
    await engine.idle();
    expect(await engine.describeExecution('wait-3')).toMatchObject({
      status: 'SUCCEEDED',
      output: { answer: { answer: 'found already' } },
    });
  });

  it('runs a DISTRIBUTED map inline and starts each named child once, whatever the re-runs', async () => {
    database = await makeDb();
    const h = handlers();
    const engine = engineFor(database.db, h.handlers);
    h.bind(engine);
    await engine.startExecution('batch-analysis', 'fan-1', { batch: 'b1', items: ['x', 'y', 'z'] });
    await engine.idle();
    expect(await engine.describeExecution('fan-1')).toMatchObject({
      status: 'SUCCEEDED',
      output: ['started', 'started', 'started'],
    });
    await engine.startExecution('batch-analysis', 'fan-2', { batch: 'b1', items: ['x', 'y', 'z', 'w'] });
    await engine.idle();
    expect(await engine.describeExecution('fan-2')).toMatchObject({
      status: 'SUCCEEDED',
      output: ['already_started', 'already_started', 'already_started', 'started'],
    });
    expect(h.calls.sort()).toEqual(['w', 'x', 'y', 'z']);
    expect(await engine.describeExecution('b1-x')).toMatchObject({
      stateMachine: 'child-flow',
      status: 'SUCCEEDED',
      output: { value: { done: 'x' } },
    });
  });
});
