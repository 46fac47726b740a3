import { NotFoundError } from '../errors.ts';
import type { ApprovalRepository } from '../ports/approvals.ts';
import type { CrmCopyReader } from '../ports/crm-copy.ts';
import type { RecommendationRepository } from '../ports/recommendations.ts';

export interface ApprovalViewDeps {
  approvals: ApprovalRepository;
  recommendations: RecommendationRepository;
  copy: CrmCopyReader;
}

/** Everything the approval page shows; reading it never decides anything. */
export async function getApprovalView(deps: ApprovalViewDeps, approvalId: string) {
  const approval = await deps.approvals.get(approvalId);
  if (!approval) throw new NotFoundError('Approval', approvalId);
  const recommendation = await deps.recommendations.get(approval.recommendationId);
  if (!recommendation) throw new NotFoundError('Recommendation', approval.recommendationId);
  const snapshot = await deps.copy.loadSnapshot(recommendation.accountId);
  return {
    approval: {
      id: approval.id,
      status: approval.status,
      expiresAt: approval.expiresAt.toISOString(),
      decidedBy: approval.decidedBy,
      decidedAt: approval.decidedAt?.toISOString() ?? null,
      reason: approval.reason,
    },
    recommendation: {
      id: recommendation.id,
      type: recommendation.type,
      priority: recommendation.priority,
      confidence: recommendation.confidence,
      action: recommendation.action,
      rationale: recommendation.rationale,
      evidence: recommendation.evidence,
      draft: recommendation.draft,
      compliance: recommendation.compliance,
    },
    account: {
      id: recommendation.accountId,
      name: snapshot?.account.name ?? recommendation.accountId,
      ownerName: snapshot?.owner?.name ?? snapshot?.account.ownerName ?? '—',
    },
    payload: approval.payload,
    payloadHash: approval.payloadHash,
    runId: approval.runId,
  };
}
