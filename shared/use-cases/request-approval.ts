import { randomBytes } from 'node:crypto';
import { approvalRouteOf } from '../domain/approval-policy.ts';
import { crmWriteFor, idempotencyKeyOf } from '../domain/crm-write-payload.ts';
import type { DomainRules } from '../domain/domain-rules.ts';
import { NotFoundError } from '../errors.ts';
import type { ApprovalRepository } from '../ports/approvals.ts';
import type { AuditLog } from '../ports/audit-log.ts';
import type { BaselineRepository } from '../ports/baselines.ts';
import type { Clock } from '../ports/clock.ts';
import type { CrmCopyReader } from '../ports/crm-copy.ts';
import type { Notifier } from '../ports/notifier.ts';
import type { RecommendationRepository } from '../ports/recommendations.ts';
import type { RunRepository } from '../ports/runs.ts';
import type { WorkflowEngine } from '../ports/workflow-engine.ts';
import { loadAccountSnapshot } from './account-snapshot.ts';
import { approvalMessage, approvalUrl, type LinkConfig, recipientOf, sendAudited } from './notify-approval.ts';
import { payloadHashOf } from './payload-hash.ts';

export interface RequestApprovalDeps {
  clock: Clock;
  copy: CrmCopyReader;
  baselines: BaselineRepository;
  runs: RunRepository;
  recommendations: RecommendationRepository;
  approvals: ApprovalRepository;
  audit: AuditLog;
  /** When given, the account owner is sent the approval link (`config` says where links point). */
  notifier?: Notifier;
  config?: LinkConfig;
  /** The tenant's approval policy (`approval.policy`); without rules every write is reviewed. */
  rules?: DomainRules;
  /** Resumes the wait at once when the policy decides (forbid, auto) instead of a person. */
  workflow?: WorkflowEngine;
}

/** Who decides under the `auto` policy: no person. */
export const AUTO_APPROVER = 'policy:auto';

/**
 * A recommendation's expiry is measured from the analysis instant (`--as-of` may be in the past); a
 * person gets the same window from the moment they are asked, so an approval is never born expired.
 */
export function approvalExpiry(recommendationExpiresAt: Date, analysisAsOf: Date, requestedAt: Date): Date {
  return new Date(requestedAt.getTime() + Math.max(0, recommendationExpiresAt.getTime() - analysisAsOf.getTime()));
}

/**
 * At least 128 random bits, URL-safe: the only thing an approval link carries. 136 bits are drawn so that
 * redrawing the one in 32 ids that starts with `-` or `_` still leaves more than 128: an id starting with
 * `-` reads as an option on a command line (`sergas approvals approve -Xk3…`).
 */
export function newApprovalId(): string {
  for (;;) {
    const id = randomBytes(17).toString('base64url');
    if (/^[A-Za-z0-9]/.test(id)) return id;
  }
}

/**
 * AwaitingApproval: a recommendation that passed compliance waits for a person, unless the tenant's
 * approval policy decides: `forbid` → skipped (audited, no approval, nothing written); `auto` (an internal
 * task for the account owner only) → approved by `policy:auto` and executed without a person (audited).
 * 1. the exact CRM write is fixed now, and hashed, so what is approved is what is executed
 * 2. an approval with a random id keeps the task token server-side
 * 3. the run shows AWAITING_APPROVAL
 * 4. the account owner is sent the link, once per approval (a retried wait keeps the approval and sends
 *    nothing new); a message that cannot be sent is audited and does not fail the step, since the
 *    approval is on the dashboard, in the brief and in the 24-hour reminder anyway
 */
export async function requestApproval(
  deps: RequestApprovalDeps,
  input: { runId: string; recommendationId: string; taskToken: string },
) {
  const recommendation = await deps.recommendations.get(input.recommendationId);
  if (!recommendation) throw new NotFoundError('Recommendation', input.recommendationId);
  const run = await deps.runs.get(input.runId);
  if (!run) throw new NotFoundError('Run', input.runId);
  const snapshot = await loadAccountSnapshot(deps, recommendation.accountId);
  const route = deps.rules ? approvalRouteOf(deps.rules, recommendation, snapshot.account.ownerId ?? null) : 'review';
  const { workflow } = deps;
  if (route === 'forbid' && workflow) {
    // The tenant forbids this type: nobody is asked, nothing is written.
    await deps.recommendations.setStatus(recommendation.id, 'skipped');
    await deps.audit.record({
      agentId: 'orchestrator',
      action: 'recommendation.skipped',
      resourceType: 'recommendation',
      resourceId: recommendation.id,
      details: { runId: input.runId, type: recommendation.type, policy: 'forbid' },
    });
    await workflow.sendTaskSuccess(input.taskToken, {
      decision: 'skipped',
      approvalId: null,
      payloadHash: null,
      decidedBy: 'policy:forbid',
    });
    // No approval exists: the id is empty.
    return { approvalId: '', policy: 'forbid' as const };
  }
  const payload = crmWriteFor(recommendation, snapshot, idempotencyKeyOf(recommendation.id));
  const id = newApprovalId();
  const approval = await deps.approvals.create({
    id,
    recommendationId: recommendation.id,
    runId: input.runId,
    taskToken: input.taskToken,
    payload,
    payloadHash: payloadHashOf(payload),
    expiresAt: approvalExpiry(recommendation.expiresAt, run.asOf, deps.clock.now()),
  });
  if (route === 'auto' && workflow) {
    // An internal task for the account owner, and the tenant turned `auto` on: approved without a person.
    const now = deps.clock.now();
    if (approval.status === 'pending') {
      await deps.approvals.claim(approval.id, { status: 'approved', by: AUTO_APPROVER, channel: 'policy' }, now);
      await deps.recommendations.setStatus(recommendation.id, 'approved', AUTO_APPROVER, now);
      await deps.audit.record({
        agentId: 'orchestrator',
        action: 'approval.approved',
        resourceType: 'recommendation',
        resourceId: recommendation.id,
        details: {
          runId: input.runId,
          approvalId: approval.id,
          channel: 'policy',
          payloadHash: approval.payloadHash,
          policy: 'auto',
          type: recommendation.type,
        },
      });
    }
    const decided = (await deps.approvals.get(approval.id)) ?? approval;
    await workflow.sendTaskSuccess(input.taskToken, {
      decision: decided.status === 'approved' ? 'approve' : 'reject',
      approvalId: decided.id,
      payloadHash: decided.payloadHash,
      decidedBy: decided.decidedBy,
    });
    return { approvalId: approval.id, policy: 'auto' as const };
  }
  await deps.runs.setStatus(input.runId, 'AWAITING_APPROVAL');
  await deps.audit.record({
    agentId: 'orchestrator',
    action: 'approval.requested',
    resourceType: 'recommendation',
    resourceId: recommendation.id,
    details: {
      runId: input.runId,
      approvalId: approval.id,
      payloadHash: approval.payloadHash,
      type: recommendation.type,
    },
  });
  const { notifier } = deps;
  if (notifier && approval.id === id && snapshot.owner) {
    const owner = snapshot.owner;
    const message = approvalMessage({
      kind: 'approval_requested',
      to: recipientOf(owner),
      timeZone: owner.timeZone,
      approvalId: approval.id,
      runId: input.runId,
      account: snapshot.account,
      action: recommendation.action,
      expiresAt: approval.expiresAt,
      url: approvalUrl(deps.config ?? { publicUrl: null, port: 4280 }, approval.id),
    });
    await sendAudited({ notifier, audit: deps.audit }, message);
  }
  return { approvalId: approval.id, policy: 'review' as const };
}
