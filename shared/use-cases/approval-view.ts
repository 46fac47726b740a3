import type { AccessScope } from '../auth/access-scope.ts';
import type { Principal } from '../auth/principal.ts';
import { NotFoundError } from '../errors.ts';
import type { ApprovalRepository } from '../ports/approvals.ts';
import type { CrmCopyReader } from '../ports/crm-copy.ts';
import type { RecommendationRepository } from '../ports/recommendations.ts';
import { type AccessDeps, canSeeAccount } from './access.ts';

export interface ApprovalViewDeps {
  approvals: ApprovalRepository;
  recommendations: RecommendationRepository;
  copy: CrmCopyReader;
  listings: AccessDeps['listings'];
}

/** Who is looking at the page, when signed in. */
export interface ApprovalViewer {
  principal: Principal;
  scope: AccessScope;
}

/**
 * Everything the approval page shows, and whether its viewer may decide (the account's owner, a manager
 * above them, an admin); reading it never decides anything.
 */
export async function getApprovalView(deps: ApprovalViewDeps, approvalId: string, viewer?: ApprovalViewer | null) {
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
      ownerId: snapshot?.account.ownerId ?? null,
      ownerName: snapshot?.owner?.name ?? snapshot?.account.ownerName ?? '—',
    },
    payload: approval.payload,
    payloadHash: approval.payloadHash,
    runId: approval.runId,
    viewer: viewer
      ? {
          name: viewer.principal.name,
          mayDecide: await canSeeAccount(deps, viewer.scope, recommendation.accountId),
        }
      : null,
  };
}
