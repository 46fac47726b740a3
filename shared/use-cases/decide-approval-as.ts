import type { AccessScope } from '../auth/access-scope.ts';
import { actorOf, type Principal } from '../auth/principal.ts';
import { ForbiddenError, NotFoundError } from '../errors.ts';
import { type AccessDeps, canSeeAccount } from './access.ts';
import { type DecideApprovalDeps, type Decision, type DecisionResult, decideApproval } from './decide-approval.ts';

export type DecideApprovalAsDeps = DecideApprovalDeps & AccessDeps;

/**
 * A signed-in person decides an approval (the approval page, the API).
 * 1. the approval must exist (404)
 * 2. only the account's owner, a manager above them or an admin may decide (403): holding the link is
 *    not enough, since e-mails are forwarded
 * 3. the one atomic decision (409 when already decided, 410 when expired), recorded under their name
 */
export async function decideApprovalAs(
  deps: DecideApprovalAsDeps,
  input: Omit<Decision, 'by'> & { principal: Principal; scope: AccessScope },
): Promise<DecisionResult> {
  const { principal, scope, ...decision } = input;
  const approval = await deps.approvals.get(decision.approvalId);
  if (!approval) throw new NotFoundError('Approval', decision.approvalId);
  const recommendation = await deps.recommendations.get(approval.recommendationId);
  if (!recommendation || !(await canSeeAccount(deps, scope, recommendation.accountId))) {
    throw new ForbiddenError(
      `${principal.name} may not decide approval ${approval.id}: only the account owner, their manager or an admin may`,
    );
  }
  return decideApproval(deps, { ...decision, by: actorOf(principal) });
}

/**
 * `POST /api/v1/recommendations/{id}/approve`: as above, but addressed by the recommendation, which is not a
 * credential: a recommendation of an account outside the caller's scope is not found (404), like any read.
 */
export async function approveRecommendationAs(
  deps: DecideApprovalAsDeps,
  input: { recommendationId: string; principal: Principal; scope: AccessScope; reason?: string },
): Promise<DecisionResult> {
  const recommendation = await deps.recommendations.get(input.recommendationId);
  if (!recommendation || !(await canSeeAccount(deps, input.scope, recommendation.accountId))) {
    throw new NotFoundError('Recommendation', input.recommendationId);
  }
  const approval = await deps.approvals.getByRecommendation(input.recommendationId);
  if (!approval) throw new NotFoundError('Approval for recommendation', input.recommendationId);
  return decideApproval(deps, {
    approvalId: approval.id,
    decision: 'approve',
    by: actorOf(input.principal),
    channel: 'api',
    ...(input.reason ? { reason: input.reason } : {}),
  });
}
