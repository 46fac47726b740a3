import type { AccessScope } from '../auth/access-scope.ts';
import { actorOf, type Principal } from '../auth/principal.ts';
import type { DraftEdits } from '../domain/approval-policy.ts';
import { AppError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import type { ApprovalChannel } from '../ports/approvals.ts';
import { type AccessDeps, canSeeAccount } from './access.ts';
import {
  type DecideApprovalDeps,
  type Decision,
  type DecisionResult,
  type DeferResult,
  decideApproval,
  deferApproval,
} from './decide-approval.ts';

export type DecideApprovalAsDeps = DecideApprovalDeps & AccessDeps;

type As = { principal: Principal; scope: AccessScope };

/** 404 for an unknown approval, 403 unless the principal is the account's owner, their manager or an admin. */
async function assertMayDecide(
  deps: DecideApprovalAsDeps,
  approvalId: string,
  principal: Principal,
  scope: AccessScope,
) {
  const approval = await deps.approvals.get(approvalId);
  if (!approval) throw new NotFoundError('Approval', approvalId);
  const recommendation = await deps.recommendations.get(approval.recommendationId);
  if (!recommendation || !(await canSeeAccount(deps, scope, recommendation.accountId))) {
    throw new ForbiddenError(
      `${principal.name} may not decide approval ${approval.id}: only the account owner, their manager or an admin may`,
    );
  }
  return approval;
}

/**
 * A signed-in person decides an approval (the approval page, the API).
 * 1. the approval must exist (404)
 * 2. only the account's owner, a manager above them or an admin may decide (403): holding the link is
 *    not enough, since e-mails are forwarded
 * 3. the one atomic decision (409 when already decided, 410 when expired), recorded under their name
 */
export async function decideApprovalAs(
  deps: DecideApprovalAsDeps,
  input: Omit<Decision, 'by'> & As,
): Promise<DecisionResult> {
  const { principal, scope, ...decision } = input;
  await assertMayDecide(deps, decision.approvalId, principal, scope);
  return decideApproval(deps, { ...decision, by: actorOf(principal) });
}

/** A signed-in person defers an approval by N days, under the same rules as deciding it. */
export async function deferApprovalAs(
  deps: DecideApprovalAsDeps,
  input: { approvalId: string; days: number; channel: ApprovalChannel; reason?: string } & As,
): Promise<DeferResult> {
  const { principal, scope, ...rest } = input;
  await assertMayDecide(deps, rest.approvalId, principal, scope);
  return deferApproval(deps, { ...rest, by: actorOf(principal) });
}

export interface BatchItemResult {
  approvalId: string;
  /** The HTTP status this approval alone would have answered: 200, 403, 404, 409 or 410. */
  status: number;
  ok: boolean;
  result?: DecisionResult;
  error?: { code: string; message: string };
}

export const BATCH_MAX = 50;

/**
 * Batch approve: each approval is decided on its own, atomically, with the same guarantees as one
 * decision; one that fails (403, 404, 409, 410) does not stop the others. The answer lists every id.
 */
export async function approveBatchAs(
  deps: DecideApprovalAsDeps,
  input: { approvalIds: readonly string[]; channel: ApprovalChannel } & As,
): Promise<{ results: BatchItemResult[]; approved: number; failed: number }> {
  const ids = [...new Set(input.approvalIds)];
  if (ids.length === 0) throw new ValidationError('approvalIds: give at least one approval id');
  if (ids.length > BATCH_MAX) throw new ValidationError(`approvalIds: at most ${BATCH_MAX} at once`);
  const results: BatchItemResult[] = [];
  for (const approvalId of ids) {
    try {
      const result = await decideApprovalAs(deps, {
        approvalId,
        decision: 'approve',
        channel: input.channel,
        principal: input.principal,
        scope: input.scope,
      });
      results.push({ approvalId, status: 200, ok: true, result });
    } catch (error) {
      if (!(error instanceof AppError) || !error.expose) throw error;
      results.push({
        approvalId,
        status: error.status,
        ok: false,
        error: { code: error.code, message: error.message },
      });
    }
  }
  const approved = results.filter((r) => r.ok).length;
  return { results, approved, failed: results.length - approved };
}

/**
 * `POST /api/v1/recommendations/{id}/approve`: as above, but addressed by the recommendation, which is not a
 * credential: a recommendation of an account outside the caller's scope is not found (404), like any read.
 */
export async function approveRecommendationAs(
  deps: DecideApprovalAsDeps,
  input: { recommendationId: string; principal: Principal; scope: AccessScope; reason?: string; edits?: DraftEdits },
): Promise<DecisionResult> {
  const recommendation = await deps.recommendations.get(input.recommendationId);
  if (!recommendation || !(await canSeeAccount(deps, input.scope, recommendation.accountId))) {
    throw new NotFoundError('Recommendation', input.recommendationId);
  }
  const approval = await deps.approvals.getByRecommendation(input.recommendationId);
  if (!approval) throw new NotFoundError('Approval for recommendation', input.recommendationId);
  return decideApproval(deps, {
    approvalId: approval.id,
    decision: input.edits ? 'approve_with_edits' : 'approve',
    by: actorOf(input.principal),
    channel: 'api',
    ...(input.reason ? { reason: input.reason } : {}),
    ...(input.edits ? { edits: input.edits } : {}),
  });
}
