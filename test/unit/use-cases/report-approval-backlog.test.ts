import { describe, expect, it } from 'vitest';
import { reportApprovalBacklog } from '../../../shared/use-cases/report-approval-backlog.ts';
import { FakeApprovals } from '../../support/fakes.ts';
import { RecordingMetrics } from '../../support/recording-metrics.ts';

const NOW = new Date('2026-11-24T09:00:00Z');
const hoursBefore = (hours: number) => new Date(NOW.getTime() - hours * 3600_000);

/** Approvals created `hours` ago each, as the fake repository keeps them. */
async function approvalsCreated(...hours: number[]) {
  const approvals = new FakeApprovals();
  for (const [index, age] of hours.entries()) {
    const approval = await approvals.create({
      id: `appr-${index}`,
      recommendationId: `rec-${index}`,
      runId: 'run-1',
      taskToken: `token-${index}`,
      payload: { module: 'Tasks', record: { Subject: 'Call' } },
      payloadHash: 'a'.repeat(64),
      expiresAt: new Date(NOW.getTime() + 72 * 3600_000),
    });
    approvals.rows.get(approval.id)!.createdAt = hoursBefore(age);
  }
  return approvals;
}

describe('the approval backlog report', () => {
  it('reports how many approvals wait and how long the oldest has waited', async () => {
    const metrics = new RecordingMetrics();
    const report = await reportApprovalBacklog({ approvals: await approvalsCreated(5, 30, 2), metrics }, NOW);
    expect(report).toEqual({ waiting: 3, oldestAgeSeconds: 30 * 3600 });
    expect(metrics.recorded).toEqual([
      { name: 'ApprovalBacklogCount', kind: 'gauge', value: 3 },
      { name: 'ApprovalBacklogOldestAgeSeconds', kind: 'gauge', value: 30 * 3600 },
    ]);
  });

  it('reports zeros when nothing waits, so a quiet hour is not missing data', async () => {
    const metrics = new RecordingMetrics();
    await reportApprovalBacklog({ approvals: await approvalsCreated(), metrics }, NOW);
    expect(metrics.valuesOf('ApprovalBacklogCount')).toEqual([0]);
    expect(metrics.valuesOf('ApprovalBacklogOldestAgeSeconds')).toEqual([0]);
  });

  it('leaves out decided approvals', async () => {
    const approvals = await approvalsCreated(50, 3);
    await approvals.claim('appr-0', { status: 'approved', by: 'ana', channel: 'web' }, hoursBefore(1));
    const report = await reportApprovalBacklog({ approvals, metrics: new RecordingMetrics() }, NOW);
    expect(report).toEqual({ waiting: 1, oldestAgeSeconds: 3 * 3600 });
  });
});
