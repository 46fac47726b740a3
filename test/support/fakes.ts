import { isHeldByDeferral } from '../../shared/domain/approval-policy.ts';
import { ApprovalAlreadyDecidedError, ApprovalExpiredError, NotFoundError } from '../../shared/errors.ts';
import type { Approval, ApprovalRepository, ClaimDecision } from '../../shared/ports/approvals.ts';
import type { AuditEntry, AuditLog, RecordedAuditEntry } from '../../shared/ports/audit-log.ts';
import type { CrmClient, CrmWriteResult, ZohoRecord } from '../../shared/ports/crm-client.ts';
import type { CrmWrite, CrmWriteLog } from '../../shared/ports/crm-writes.ts';
import type { RecommendationRepository, RecommendationStatus } from '../../shared/ports/recommendations.ts';
import type { RunRepository, RunStatus } from '../../shared/ports/runs.ts';
import type { WorkflowEngine } from '../../shared/ports/workflow-engine.ts';

/** In-memory fakes of the ports the approval use cases need; each keeps what it was told. */
export class FakeApprovals implements ApprovalRepository {
  readonly rows = new Map<string, Approval & { taskToken: string }>();
  async create(a: Parameters<ApprovalRepository['create']>[0]) {
    const approval = {
      ...a,
      status: 'pending' as const,
      decidedBy: null,
      decidedAt: null,
      channel: null,
      reason: null,
      createdAt: new Date(),
      escalatedAt: null,
      escalatedTo: null,
    };
    this.rows.set(a.id, approval);
    return approval;
  }
  async get(id: string) {
    return this.rows.get(id) ?? null;
  }
  async getByRecommendation(recommendationId: string) {
    return [...this.rows.values()].find((a) => a.recommendationId === recommendationId) ?? null;
  }
  async claim(id: string, decision: ClaimDecision, now: Date) {
    const row = this.rows.get(id);
    if (!row) throw new NotFoundError('Approval', id);
    if (row.status !== 'pending') throw new ApprovalAlreadyDecidedError(id, row.status);
    if (row.expiresAt <= now) throw new ApprovalExpiredError(id);
    Object.assign(row, {
      status: decision.status,
      decidedBy: decision.by,
      decidedAt: now,
      channel: decision.channel,
      reason: decision.reason ?? null,
      ...(decision.edited ?? {}),
    });
    return { approval: row, taskToken: row.taskToken };
  }
  async defer(id: string, days: number, now: Date) {
    const row = this.rows.get(id);
    if (!row) throw new NotFoundError('Approval', id);
    if (row.status !== 'pending' && row.status !== 'expired') throw new ApprovalAlreadyDecidedError(id, row.status);
    if (row.status === 'expired' || row.expiresAt <= now) throw new ApprovalExpiredError(id);
    const day = 86_400_000;
    Object.assign(row, {
      expiresAt: new Date(row.expiresAt.getTime() + days * day),
      deferredUntil: new Date(now.getTime() + days * day),
    });
    return row;
  }
  async listPending(filter: { runId?: string } = {}) {
    return [...this.rows.values()].filter(
      (a) => a.status === 'pending' && (filter.runId === undefined || a.runId === filter.runId),
    );
  }
  async backlog(now: Date) {
    const since = [...this.rows.values()]
      .filter((a) => a.status === 'pending' && !(a.deferredUntil && a.deferredUntil > now))
      .map((a) => Math.max(a.createdAt.getTime(), a.deferredUntil?.getTime() ?? 0));
    return { waiting: since.length, oldestWaitingSince: since.length > 0 ? new Date(Math.min(...since)) : null };
  }
  async escalate(
    recommendationId: string,
    e: { taskToken: string; escalatedTo: string | null; at: Date; expiresAt: Date },
  ) {
    const row = await this.getByRecommendation(recommendationId);
    if (!row) return null;
    if (row.status !== 'pending') return { approval: row, escalated: false };
    if (isHeldByDeferral(row, e.at).deferring) {
      row.taskToken = e.taskToken;
      return { approval: row, escalated: false };
    }
    const escalated = row.escalatedAt === null;
    Object.assign(row, {
      taskToken: e.taskToken,
      escalatedAt: row.escalatedAt ?? e.at,
      escalatedTo: escalated ? e.escalatedTo : row.escalatedTo,
      expiresAt: new Date(Math.max(e.expiresAt.getTime(), row.expiresAt.getTime())),
    });
    return { approval: row, escalated };
  }
  async expire(recommendationId: string, at: Date) {
    const row = await this.getByRecommendation(recommendationId);
    if (row?.status !== 'pending' || isHeldByDeferral(row, at).held) return null;
    Object.assign(row, { status: 'expired', decidedAt: at, reason: 'no decision in time' });
    return row;
  }
}

export class FakeAudit implements AuditLog {
  readonly entries: AuditEntry[] = [];
  async record(entry: AuditEntry) {
    this.entries.push(entry);
  }
  async list(): Promise<RecordedAuditEntry[]> {
    return [];
  }
}

export class FakeWorkflow implements WorkflowEngine {
  readonly successes: { token: string; output: Record<string, unknown> }[] = [];
  async startExecution(_m: string, name: string) {
    return { executionId: name };
  }
  async sendTaskSuccess(token: string, output: Record<string, unknown>) {
    this.successes.push({ token, output });
  }
  async sendTaskFailure() {}
  async describeExecution() {
    return null;
  }
  async getExecutionHistory() {
    return [];
  }
}

export class FakeRecommendations implements Pick<RecommendationRepository, 'setStatus'> {
  readonly statuses = new Map<string, RecommendationStatus>();
  async setStatus(id: string, status: RecommendationStatus) {
    this.statuses.set(id, status);
  }
}

export class FakeRuns implements Pick<RunRepository, 'setStatus'> {
  readonly statuses: RunStatus[] = [];
  async setStatus(_id: string, status: RunStatus) {
    this.statuses.push(status);
  }
}

export class FakeWriteLog implements CrmWriteLog {
  readonly rows = new Map<string, CrmWrite>();
  async begin(write: Omit<CrmWrite, 'status' | 'crmId'>) {
    const existing = this.rows.get(write.idempotencyKey);
    if (existing) return { entry: existing, isNew: false };
    const entry: CrmWrite = { ...write, status: 'started', crmId: null };
    this.rows.set(write.idempotencyKey, entry);
    return { entry, isNew: true };
  }
  async complete(key: string, crmId: string) {
    Object.assign(this.rows.get(key)!, { status: 'succeeded', crmId });
  }
}

/** A CRM that records creates and answers searches over what it holds. */
export class FakeCrm implements Pick<CrmClient, 'createRecords' | 'searchRecords'> {
  readonly records: ZohoRecord[] = [];
  async createRecords(_module: string, records: readonly Record<string, unknown>[]): Promise<CrmWriteResult[]> {
    return records.map((record) => {
      const id = String(5725767000000900000 + this.records.length);
      this.records.push({ ...record, id });
      return { status: 'success', code: 'SUCCESS', id, message: 'record added', details: { id } };
    });
  }
  async searchRecords(_module: string, criteria: string) {
    const key = /\(Sergas_Key:equals:(.+)\)/.exec(criteria)?.[1];
    return this.records.filter((r) => r.Sergas_Key === key);
  }
}
