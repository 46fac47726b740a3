import type { ApprovalRepository } from '../ports/approvals.ts';
import type { OperationalMetrics } from '../ports/operational-metrics.ts';

export interface ApprovalBacklogDeps {
  approvals: Pick<ApprovalRepository, 'backlog'>;
  metrics: Pick<OperationalMetrics, 'gauge'>;
}

export interface ApprovalBacklogReport {
  /** Pending approvals waiting on a person now. */
  waiting: number;
  /** How long the longest of them has waited; 0 when none is waiting. */
  oldestAgeSeconds: number;
}

/**
 * Hourly, beside the reminders: how many approvals wait on a person and how long the oldest has
 * waited, as the `ApprovalBacklogCount` and `ApprovalBacklogOldestAgeSeconds` gauges. Both are
 * reported even when nothing waits, so a quiet hour reads as zero rather than as missing data.
 */
export async function reportApprovalBacklog(deps: ApprovalBacklogDeps, now: Date): Promise<ApprovalBacklogReport> {
  const { waiting, oldestWaitingSince } = await deps.approvals.backlog(now);
  const oldestAgeSeconds = oldestWaitingSince
    ? Math.max(0, Math.floor((now.getTime() - oldestWaitingSince.getTime()) / 1000))
    : 0;
  deps.metrics.gauge('ApprovalBacklogCount', waiting);
  deps.metrics.gauge('ApprovalBacklogOldestAgeSeconds', oldestAgeSeconds);
  return { waiting, oldestAgeSeconds };
}
