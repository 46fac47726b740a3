import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalWorkflowEngine, type TaskHandler } from '../../../local/workflow/local-workflow-engine.ts';
import { WorkflowStore } from '../../../local/workflow/workflow-store.ts';
import type { Db } from '../../../shared/ports/db.ts';
import { databases, type TestDatabase } from '../../support/databases.ts';

const definition = new URL('../../fixtures/workflow/review-flow.asl.json', import.meta.url);

/** Handlers that record every call, as a side effect the journal must not repeat. */
function recordingHandlers() {
  const calls: { fn: string; payload: Record<string, unknown> }[] = [];
  const tokens = new Map<string, string>();
  const record =
    (fn: string, result: (payload: Record<string, unknown>) => unknown): TaskHandler =>
    async (payload) => {
      calls.push({ fn, payload: payload as Record<string, unknown> });
      return result(payload as Record<string, unknown>);
    };
  const handlers: Record<string, TaskHandler> = {
    PrepareFunctionArn: record('prepare', (p) => {
      if ((p.items as string[]).includes('explode'))
        throw Object.assign(new Error('bad item'), { name: 'ValidationError' });
      return { items: p.items };
    }),
    AskFunctionArn: record('ask', (p) => {
      tokens.set(p.item as string, p.taskToken as string);
      return { asked: p.item };
    }),
    ActFunctionArn: record('act', (p) => ({ acted: p.item })),
    FinishFunctionArn: record('finish', () => ({ ok: true })),
    RecordFailureFunctionArn: record('recordFailure', () => null),
  };
  const count = (fn: string) => calls.filter((c) => c.fn === fn).length;
  return { handlers, calls, tokens, count };
}

/** An engine as one process would have it: its own lease owner, the shared database. */
function engineFor(db: Db, handlers: Record<string, TaskHandler>, owner: string, leaseMs = 60_000) {
  return new LocalWorkflowEngine({
    store: new WorkflowStore(db),
    definitions: { 'account-analysis': definition },
    handlers,
    owner,
    leaseMs,
  });
}

describe.each(databases())('the local workflow runner on %s', (_name, makeDb) => {
  let database: TestDatabase | undefined;
  afterEach(async () => database?.drop());

  it('parks an execution once every branch waits for its token', async () => {
    database = await makeDb();
    const { handlers, count } = recordingHandlers();
    const engine = engineFor(database.db, handlers, 'process-a');
    await engine.startExecution('account-analysis', 'run-1', { runId: 'run-1', items: ['a', 'b'] });
    await engine.settled('run-1');
    expect((await engine.describeExecution('run-1'))?.status).toBe('WAITING');
    expect(count('ask')).toBe(2);
    expect(count('act')).toBe(0);
  });

  it('lets another process resolve a token and finish the run without repeating journaled tasks', async () => {
    database = await makeDb();
    const first = recordingHandlers();
    const starter = engineFor(database.db, first.handlers, 'process-a');
    await starter.startExecution('account-analysis', 'run-2', { runId: 'run-2', items: ['a', 'b'] });
    await starter.settled('run-2');

    const second = recordingHandlers();
    const approver = engineFor(database.db, second.handlers, 'process-b');
    await approver.sendTaskSuccess(first.tokens.get('a')!, { decision: 'approve' });
    await approver.idle();
    expect((await approver.describeExecution('run-2'))?.status).toBe('WAITING');
    await approver.sendTaskSuccess(first.tokens.get('b')!, { decision: 'reject' });
    await approver.idle();

    const done = await approver.describeExecution('run-2');
    expect(done?.status).toBe('SUCCEEDED');
    expect(second.count('prepare') + second.count('ask')).toBe(0);
    expect(second.calls.filter((c) => c.fn === 'act').map((c) => c.payload.item)).toEqual(['a']);
    expect(second.count('finish')).toBe(1);
  });

  it('refuses to resolve a token twice', async () => {
    database = await makeDb();
    const { handlers, tokens } = recordingHandlers();
    const engine = engineFor(database.db, handlers, 'process-a');
    await engine.startExecution('account-analysis', 'run-3', { runId: 'run-3', items: ['a'] });
    await engine.settled('run-3');
    await engine.sendTaskSuccess(tokens.get('a')!, { decision: 'approve' });
    await engine.idle();
    await expect(engine.sendTaskSuccess(tokens.get('a')!, { decision: 'approve' })).rejects.toMatchObject({
      code: 'TASK_TOKEN_INVALID',
    });
  });

  it('resumes in the same process when the token is resolved before the run parks', async () => {
    database = await makeDb();
    const { handlers, tokens, count } = recordingHandlers();
    const engine = engineFor(database.db, handlers, 'process-a');
    await engine.startExecution('account-analysis', 'run-4', { runId: 'run-4', items: ['a'] });
    while (!tokens.has('a')) await new Promise((resolve) => setTimeout(resolve, 1));
    await engine.sendTaskSuccess(tokens.get('a')!, { decision: 'approve' });
    await engine.idle();
    expect((await engine.describeExecution('run-4'))?.status).toBe('SUCCEEDED');
    expect(count('act')).toBe(1);
  });

  it('recovers an execution whose runner died, replaying from the journal', async () => {
    database = await makeDb();
    const first = recordingHandlers();
    const dying = engineFor(database.db, first.handlers, 'process-a', 200);
    await dying.startExecution('account-analysis', 'run-5', { runId: 'run-5', items: ['a'] });
    await dying.settled('run-5');
    // Simulate a crash after the approval was recorded but before anyone resumed the run.
    await database.db.query(`UPDATE workflow_task_tokens SET status = 'SUCCEEDED', output = '{"decision":"approve"}'`);

    const second = recordingHandlers();
    const restarted = engineFor(database.db, second.handlers, 'process-b');
    expect(await restarted.recover()).toEqual(['run-5']);
    await restarted.idle();
    expect((await restarted.describeExecution('run-5'))?.status).toBe('SUCCEEDED');
    expect(second.count('prepare')).toBe(0);
    expect(second.count('act')).toBe(1);
    expect(await restarted.recover()).toEqual([]);
  });

  it('records a caught failure and ends the execution failed', async () => {
    database = await makeDb();
    const { handlers, count } = recordingHandlers();
    const engine = engineFor(database.db, handlers, 'process-a');
    await engine.startExecution('account-analysis', 'run-6', { runId: 'run-6', items: ['explode'] });
    await engine.idle();
    const failed = await engine.describeExecution('run-6');
    expect(failed).toMatchObject({ status: 'FAILED', error: 'ReviewFailed' });
    expect(count('recordFailure')).toBe(1);
    const history = await engine.getExecutionHistory('run-6');
    expect(history.map((step) => [step.state, step.status])).toContainEqual(['Prepare', 'FAILED']);
  });

  it('starts nothing twice for the same execution name', async () => {
    database = await makeDb();
    const { handlers, count } = recordingHandlers();
    const engine = engineFor(database.db, handlers, 'process-a');
    await engine.startExecution('account-analysis', 'run-7', { runId: 'run-7', items: ['a'] });
    await engine.startExecution('account-analysis', 'run-7', { runId: 'run-7', items: ['a'] });
    await engine.idle();
    expect(count('prepare')).toBe(1);
  });
});

describe('the local workflow runner’s definitions', () => {
  it('refuses a definition that is not valid ASL when the engine is built, before anything runs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'asl-'));
    const invalid = join(dir, 'invalid.asl.json');
    await writeFile(
      invalid,
      JSON.stringify({ StartAt: 'Only', States: { Only: { Type: 'Pass', InputPath: 'not a path', End: true } } }),
    );
    const build = () =>
      new LocalWorkflowEngine({
        store: {} as WorkflowStore,
        definitions: { 'account-analysis': invalid },
        handlers: {},
        owner: 'test',
      });

    expect(build).toThrow(/State machine definition is invalid/);
    await rm(dir, { recursive: true, force: true });
  });
});
