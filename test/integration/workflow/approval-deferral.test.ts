import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalContainer } from '../../../local/local-stack.ts';
import type { Approval } from '../../../shared/ports/approvals.ts';
import { analyzeAccount } from '../../../shared/use-cases/analyze-accounts.ts';
import { decideApproval, deferApproval } from '../../../shared/use-cases/decide-approval.ts';
import { localBackends, openSyncedStack, RecordingNotifier } from '../../support/local-backends.ts';
import { FIXTURE_AS_OF } from '../../support/local-home.ts';

const fixture = new URL('../../fixtures/sandbox/small-org.json', import.meta.url).pathname;
const SILENT_ACCOUNT = '4876876000000001006';
/** The account's owner, Nina Patel, reports to Rachel Adams in the fixture. */
const MANAGER = '4876876000000000101';
const HOUR = 3600_000;
const DAY = 24 * HOUR;

describe.each(localBackends())(
  'a deferred approval on %s holds off the 72 h escalation and the expiry',
  (_name, makeBackend) => {
    let deps: LocalContainer;
    let cleanup: () => Promise<void>;
    const notifier = new RecordingNotifier();
    /** One clock for the use cases and the runner's deadlines, moved forward instead of waiting days. */
    let now = new Date();
    const at = (start: Date, ms: number) => {
      now = new Date(start.getTime() + ms);
      return now;
    };

    beforeAll(async () => {
      const stack = await openSyncedStack(makeBackend, fixture);
      deps = stack.deps;
      Object.assign(deps, { notifier, clock: { now: () => now } });
      cleanup = stack.close;
    });
    afterAll(async () => cleanup?.());

    const approvalsOf = async (runId: string): Promise<Approval[]> => {
      const recommendations = await deps.recommendations.listByRun(runId);
      return (await Promise.all(recommendations.map((r) => deps.approvals.getByRecommendation(r.id)))).filter(
        (a): a is Approval => a !== null,
      );
    };
    const advance = async (start: Date, ms: number) => {
      await deps.engine!.expireWaits(at(start, ms));
      await deps.engine!.idle();
    };
    const escalationsOf = (approvalId: string) =>
      notifier.sent.filter((m) => m.kind === 'approval_escalated' && m.approvalId === approvalId);

    it('is neither escalated at 72 h nor expired at 96 h while deferred, and a decision then still runs it', async () => {
      const start = at(new Date(), 0);
      const run = await analyzeAccount(deps, { accountId: SILENT_ACCOUNT, asOf: FIXTURE_AS_OF, requestedBy: 'test' });
      const [deferred, ...others] = await approvalsOf(run.id);
      expect(others.length).toBeGreaterThan(0);

      at(start, HOUR);
      await deferApproval(deps, { approvalId: deferred!.id, days: 5, by: 'nina@example.com', channel: 'web' });

      await advance(start, 72 * HOUR + 60_000);
      expect(await deps.approvals.get(deferred!.id)).toMatchObject({ status: 'pending', escalatedAt: null });
      expect(escalationsOf(deferred!.id)).toEqual([]);
      for (const other of others) expect((await deps.approvals.get(other.id))?.escalatedTo).toBe(MANAGER);

      await advance(start, 96 * HOUR + 120_000);
      expect(await deps.approvals.get(deferred!.id)).toMatchObject({ status: 'pending', escalatedAt: null });
      for (const other of others) expect((await deps.approvals.get(other.id))?.status).toBe('expired');
      expect((await deps.runs.get(run.id))?.status).toBe('AWAITING_APPROVAL');

      // Day 4 of the deferral: the owner approves after all, and the run goes on at once.
      at(start, 4 * DAY);
      const tasksBefore = deps.sandbox.store!.list('Tasks').length + deps.sandbox.store!.list('Notes').length;
      await decideApproval(deps, {
        approvalId: deferred!.id,
        decision: 'approve',
        by: 'nina@example.com',
        channel: 'web',
      });
      await deps.engine!.idle();
      expect((await deps.runs.get(run.id))?.status).toBe('COMPLETED');
      expect(deps.sandbox.store!.list('Tasks').length + deps.sandbox.store!.list('Notes').length).toBe(tasksBefore + 1);
    });

    it('escalates to the manager at the first check after the deferral, and expires at the moved expiry', async () => {
      const start = at(new Date(now.getTime() + DAY), 0);
      const run = await analyzeAccount(deps, { accountId: SILENT_ACCOUNT, asOf: FIXTURE_AS_OF, requestedBy: 'test' });
      // The approval that would have lasted longest (DOMAIN-RULES: expiry by priority), so its time runs on
      // after the deferral.
      const [deferred] = (await approvalsOf(run.id)).sort((a, b) => b.expiresAt.getTime() - a.expiresAt.getTime());
      expect(deferred!.expiresAt.getTime() - start.getTime()).toBeGreaterThanOrEqual(72 * HOUR);

      at(start, HOUR);
      const { deferredUntil } = await deferApproval(deps, {
        approvalId: deferred!.id,
        days: 5,
        by: 'nina@example.com',
        channel: 'web',
      });
      const movedExpiry = (await deps.approvals.get(deferred!.id))!.expiresAt;
      expect(new Date(deferredUntil).getTime()).toBe(start.getTime() + HOUR + 5 * DAY);

      // 72 h, 96 h and 120 h pass inside the deferral: held, nobody told.
      for (const hours of [72, 96, 120]) await advance(start, hours * HOUR + hours * 1000);
      expect(await deps.approvals.get(deferred!.id)).toMatchObject({ status: 'pending', escalatedAt: null });
      expect(escalationsOf(deferred!.id)).toEqual([]);

      // The first daily check after the deferral ends: the manager is told, once.
      await advance(start, 144 * HOUR + 144_000);
      expect(await deps.approvals.get(deferred!.id)).toMatchObject({ status: 'pending', escalatedTo: MANAGER });
      expect(escalationsOf(deferred!.id)).toHaveLength(1);

      // Daily checks until the moved expiry, then it expires (deny) and the run ends.
      for (let day = 7; day * DAY < movedExpiry.getTime() - start.getTime() + 2 * DAY; day++)
        await advance(start, day * DAY + day * 24_000);
      expect(await deps.approvals.get(deferred!.id)).toMatchObject({ status: 'expired' });
      expect(escalationsOf(deferred!.id)).toHaveLength(1);
      expect((await deps.runs.get(run.id))?.status).toBe('COMPLETED');
      const history = (await deps.audit.list({ runId: run.id })).map((e) => e.action);
      expect(history).toEqual(expect.arrayContaining(['approval.deferred', 'approval.escalated', 'approval.expired']));
    });
  },
);
