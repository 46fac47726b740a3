import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalContainer, openLocalContainer } from '../../../local/local-stack.ts';
import { loadSandboxFile } from '../../../local/zoho-sandbox/sandbox-org.ts';
import { analyzeBatch, batchRunId } from '../../../shared/use-cases/batch-analysis.ts';
import { syncFull } from '../../../shared/use-cases/sync-full.ts';
import { FIXTURE_AS_OF, tempHome } from '../../support/local-home.ts';

const fixture = new URL('../../fixtures/sandbox/small-org.json', import.meta.url).pathname;
const ACCOUNTS = ['4876876000000001001', '4876876000000001003', '4876876000000001006'];

describe('the batch-analysis workflow', () => {
  let deps: LocalContainer;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const home = await tempHome();
    deps = await openLocalContainer(home.config());
    await deps.sandbox.store!.replace(await loadSandboxFile(fixture));
    await syncFull(deps);
    cleanup = async () => {
      await deps.close();
      await home.remove();
    };
  });
  afterAll(async () => cleanup?.());

  const accountAnalyses = async () =>
    (
      await deps.db.query<{ id: string }>(
        `SELECT id FROM workflow_executions WHERE state_machine = 'account-analysis' ORDER BY id`,
      )
    ).map((row) => row.id);

  it('gives every account of a batch the same run id on every run of the batch, a UUID of ≤ 80 characters', () => {
    const id = batchRunId('nightly', ACCOUNTS[0]!);
    expect(id).toBe(batchRunId('nightly', ACCOUNTS[0]!));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(batchRunId('nightly', ACCOUNTS[1]!)).not.toBe(id);
    expect(batchRunId('weekly', ACCOUNTS[0]!)).not.toBe(id);
  });

  it('starts one analysis per account, and running the same batch again starts none twice', async () => {
    const settled: string[] = [];
    const first = await analyzeBatch(
      deps,
      { batchId: 'nightly-1', accountIds: [...ACCOUNTS, '999'], asOf: FIXTURE_AS_OF, requestedBy: 'test' },
      (entry) => settled.push(entry.accountId),
    );
    expect(first.summary).toEqual({
      batchId: 'nightly-1',
      accounts: 4,
      started: 3,
      alreadyStarted: 0,
      failed: [{ accountId: '999', error: 'NotFoundError' }],
    });
    expect(settled.sort()).toEqual([...ACCOUNTS, '999'].sort());
    for (const entry of first.runs.filter((r) => r.accountId !== '999')) {
      expect(entry.outcome).toBe('started');
      expect(entry.runId).toBe(batchRunId('nightly-1', entry.accountId));
      expect(['AWAITING_APPROVAL', 'COMPLETED']).toContain(entry.run?.status);
    }
    const started = await accountAnalyses();
    expect(started).toEqual(ACCOUNTS.map((a) => batchRunId('nightly-1', a)).sort());

    const again = await analyzeBatch(deps, {
      batchId: 'nightly-1',
      accountIds: [...ACCOUNTS, '999'],
      asOf: new Date(FIXTURE_AS_OF.getTime() + 3600_000),
      requestedBy: 'test',
    });
    expect(again.summary).toMatchObject({ accounts: 4, started: 0, alreadyStarted: 3 });
    expect(again.runs.filter((r) => r.accountId !== '999').map((r) => r.outcome)).toEqual([
      'already_started',
      'already_started',
      'already_started',
    ]);
    expect(await accountAnalyses()).toEqual(started);
    for (const accountId of ACCOUNTS) {
      const audit = await deps.audit.list({ runId: batchRunId('nightly-1', accountId) });
      expect(audit.filter((e) => e.action === 'run.started')).toHaveLength(1);
    }
    expect(await deps.audit.list({ resourceType: 'batch', resourceId: 'nightly-1' })).toHaveLength(2);
  });

  it('starts new runs for a new batch id', async () => {
    const result = await analyzeBatch(deps, {
      batchId: 'nightly-2',
      accountIds: ACCOUNTS.slice(0, 1),
      asOf: FIXTURE_AS_OF,
      requestedBy: 'test',
    });
    expect(result.summary).toMatchObject({ started: 1, alreadyStarted: 0, failed: [] });
    expect(await accountAnalyses()).toHaveLength(ACCOUNTS.length + 1);
  });

  it('refuses a batch id an execution name cannot carry', async () => {
    await expect(
      analyzeBatch(deps, { batchId: 'no spaces', accountIds: ACCOUNTS, asOf: FIXTURE_AS_OF, requestedBy: 'test' }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
