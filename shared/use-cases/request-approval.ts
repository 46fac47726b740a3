import { randomBytes } from 'node:crypto';
import { crmWriteFor, idempotencyKeyOf } from '../domain/crm-write-payload.ts';
import { NotFoundError } from '../errors.ts';
import type { ApprovalRepository } from '../ports/approvals.ts';
import type { AuditLog } from '../ports/audit-log.ts';
import type { BaselineRepository } from '../ports/baselines.ts';
import type { Clock } from '../ports/clock.ts';
import type { CrmCopyReader } from '../ports/crm-copy.ts';
import type { Notifier } from '../ports/notifier.ts';
import type { RecommendationRepository } from '../ports/recommendations.ts';
import type { RunRepository } from '../ports/runs.ts';
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
}

/**
 * A recommendation's expiry is measured from the analysis instant (`--as-of` may be in the past); a
 * person gets the same window from the moment they are asked, so an approval is never born expired.
 */
export function approvalExpiry(recommendationExpiresAt: Date, analysisAsOf: Date, requestedAt: Date): Date {
  return new Date(requestedAt.getTime() + Math.max(0, recommendationExpiresAt.getTime() - analysisAsOf.getTime()));
}

/** 128 random bits, URL-safe: the only thing an approval link carries. */
export const newApprovalId = () => randomBytes(16).toString('base64url');

/**
 * AwaitingApproval: a recommendation that passed compliance waits for a person.
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
  return { approvalId: approval.id };
}
