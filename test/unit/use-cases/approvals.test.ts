import { beforeEach, describe, expect, it } from 'vitest';
import type { CrmWritePayload } from '../../../shared/ports/approvals.ts';
import type { CrmClient } from '../../../shared/ports/crm-client.ts';
import type { RecommendationRepository } from '../../../shared/ports/recommendations.ts';
import type { RunRepository } from '../../../shared/ports/runs.ts';
import { decideApproval } from '../../../shared/use-cases/decide-approval.ts';
import { executeRecommendation } from '../../../shared/use-cases/execute-recommendation.ts';
import { payloadHashOf } from '../../../shared/use-cases/payload-hash.ts';
import {
  FakeApprovals,
  FakeAudit,
  FakeCrm,
  FakeRecommendations,
  FakeRuns,
  FakeWorkflow,
  FakeWriteLog,
} from '../../support/fakes.ts';

const NOW = new Date('2026-11-24T09:00:00Z');
const REC = '6f1c2f38-86f5-4a58-9d4e-3c9a1f1f0a11';
const payload: CrmWritePayload = {
  module: 'Tasks',
  record: {
    Subject: 'Call Priya about the renewal',
    Due_Date: '2026-11-27',
    What_Id: { id: '4876876000000001001' },
    $se_module: 'Accounts',
    Sergas_Key: `${REC}:create`,
  },
};

function world() {
  const approvals = new FakeApprovals();
  const runs = new FakeRuns();
  const deps = {
    approvals,
    audit: new FakeAudit(),
    workflow: new FakeWorkflow(),
    recommendations: new FakeRecommendations() as unknown as RecommendationRepository & FakeRecommendations,
    runs: runs as unknown as RunRepository,
    crm: new FakeCrm() as unknown as CrmClient & FakeCrm,
    writes: new FakeWriteLog(),
    clock: { now: () => NOW },
  };
  return { deps, approvals, runs };
}

describe('deciding an approval', () => {
  let w: ReturnType<typeof world>;
  beforeEach(async () => {
    w = world();
    await w.approvals.create({
      id: 'appr-1',
      recommendationId: REC,
      runId: 'run-1',
      taskToken: 'token-1',
      payload,
      payloadHash: payloadHashOf(payload),
      expiresAt: new Date('2026-11-25T09:00:00Z'),
    });
  });

  it('resumes the workflow with the decision and the payload hash', async () => {
    await decideApproval(w.deps, {
      approvalId: 'appr-1',
      decision: 'approve',
      by: 'maria@example.com',
      channel: 'web',
    });
    expect(w.deps.workflow.successes).toEqual([
      {
        token: 'token-1',
        output: {
          decision: 'approve',
          approvalId: 'appr-1',
          payloadHash: payloadHashOf(payload),
          decidedBy: 'maria@example.com',
        },
      },
    ]);
  });

  it('records who approved and the hash of what they approved', async () => {
    await decideApproval(w.deps, {
      approvalId: 'appr-1',
      decision: 'approve',
      by: 'maria@example.com',
      channel: 'web',
    });
    expect(w.deps.audit.entries).toEqual([
      expect.objectContaining({
        userId: 'maria@example.com',
        action: 'approval.approved',
        details: expect.objectContaining({ payloadHash: payloadHashOf(payload) }),
      }),
    ]);
  });

  it('refuses a second decision and does not resume the workflow again', async () => {
    await decideApproval(w.deps, {
      approvalId: 'appr-1',
      decision: 'approve',
      by: 'maria@example.com',
      channel: 'web',
    });
    await expect(
      decideApproval(w.deps, {
        approvalId: 'appr-1',
        decision: 'reject',
        by: 'lee@example.com',
        channel: 'cli',
        reason: 'no',
      }),
    ).rejects.toMatchObject({ code: 'APPROVAL_ALREADY_DECIDED' });
    expect(w.deps.workflow.successes).toHaveLength(1);
  });

  it('requires a reason to reject', async () => {
    await expect(
      decideApproval(w.deps, { approvalId: 'appr-1', decision: 'reject', by: 'lee@example.com', channel: 'cli' }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(w.approvals.rows.get('appr-1')?.status).toBe('pending');
  });

  it('refuses an expired approval', async () => {
    await w.approvals.create({
      id: 'appr-old',
      recommendationId: 'other',
      runId: 'run-1',
      taskToken: 't',
      payload,
      payloadHash: 'h',
      expiresAt: new Date('2026-11-24T08:00:00Z'),
    });
    await expect(
      decideApproval(w.deps, { approvalId: 'appr-old', decision: 'approve', by: 'a@b.c', channel: 'web' }),
    ).rejects.toMatchObject({ code: 'APPROVAL_EXPIRED', status: 410 });
  });
});

describe('executing an approved recommendation', () => {
  let w: ReturnType<typeof world>;
  const input = { runId: 'run-1', recommendationId: REC, approvalId: 'appr-1', payloadHash: payloadHashOf(payload) };
  beforeEach(async () => {
    w = world();
    await w.approvals.create({
      id: 'appr-1',
      recommendationId: REC,
      runId: 'run-1',
      taskToken: 'token-1',
      payload,
      payloadHash: payloadHashOf(payload),
      expiresAt: new Date('2026-11-25T09:00:00Z'),
    });
    await decideApproval(w.deps, {
      approvalId: 'appr-1',
      decision: 'approve',
      by: 'maria@example.com',
      channel: 'web',
    });
  });

  it('writes exactly the approved payload to the CRM', async () => {
    const result = await executeRecommendation(w.deps, input);
    expect(w.deps.crm.records).toEqual([{ ...payload.record, id: result.crmId }]);
  });

  it('shows the run as executing, and as awaiting approval again while another of its approvals waits', async () => {
    await executeRecommendation(w.deps, input);
    expect(w.runs.statuses).toEqual(['EXECUTING']);
    await w.approvals.create({
      id: 'appr-2',
      recommendationId: '0b7d1c2e-3f4a-4b5c-8d6e-7f8091a2b3c4',
      runId: 'run-1',
      taskToken: 'token-2',
      payload,
      payloadHash: payloadHashOf(payload),
      expiresAt: new Date('2026-11-25T09:00:00Z'),
    });
    await executeRecommendation(w.deps, input);
    expect(w.runs.statuses).toEqual(['EXECUTING', 'EXECUTING', 'AWAITING_APPROVAL']);
  });

  it('writes nothing the second time it runs', async () => {
    await executeRecommendation(w.deps, input);
    const again = await executeRecommendation(w.deps, input);
    expect(again.alreadyWritten).toBe(true);
    expect(w.deps.crm.records).toHaveLength(1);
  });

  it('finds the record a crashed attempt already made instead of writing another', async () => {
    await w.deps.writes.begin({
      idempotencyKey: `${REC}:create`,
      recommendationId: REC,
      approvalId: 'appr-1',
      module: 'Tasks',
      payloadHash: input.payloadHash,
    });
    await w.deps.crm.createRecords('Tasks', [payload.record]);
    const result = await executeRecommendation(w.deps, input);
    expect(w.deps.crm.records).toHaveLength(1);
    expect(result.crmId).toBe(w.deps.crm.records[0]!.id);
  });

  it('refuses a payload whose hash is not the approved one', async () => {
    await expect(executeRecommendation(w.deps, { ...input, payloadHash: 'f'.repeat(64) })).rejects.toMatchObject({
      code: 'PAYLOAD_MISMATCH',
    });
    expect(w.deps.crm.records).toHaveLength(0);
  });
});

describe('the audit trail of a decision', () => {
  it('keeps a rejection reason with its personal data masked', async () => {
    const w = world();
    await w.approvals.create({
      id: 'appr-1',
      recommendationId: REC,
      runId: 'run-1',
      taskToken: 'token-1',
      payload,
      payloadHash: payloadHashOf(payload),
      expiresAt: new Date('2026-11-25T09:00:00Z'),
    });
    await decideApproval(w.deps, {
      approvalId: 'appr-1',
      decision: 'reject',
      by: 'lee@example.com',
      channel: 'web',
      reason: 'Priya asked us to call +44 20 7946 0958 instead',
    });
    const reason = w.deps.audit.entries[0]?.details?.reason as string;
    expect(reason).not.toContain('7946');
    expect(reason).toContain('[PHONE]');
  });
});

describe('the expiry of an approval', () => {
  it('gives the person the recommendation’s window from the moment they are asked', async () => {
    const { approvalExpiry } = await import('../../../shared/use-cases/request-approval.ts');
    const asOf = new Date('2026-01-01T00:00:00Z');
    const expiresAt = new Date('2026-01-02T00:00:00Z');
    expect(approvalExpiry(expiresAt, asOf, NOW)).toEqual(new Date(NOW.getTime() + 24 * 3600_000));
  });
});
