import { randomBytes } from 'node:crypto';
import { crmWriteFor, idempotencyKeyOf } from '../domain/crm-write-payload.ts';
import { NotFoundError } from '../errors.ts';
import type { ApprovalRepository } from '../ports/approvals.ts';
import type { AuditLog } from '../ports/audit-log.ts';
import type { BaselineRepository } from '../ports/baselines.ts';
import type { Clock } from '../ports/clock.ts';
import type { CrmCopyReader } from '../ports/crm-copy.ts';
import type { RecommendationRepository } from '../ports/recommendations.ts';
import type { RunRepository } from '../ports/runs.ts';
import { loadAccountSnapshot } from './account-snapshot.ts';
import { payloadHashOf } from './payload-hash.ts';

export interface RequestApprovalDeps {
  clock: Clock;
  copy: CrmCopyReader;
  baselines: BaselineRepository;
  runs: RunRepository;
  recommendations: RecommendationRepository;
  approvals: ApprovalRepository;
  audit: AuditLog;
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
  const approval = await deps.approvals.create({
    id: newApprovalId(),
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
  return { approvalId: approval.id };
}
