import { AppError, CrmRequestError, NotFoundError } from '../errors.ts';
import type { ApprovalRepository } from '../ports/approvals.ts';
import type { AuditLog } from '../ports/audit-log.ts';
import type { Clock } from '../ports/clock.ts';
import type { CrmClient } from '../ports/crm-client.ts';
import type { CrmWriteLog } from '../ports/crm-writes.ts';
import type { RecommendationRepository } from '../ports/recommendations.ts';
import type { RunRepository } from '../ports/runs.ts';
import { payloadHashOf } from './payload-hash.ts';

export interface ExecuteRecommendationDeps {
  approvals: ApprovalRepository;
  recommendations: RecommendationRepository;
  runs: RunRepository;
  crm: CrmClient;
  writes: CrmWriteLog;
  audit: AuditLog;
  clock: Clock;
}

/** The approved payload no longer matches what was approved: never executed, never retried. */
export class PayloadMismatchError extends AppError {
  constructor(approvalId: string) {
    super('PAYLOAD_MISMATCH', `The payload of approval ${approvalId} does not match what was approved`, {
      status: 409,
    });
  }
}

/**
 * Executing: writes exactly the approved payload to the CRM, once.
 * 1. the approval must be approved and its payload must hash to what the approver saw
 * 2. the write is logged by its idempotency key before it is made; a retry that finds the key
 *    done returns the record already made, and one that finds it begun looks for it in the CRM first
 * 3. the CRM id is recorded, and the audit links recommendation → approval → execution
 * 4. while other approvals of the run still wait on people, the run shows AWAITING_APPROVAL again
 */
export async function executeRecommendation(
  deps: ExecuteRecommendationDeps,
  input: { runId: string; recommendationId: string; approvalId: string; payloadHash: string },
) {
  await deps.runs.setStatus(input.runId, 'EXECUTING');
  const approval = await deps.approvals.get(input.approvalId);
  if (!approval || approval.recommendationId !== input.recommendationId)
    throw new NotFoundError('Approval', input.approvalId);
  if (approval.status !== 'approved')
    throw new CrmRequestError(`Approval ${approval.id} is ${approval.status}, not approved`);
  if (payloadHashOf(approval.payload) !== approval.payloadHash || approval.payloadHash !== input.payloadHash) {
    throw new PayloadMismatchError(approval.id);
  }
  const key = String(approval.payload.record.Sergas_Key);
  const { entry, isNew } = await deps.writes.begin(
    {
      idempotencyKey: key,
      recommendationId: input.recommendationId,
      approvalId: approval.id,
      module: approval.payload.module,
      payloadHash: approval.payloadHash,
    },
    deps.clock.now(),
  );
  const alreadyDone = entry.status === 'succeeded';
  let crmId = entry.crmId;
  if (!crmId && !isNew) {
    const found = await deps.crm.searchRecords(approval.payload.module, `(Sergas_Key:equals:${key})`, ['Sergas_Key']);
    crmId = found[0]?.id ?? null;
  }
  if (!crmId) {
    const [result] = await deps.crm.createRecords(approval.payload.module, [approval.payload.record]);
    if (result?.status !== 'success' || !result.id) {
      throw new CrmRequestError(
        `Zoho refused the ${approval.payload.module} record: ${result?.code} ${result?.message}`,
        {
          details: result?.details,
        },
      );
    }
    crmId = result.id;
  }
  await deps.writes.complete(key, crmId, deps.clock.now());
  await deps.recommendations.setStatus(input.recommendationId, 'executed');
  if (!alreadyDone) {
    await deps.audit.record({
      agentId: 'executor',
      action: 'recommendation.executed',
      resourceType: 'recommendation',
      resourceId: input.recommendationId,
      details: {
        runId: input.runId,
        approvalId: approval.id,
        payloadHash: approval.payloadHash,
        crmModule: approval.payload.module,
        crmId,
      },
    });
  }
  // Others of the run may still wait on people (Step Functions runs each approval's branch on its own).
  if ((await deps.approvals.listPending({ runId: input.runId })).length > 0)
    await deps.runs.setStatus(input.runId, 'AWAITING_APPROVAL');
  return { crmModule: approval.payload.module, crmId, alreadyWritten: alreadyDone };
}
