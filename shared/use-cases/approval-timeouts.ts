import { isHeldByDeferral } from '../domain/approval-policy.ts';
import { NotFoundError } from '../errors.ts';
import type { Approval, ApprovalRepository } from '../ports/approvals.ts';
import type { AuditLog } from '../ports/audit-log.ts';
import type { Clock } from '../ports/clock.ts';
import type { CrmCopyReader } from '../ports/crm-copy.ts';
import type { Notifier } from '../ports/notifier.ts';
import type { RecommendationRepository } from '../ports/recommendations.ts';
import type { WorkflowEngine } from '../ports/workflow-engine.ts';
import { approvalMessage, approvalUrl, type LinkConfig, recipientOf, sendAudited } from './notify-approval.ts';

/**
 * DOMAIN-RULES "Approval": timeout 72 h → escalate to the owner's manager for 24 h → expire (deny).
 * The waits themselves are the ASL's TimeoutSeconds (statemachines/account-analysis.asl.json); these
 * use cases are the Escalate and Expire states behind them.
 */
export interface ApprovalTimeoutDeps {
  approvals: ApprovalRepository;
  recommendations: RecommendationRepository;
  copy: CrmCopyReader;
  audit: AuditLog;
  clock: Clock;
  workflow: WorkflowEngine;
  /** When given, the manager (on escalation) and the owner (on expiry) are told. */
  notifier?: Notifier;
  config?: LinkConfig;
}

/** What the ApprovalDecision choice reads: the same shape a person's decision resumes the wait with. */
export interface ApprovalOutcome {
  /** `deferred`: a person deferred it and its time is not up; the state machine waits another day. */
  decision: 'approve' | 'reject' | 'expired' | 'deferred';
  approvalId: string;
  payloadHash: string;
  decidedBy: string | null;
}

const decisionOf = (status: Approval['status']): ApprovalOutcome['decision'] => {
  if (status === 'approved') return 'approve';
  return status === 'pending' || status === 'expired' ? 'expired' : 'reject';
};

const outcomeOf = (approval: Approval): ApprovalOutcome => ({
  decision: decisionOf(approval.status),
  approvalId: approval.id,
  payloadHash: approval.payloadHash,
  decidedBy: approval.decidedBy,
});

const DEFAULT_LINKS: LinkConfig = { publicUrl: null, port: 4280 };

/**
 * Escalate: nobody decided within the first wait.
 * 1. the pending approval takes this state's task token (links already sent stay valid: the approval id
 *    is unchanged) and its expiry moves to the end of the manager's window
 * 2. the escalation is recorded once, in the approval and the audit trail, and the owner's manager is
 *    sent the link (when there is a manager and a notifier; a message no channel took is audited)
 * 3. if the approval was decided just as the first wait timed out, that decision resumes this wait at
 *    once, so it is neither lost nor escalated
 * 4. while a person's deferral runs the approval only takes the token (a decision still resumes the
 *    run at once): nobody is escalated or told; the AwaitingDeferredDecision state calls this again
 *    each day, and escalates once the deferral is over
 */
export async function escalateApproval(
  deps: ApprovalTimeoutDeps,
  input: { runId: string; recommendationId: string; taskToken: string; windowSeconds: number },
) {
  const recommendation = await deps.recommendations.get(input.recommendationId);
  if (!recommendation) throw new NotFoundError('Recommendation', input.recommendationId);
  const snapshot = await deps.copy.loadSnapshot(recommendation.accountId);
  const owner = snapshot?.owner ?? null;
  const manager = owner?.managerId ? await deps.copy.getOwner(owner.managerId) : null;
  const now = deps.clock.now();
  const escalation = await deps.approvals.escalate(input.recommendationId, {
    taskToken: input.taskToken,
    escalatedTo: manager?.id ?? null,
    at: now,
    expiresAt: new Date(now.getTime() + input.windowSeconds * 1000),
  });
  if (!escalation) throw new NotFoundError('Approval of recommendation', input.recommendationId);
  const { approval, escalated } = escalation;

  if (approval.status !== 'pending') {
    await deps.workflow.sendTaskSuccess(input.taskToken, { ...outcomeOf(approval) });
    return { approvalId: approval.id, escalated: false, status: approval.status };
  }
  if (isHeldByDeferral(approval, now).deferring) {
    return {
      approvalId: approval.id,
      escalated: false,
      status: approval.status,
      deferredUntil: approval.deferredUntil,
    };
  }
  if (escalated) {
    await deps.audit.record({
      agentId: 'orchestrator',
      action: 'approval.escalated',
      resourceType: 'recommendation',
      resourceId: recommendation.id,
      details: {
        runId: input.runId,
        approvalId: approval.id,
        escalatedTo: approval.escalatedTo,
        ownerId: owner?.id ?? null,
        expiresAt: approval.expiresAt.toISOString(),
        // Nobody above the owner: the approval stays with the owner (and the dashboard) until it expires.
        ...(manager ? {} : { reason: 'the account owner has no manager in the CRM' }),
      },
    });
    if (deps.notifier && manager && snapshot) {
      const message = approvalMessage({
        kind: 'approval_escalated',
        to: recipientOf(manager),
        timeZone: manager.timeZone,
        approvalId: approval.id,
        runId: input.runId,
        account: snapshot.account,
        action: recommendation.action,
        expiresAt: approval.expiresAt,
        url: approvalUrl(deps.config ?? DEFAULT_LINKS, approval.id),
        ...(owner ? { ownerName: owner.name } : {}),
      });
      await sendAudited({ notifier: deps.notifier, audit: deps.audit }, message);
    }
  }
  return { approvalId: approval.id, escalated, escalatedTo: approval.escalatedTo, status: approval.status };
}

/**
 * Expire: nobody decided in the manager's window either.
 * 1. the pending approval becomes expired (deny) and its recommendation with it; nothing is written
 * 2. the expiry is audited and the owner told (when there is a notifier)
 * 3. an approval decided at the last moment keeps its decision, which the state machine then follows
 * 4. an approval a person deferred stays pending while the deferral and its moved expiry run: the
 *    outcome is `deferred` and the state machine waits another day (`round` counts these checks)
 */
export async function expireApproval(
  deps: ApprovalTimeoutDeps,
  input: { runId: string; recommendationId: string; round?: number },
): Promise<ApprovalOutcome & { round: number }> {
  const now = deps.clock.now();
  const round = (input.round ?? 0) + 1;
  const expired = await deps.approvals.expire(input.recommendationId, now);
  if (!expired) {
    const approval = await deps.approvals.getByRecommendation(input.recommendationId);
    if (!approval) throw new NotFoundError('Approval of recommendation', input.recommendationId);
    if (approval.status === 'pending') return { ...outcomeOf(approval), decision: 'deferred', round };
    return { ...outcomeOf(approval), round };
  }
  await deps.recommendations.setStatus(input.recommendationId, 'expired');
  await deps.audit.record({
    agentId: 'orchestrator',
    action: 'approval.expired',
    resourceType: 'recommendation',
    resourceId: input.recommendationId,
    details: {
      runId: input.runId,
      approvalId: expired.id,
      payloadHash: expired.payloadHash,
      escalatedTo: expired.escalatedTo,
    },
  });
  if (deps.notifier) {
    const recommendation = await deps.recommendations.get(input.recommendationId);
    const snapshot = recommendation ? await deps.copy.loadSnapshot(recommendation.accountId) : null;
    if (recommendation && snapshot?.owner) {
      const message = approvalMessage({
        kind: 'approval_expired',
        to: recipientOf(snapshot.owner),
        timeZone: snapshot.owner.timeZone,
        approvalId: expired.id,
        runId: input.runId,
        account: snapshot.account,
        action: recommendation.action,
        expiresAt: expired.expiresAt,
        url: approvalUrl(deps.config ?? DEFAULT_LINKS, expired.id),
      });
      await sendAudited({ notifier: deps.notifier, audit: deps.audit }, message);
    }
  }
  return { ...outcomeOf(expired), round };
}
