import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalContainer } from '../../../local/local-stack.ts';
import { showRun } from '../../../shared/use-cases/account-views.ts';
import { analyzeAccount } from '../../../shared/use-cases/analyze-accounts.ts';
import { decideApproval } from '../../../shared/use-cases/decide-approval.ts';
import { localBackends, openSyncedStack, RecordingNotifier } from '../../support/local-backends.ts';
import { FIXTURE_AS_OF } from '../../support/local-home.ts';

const fixture = new URL('../../fixtures/sandbox/small-org.json', import.meta.url).pathname;
const SILENT_ACCOUNT = '4876876000000001006';
/** The account's owner, Nina Patel, reports to Rachel Adams in the fixture. */
const MANAGER = '4876876000000000101';
const HOUR = 3600_000;

describe.each(localBackends())(
  'approvals nobody decides on %s: 72 h → the manager for 24 h → expired (deny)',
  (_name, makeBackend) => {
    let deps: LocalContainer;
    let cleanup: () => Promise<void>;
    const notifier = new RecordingNotifier();
    /**
     * "Now" for the runner's deadlines, moved forward by the tests instead of waiting days. Taken as the run
     * starts, not when the file is collected: a wait's deadline counts from when it parked, and the stack, the
     * sync and the other backend's tests before it can take longer than the minute `later` allows past one.
     */
    let start: number;
    const later = (ms: number) => new Date(start + ms);

    beforeAll(async () => {
      const stack = await openSyncedStack(makeBackend, fixture);
      deps = stack.deps;
      Object.assign(deps, { notifier });
      cleanup = stack.close;
    });
    afterAll(async () => cleanup?.());

    const approvalsOf = async (runId: string) => {
      const recommendations = await deps.recommendations.listByRun(runId);
      return (await Promise.all(recommendations.map((r) => deps.approvals.getByRecommendation(r.id)))).filter(
        (a) => a !== null,
      );
    };

    it('escalates every undecided approval to the owner’s manager after 72 hours, and keeps waiting', async () => {
      start = Date.now();
      const run = await analyzeAccount(deps, { accountId: SILENT_ACCOUNT, asOf: FIXTURE_AS_OF, requestedBy: 'test' });
      expect(run.status).toBe('AWAITING_APPROVAL');
      const before = await approvalsOf(run.id);
      expect(before.length).toBeGreaterThan(1);

      expect(await deps.engine!.expireWaits(later(71 * HOUR))).toEqual([]);
      expect(await deps.engine!.expireWaits(later(72 * HOUR + 60_000))).toEqual([run.id]);
      await deps.engine!.idle();

      const after = await approvalsOf(run.id);
      for (const approval of after) {
        expect(approval).toMatchObject({ status: 'pending', escalatedTo: MANAGER });
        expect(approval.escalatedAt).toBeInstanceOf(Date);
        // The manager gets a full window to decide, whatever the recommendation's own expiry was.
        expect(approval.expiresAt.getTime()).toBeGreaterThanOrEqual(approval.escalatedAt!.getTime() + 24 * HOUR - 1000);
      }
      // The links already sent stay valid: the approval ids do not change.
      expect(after.map((a) => a.id).sort()).toEqual(before.map((a) => a.id).sort());
      const escalations = notifier.sent.filter((m) => m.kind === 'approval_escalated');
      expect(escalations.map((m) => m.approvalId).sort()).toEqual(before.map((a) => a.id).sort());
      expect(escalations.every((m) => m.to.userId === MANAGER && m.links.length === 1)).toBe(true);
      expect((await deps.runs.get(run.id))?.status).toBe('AWAITING_APPROVAL');
      const audit = await deps.audit.list({ runId: run.id });
      expect(audit.filter((e) => e.action === 'approval.escalated')).toHaveLength(before.length);
    });

    it('takes a decision made in the escalation window, and expires the rest after 24 more hours', async () => {
      const run = (await deps.runs.latestForAccount(SILENT_ACCOUNT))!;
      const [first, ...others] = await approvalsOf(run.id);
      const writesBefore = deps.sandbox.store!.list('Tasks').length + deps.sandbox.store!.list('Notes').length;

      await decideApproval(deps, {
        approvalId: first!.id,
        decision: 'approve',
        by: 'rachel@example.com',
        channel: 'web',
      });
      await deps.engine!.idle();
      expect((await deps.approvals.get(first!.id))?.status).toBe('approved');
      // Written to the CRM, and the run waits on the others again.
      expect((await deps.runs.get(run.id))?.status).toBe('AWAITING_APPROVAL');

      await deps.engine!.expireWaits(later(72 * HOUR + 24 * HOUR + 120_000));
      await deps.engine!.idle();

      expect((await deps.runs.get(run.id))?.status).toBe('COMPLETED');
      for (const other of others) {
        expect(await deps.approvals.get(other!.id)).toMatchObject({ status: 'expired' });
        expect((await deps.recommendations.get(other!.recommendationId))?.status).toBe('expired');
        // Expired means denied: a late click gets 410.
        await expect(
          decideApproval(deps, {
            approvalId: other!.id,
            decision: 'approve',
            by: 'rachel@example.com',
            channel: 'web',
          }),
        ).rejects.toMatchObject({ status: 410 });
      }
      // Only the approved recommendation reached the CRM.
      const writesAfter = deps.sandbox.store!.list('Tasks').length + deps.sandbox.store!.list('Notes').length;
      expect(writesAfter).toBe(writesBefore + 1);
      const audit = await deps.audit.list({ runId: run.id });
      expect(audit.filter((e) => e.action === 'approval.expired')).toHaveLength(others.length);
      expect(notifier.sent.filter((m) => m.kind === 'approval_expired')).toHaveLength(others.length);

      const shown = await showRun(deps, run.id);
      expect(shown.timings.map((t) => t.state)).toEqual([
        'QUEUED',
        'INITIALIZING',
        'DATA_RETRIEVAL',
        'MEMORY_ANALYSIS',
        'RECOMMENDATION',
        'COMPLIANCE_CHECK',
        'AWAITING_APPROVAL',
        'EXECUTING',
        // The others still waited on the manager after the approved one was written.
        'AWAITING_APPROVAL',
        'MEMORY_SYNC',
        'COMPLETED',
      ]);
      expect(shown.timings.slice(0, -1).every((t) => t.ended_at !== null && t.duration_ms! >= 0)).toBe(true);
      expect(shown.history.map((step) => step.state)).toEqual(expect.arrayContaining(['Escalate', 'Expire']));
    });

    it('ends a run whose step fails for good FAILED, with the error and its masked cause', async () => {
      const runId = deps.newId();
      const accountId = 'nina.patel@northpeak.io';
      await deps.runs.create({ id: runId, accountId, asOf: FIXTURE_AS_OF, requestedBy: 'test' });
      await deps.workflow.startExecution('account-analysis', runId, {
        runId,
        accountId,
        asOf: FIXTURE_AS_OF.toISOString(),
        requestedBy: 'test',
      });
      await deps.engine!.idle();

      const shown = await showRun(deps, runId);
      expect(shown).toMatchObject({ status: 'FAILED', error: 'NotFoundError', cause: 'Account [EMAIL] was not found' });
      expect(shown.timings.at(-1)).toMatchObject({ state: 'FAILED' });
      // Not retried: a missing account is not a passing upstream failure.
      expect(shown.history.filter((step) => step.status === 'RETRIED')).toEqual([]);
      const audit = await deps.audit.list({ runId });
      expect(audit.find((e) => e.action === 'run.failed')?.details).toMatchObject({
        error: 'NotFoundError',
        cause: 'Account [EMAIL] was not found',
      });
    });
  },
);
