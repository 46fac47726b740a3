import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalContainer } from '../../../local/local-stack.ts';
import { getAccountAnalysis } from '../../../shared/use-cases/account-views.ts';
import { analyzeAccount } from '../../../shared/use-cases/analyze-accounts.ts';
import { decideApproval } from '../../../shared/use-cases/decide-approval.ts';
import { localBackends, openSyncedStack } from '../../support/local-backends.ts';
import { FIXTURE_AS_OF } from '../../support/local-home.ts';

const fixture = new URL('../../fixtures/sandbox/small-org.json', import.meta.url).pathname;
const SILENT_ACCOUNT = '4876876000000001006';

describe.each(localBackends())('the analysis loop on %s', (_name, makeBackend) => {
  let deps: LocalContainer;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const stack = await openSyncedStack(makeBackend, fixture);
    deps = stack.deps;
    cleanup = stack.close;
  });
  afterAll(async () => cleanup?.());

  it('stops at AwaitingApproval with recommendations that cite real records', async () => {
    const run = await analyzeAccount(deps, { accountId: SILENT_ACCOUNT, asOf: FIXTURE_AS_OF, requestedBy: 'test' });
    expect(run.status).toBe('AWAITING_APPROVAL');
    const analysis = await getAccountAnalysis(deps, SILENT_ACCOUNT, run.id);
    expect(analysis.run.states).toEqual([
      'INITIALIZING',
      'DATA_RETRIEVAL',
      'MEMORY_ANALYSIS',
      'RECOMMENDATION',
      'COMPLIANCE_CHECK',
      'AWAITING_APPROVAL',
    ]);
    expect(analysis.recommendations.length).toBeGreaterThan(0);
    for (const recommendation of analysis.recommendations) {
      expect(recommendation.evidence.length).toBeGreaterThan(0);
      expect(recommendation.approval_id).toMatch(/^[A-Za-z0-9][\w-]{22}$/);
    }
  });

  it('reaches the sandbox over its MCP endpoint first, with REST behind it, and neither tier failed', () => {
    expect(deps.sandbox.mcpUrl).toMatch(/\/mcp\/[^/]+\/message$/);
    expect(deps.crmTiers()).toEqual([
      { name: 'mcp', state: 'closed', failures: 0, lastError: null },
      { name: 'rest', state: 'closed', failures: 0, lastError: null },
      { name: 'bulk-read', state: 'closed', failures: 0, lastError: null },
    ]);
  });

  it('executes an approved recommendation once and completes the run when all are decided', async () => {
    const run = (await deps.runs.latestForAccount(SILENT_ACCOUNT))!;
    const recommendations = await deps.recommendations.listByRun(run.id);
    const approvals = await Promise.all(recommendations.map((r) => deps.approvals.getByRecommendation(r.id)));
    const [first, ...others] = approvals.filter((a) => a !== null);
    const before = deps.sandbox.store!.list('Tasks').length + deps.sandbox.store!.list('Notes').length;

    await decideApproval(deps, { approvalId: first!.id, decision: 'approve', by: 'maria@example.com', channel: 'web' });
    for (const other of others) {
      await decideApproval(deps, {
        approvalId: other!.id,
        decision: 'reject',
        by: 'maria@example.com',
        channel: 'web',
        reason: 'not now',
      });
    }
    await deps.engine!.idle();

    expect((await deps.runs.get(run.id))?.status).toBe('COMPLETED');
    const written = [...deps.sandbox.store!.list('Tasks'), ...deps.sandbox.store!.list('Notes')].filter(
      (r) => r.Sergas_Key === `${first!.recommendationId}:create`,
    );
    expect(written).toHaveLength(1);
    expect(deps.sandbox.store!.list('Tasks').length + deps.sandbox.store!.list('Notes').length).toBe(before + 1);
  });

  it('refuses a second decision and writes nothing more', async () => {
    const run = (await deps.runs.latestForAccount(SILENT_ACCOUNT))!;
    const [recommendation] = await deps.recommendations.listByRun(run.id);
    const approval = (await deps.approvals.getByRecommendation(recommendation!.id))!;
    await expect(
      decideApproval(deps, { approvalId: approval.id, decision: 'approve', by: 'someone@example.com', channel: 'cli' }),
    ).rejects.toMatchObject({ code: 'APPROVAL_ALREADY_DECIDED', status: 409 });
  });

  it('keeps who decided what, with the payload hash, in the audit trail', async () => {
    const run = (await deps.runs.latestForAccount(SILENT_ACCOUNT))!;
    const audit = await deps.audit.list({ runId: run.id });
    const approved = audit.find((e) => e.action === 'approval.approved');
    expect(approved).toMatchObject({ userId: 'maria@example.com', resourceType: 'recommendation' });
    expect(approved?.details.payloadHash).toMatch(/^[0-9a-f]{64}$/);
    expect(audit.map((e) => e.action)).toEqual(
      expect.arrayContaining([
        'run.started',
        'approval.requested',
        'approval.approved',
        'recommendation.executed',
        'run.completed',
      ]),
    );
  });

  it('makes the reviewed state the baseline, so a later owner change is found', async () => {
    const baseline = await deps.baselines.get(SILENT_ACCOUNT);
    expect(baseline?.fields.Owner).toBeTruthy();
  });
});
