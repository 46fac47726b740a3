import { maskPii } from '../domain/compliance/mask-pii.ts';
import { ValidationError } from '../errors.ts';
import type { ApprovalChannel, ApprovalRepository } from '../ports/approvals.ts';
import type { AuditLog } from '../ports/audit-log.ts';
import type { Clock } from '../ports/clock.ts';
import type { RecommendationRepository } from '../ports/recommendations.ts';
import type { WorkflowEngine } from '../ports/workflow-engine.ts';

export interface DecideApprovalDeps {
  approvals: ApprovalRepository;
  recommendations: RecommendationRepository;
  workflow: WorkflowEngine;
  audit: AuditLog;
  clock: Clock;
}

export interface Decision {
  approvalId: string;
  decision: 'approve' | 'reject';
  by: string;
  channel: ApprovalChannel;
  reason?: string;
}

export interface DecisionResult {
  approvalId: string;
  recommendationId: string;
  runId: string;
  status: 'approved' | 'rejected';
  payloadHash: string;
}

/**
 * A person decides a pending approval.
 * 1. claim it atomically (pending → decided); a second claim fails with ApprovalAlreadyDecidedError
 * 2. record who decided what, with the hash of the exact payload
 * 3. resume the waiting workflow with the decision
 */
export async function decideApproval(deps: DecideApprovalDeps, input: Decision): Promise<DecisionResult> {
  if (input.decision === 'reject' && !input.reason?.trim())
    throw new ValidationError('reason: a rejection needs a reason');
  if (!input.by.trim()) throw new ValidationError('by: say who decides');
  const now = deps.clock.now();
  const status = input.decision === 'approve' ? 'approved' : 'rejected';
  const { approval, taskToken } = await deps.approvals.claim(
    input.approvalId,
    { status, by: input.by, channel: input.channel, reason: input.reason },
    now,
  );
  await deps.recommendations.setStatus(approval.recommendationId, status, input.by, now);
  await deps.audit.record({
    userId: input.by,
    action: `approval.${status}`,
    resourceType: 'recommendation',
    resourceId: approval.recommendationId,
    details: {
      runId: approval.runId,
      approvalId: approval.id,
      channel: input.channel,
      payloadHash: approval.payloadHash,
      reason: input.reason ? maskPii(input.reason) : null,
    },
  });
  await deps.workflow.sendTaskSuccess(taskToken, {
    decision: input.decision,
    approvalId: approval.id,
    payloadHash: approval.payloadHash,
    decidedBy: input.by,
  });
  return {
    approvalId: approval.id,
    recommendationId: approval.recommendationId,
    runId: approval.runId,
    status,
    payloadHash: approval.payloadHash,
  };
}
