import type { Draft } from '../domain/analysis.ts';
import { applyDraftEdits, type DraftEdits, hasEdits } from '../domain/approval-policy.ts';
import { maskPii } from '../domain/compliance/mask-pii.ts';
import { fitDraftToZohoLimits, reviewRecommendation } from '../domain/compliance/review-recommendation.ts';
import { crmWriteFor, idempotencyKeyOf } from '../domain/crm-write-payload.ts';
import type { DomainRules } from '../domain/domain-rules.ts';
import {
  AppError,
  ApprovalAlreadyDecidedError,
  ApprovalExpiredError,
  NotFoundError,
  ValidationError,
} from '../errors.ts';
import type { Approval, ApprovalChannel, ApprovalRepository, CrmWritePayload } from '../ports/approvals.ts';
import type { AuditLog } from '../ports/audit-log.ts';
import type { BaselineRepository } from '../ports/baselines.ts';
import type { Clock } from '../ports/clock.ts';
import type { CrmCopyReader } from '../ports/crm-copy.ts';
import type { RecommendationRepository } from '../ports/recommendations.ts';
import type { WorkflowEngine } from '../ports/workflow-engine.ts';
import { loadAccountSnapshot } from './account-snapshot.ts';
import { payloadHashOf } from './payload-hash.ts';

export interface DecideApprovalDeps {
  approvals: ApprovalRepository;
  recommendations: RecommendationRepository;
  workflow: WorkflowEngine;
  audit: AuditLog;
  clock: Clock;
  /** Needed to approve with edits: the edited draft is rebuilt into a CRM write and re-checked. */
  rules?: DomainRules;
  copy?: CrmCopyReader;
  baselines?: BaselineRepository;
}

export type DecisionKind = 'approve' | 'approve_with_edits' | 'reject';

export interface Decision {
  approvalId: string;
  decision: DecisionKind;
  by: string;
  channel: ApprovalChannel;
  reason?: string;
  /** `approve_with_edits` (or `approve` with edits): what the approver changed in the draft. */
  edits?: DraftEdits;
}

export interface DecisionResult {
  approvalId: string;
  recommendationId: string;
  runId: string;
  status: 'approved' | 'rejected';
  payloadHash: string;
  edited?: boolean;
}

/** The approver's edited draft breaks a compliance rule: nothing is decided (422). */
export class EditRejectedByComplianceError extends AppError {
  constructor(violations: { rule: string; location: string; message: string }[]) {
    super(
      'COMPLIANCE_VIOLATION',
      `The edited draft breaks compliance: ${violations.map((v) => `${v.rule} at ${v.location}: ${v.message}`).join('; ')}`,
      { expose: true, status: 422, details: { violations } },
    );
  }
}

/** 409 for a decided approval, 410 for an expired one, before anything else is checked. */
export function assertDecidable(approval: Approval, now: Date): void {
  if (approval.status === 'approved' || approval.status === 'rejected')
    throw new ApprovalAlreadyDecidedError(approval.id, approval.status);
  if (approval.status === 'expired' || approval.expiresAt <= now) throw new ApprovalExpiredError(approval.id);
}

/**
 * The approver's edits made into the CRM write to execute: the edited draft goes through the same
 * compliance review as the original (a blocking violation → 422, nothing decided), is fitted to Zoho's
 * field lengths, and becomes the payload the approval stores with its hash.
 */
export async function editedPayloadOf(
  deps: DecideApprovalDeps,
  approval: Approval,
  edits: DraftEdits,
): Promise<{ payload: CrmWritePayload; payloadHash: string; draft: Draft }> {
  const { rules, copy, baselines } = deps;
  if (!rules || !copy || !baselines) throw new Error('approving with edits needs the rules and the CRM copy');
  const recommendation = await deps.recommendations.get(approval.recommendationId);
  if (!recommendation) throw new NotFoundError('Recommendation', approval.recommendationId);
  const applied = applyDraftEdits(recommendation.draft, edits);
  if ('problems' in applied) throw new ValidationError(applied.problems.join('; '));
  const snapshot = await loadAccountSnapshot({ copy, baselines }, recommendation.accountId);
  const report = reviewRecommendation(
    { action: recommendation.action, rationale: recommendation.rationale, draft: applied.draft },
    {
      allowedEmails: snapshot.contacts.flatMap((c) => (c.email ? [c.email] : [])),
      allowedPhones: snapshot.contacts.flatMap((c) => (c.phone ? [c.phone] : [])),
    },
    rules,
  );
  const blocking = report.policyViolations.filter((v) => v.blocking);
  if (!report.approved) throw new EditRejectedByComplianceError(blocking);
  const draft = fitDraftToZohoLimits(applied.draft, rules);
  const payload = crmWriteFor({ ...recommendation, draft }, snapshot, idempotencyKeyOf(recommendation.id));
  if (draft.kind === 'field_update' && payload.module === 'Notes') {
    const change = `\n\nChange ${draft.module}.${draft.field} (${draft.recordId}): ${String(draft.before ?? '—')} → ${String(draft.after ?? '—')}`;
    payload.record.Note_Content = `${String(payload.record.Note_Content)}${change}`;
  }
  return { payload, payloadHash: payloadHashOf(payload), draft };
}

/**
 * A person decides a pending approval.
 * 1. with edits: the edited draft is re-checked by compliance and becomes the payload (422 on a violation,
 *    nothing decided)
 * 2. claim it atomically (pending → decided, with the edited payload and hash); a second claim fails with
 *    ApprovalAlreadyDecidedError
 * 3. record who decided what, with the hash of the exact payload
 * 4. resume the waiting workflow with the decision
 */
export async function decideApproval(deps: DecideApprovalDeps, input: Decision): Promise<DecisionResult> {
  if (input.decision === 'reject' && !input.reason?.trim())
    throw new ValidationError('reason: a rejection needs a reason');
  if (!input.by.trim()) throw new ValidationError('by: say who decides');
  if (input.decision === 'approve_with_edits' && !hasEdits(input.edits))
    throw new ValidationError('edits: approve with edits needs at least one edited field');
  if (input.decision === 'reject' && hasEdits(input.edits))
    throw new ValidationError('edits: a rejection takes no edits');
  const now = deps.clock.now();
  let edited: { payload: CrmWritePayload; payloadHash: string } | undefined;
  let originalHash: string | undefined;
  if (input.decision !== 'reject' && hasEdits(input.edits)) {
    const current = await deps.approvals.get(input.approvalId);
    if (!current) throw new NotFoundError('Approval', input.approvalId);
    assertDecidable(current, now);
    const { payload, payloadHash } = await editedPayloadOf(deps, current, input.edits);
    edited = { payload, payloadHash };
    originalHash = current.payloadHash;
  }
  const status = input.decision === 'reject' ? 'rejected' : 'approved';
  const { approval, taskToken } = await deps.approvals.claim(
    input.approvalId,
    { status, by: input.by, channel: input.channel, reason: input.reason, ...(edited ? { edited } : {}) },
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
      ...(edited
        ? { edited: true, originalPayloadHash: originalHash, editedFields: Object.keys(input.edits ?? {}) }
        : {}),
    },
  });
  await deps.workflow.sendTaskSuccess(taskToken, {
    decision: status === 'approved' ? 'approve' : 'reject',
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
    ...(edited ? { edited: true } : {}),
  };
}

export const DEFER_DAYS = { min: 1, max: 30 } as const;

export interface DeferResult {
  approvalId: string;
  recommendationId: string;
  runId: string;
  status: 'pending';
  deferredUntil: string;
  expiresAt: string;
}

/**
 * A person defers a pending approval by N days (1–30): it stays pending, its expiry moves N days later,
 * and the recommendation is marked deferred until then. Nothing resumes the workflow; audited.
 */
export async function deferApproval(
  deps: Pick<DecideApprovalDeps, 'approvals' | 'recommendations' | 'audit' | 'clock'>,
  input: { approvalId: string; days: number; by: string; channel: ApprovalChannel; reason?: string },
): Promise<DeferResult> {
  if (!Number.isInteger(input.days) || input.days < DEFER_DAYS.min || input.days > DEFER_DAYS.max)
    throw new ValidationError(`days: defer by a whole number of days from ${DEFER_DAYS.min} to ${DEFER_DAYS.max}`);
  if (!input.by.trim()) throw new ValidationError('by: say who defers');
  const now = deps.clock.now();
  const approval = await deps.approvals.defer(input.approvalId, input.days, now);
  const deferredUntil = approval.deferredUntil ?? new Date(now.getTime() + input.days * 86_400_000);
  await deps.recommendations.setStatus(approval.recommendationId, 'deferred');
  await deps.audit.record({
    userId: input.by,
    action: 'approval.deferred',
    resourceType: 'recommendation',
    resourceId: approval.recommendationId,
    details: {
      runId: approval.runId,
      approvalId: approval.id,
      channel: input.channel,
      days: input.days,
      deferredUntil: deferredUntil.toISOString(),
      expiresAt: approval.expiresAt.toISOString(),
      reason: input.reason ? maskPii(input.reason) : null,
    },
  });
  return {
    approvalId: approval.id,
    recommendationId: approval.recommendationId,
    runId: approval.runId,
    status: 'pending',
    deferredUntil: deferredUntil.toISOString(),
    expiresAt: approval.expiresAt.toISOString(),
  };
}
