import { z } from 'zod';
import { type AccessScope, canSeeOwner, FULL_ACCESS } from '../auth/access-scope.ts';
import type { Draft, Evidence, Signal } from '../domain/analysis.ts';
import type { Account } from '../domain/crm.ts';
import { NotFoundError } from '../errors.ts';
import type { Approval, ApprovalRepository } from '../ports/approvals.ts';
import type { CrmCopyReader } from '../ports/crm-copy.ts';
import type { Listings } from '../ports/listings.ts';
import type { RecommendationRepository, StoredRecommendation } from '../ports/recommendations.ts';
import type { Run, RunRepository } from '../ports/runs.ts';
import type { ExecutionStep, WorkflowEngine } from '../ports/workflow-engine.ts';
import { assertCanSeeAccount } from './access.ts';
import { decodeCursor, pageOf } from './page-cursor.ts';

export interface ViewDeps {
  copy: CrmCopyReader;
  runs: RunRepository;
  recommendations: RecommendationRepository;
  approvals: ApprovalRepository;
  workflow: WorkflowEngine;
  listings: Pick<Listings, 'ownerLinks' | 'ownerOfAccount'>;
}

/** The contract's snake_case, deep: `similarAccounts` → `similar_accounts`; dates as ISO strings. */
function snakeKeys(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase(),
      snakeKeys(inner),
    ]),
  );
}

const snake = (name: string) => name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();

/** The seed's orchestrator states a run has passed through, like CONTRACTS.md's `run.states`. */
export function runStatesOf(run: Run, history: readonly ExecutionStep[]): string[] {
  const states = [
    ...new Set(
      history
        .filter((step) => step.status === 'SUCCEEDED' || step.status === 'WAITING')
        .map((step) => snake(step.state))
        .filter((state) => state !== 'RECORD_FAILURE'),
    ),
  ];
  if ((run.status === 'COMPLETED' || run.status === 'FAILED') && !states.includes(run.status)) states.push(run.status);
  return states;
}

const draftJson = (draft: Draft | null) => {
  if (!draft) return null;
  switch (draft.kind) {
    case 'task':
      return {
        kind: 'task',
        subject: draft.subject,
        due_date: draft.dueDate,
        description: draft.description,
        owner_id: draft.ownerId,
      };
    case 'field_update':
      return {
        kind: 'field_update',
        module: draft.module,
        record_id: draft.recordId,
        field: draft.field,
        before: draft.before,
        after: draft.after,
      };
    default:
      return draft;
  }
};

export function recommendationJson(r: StoredRecommendation, approval: Approval | null) {
  return {
    id: r.id,
    type: r.type,
    priority: r.priority,
    confidence: r.confidence,
    action: r.action,
    rationale: r.rationale,
    evidence: r.evidence,
    draft: draftJson(r.draft),
    requires_approval: r.requiresApproval,
    approval_id: approval?.id ?? null,
    expires_at: r.expiresAt.toISOString(),
    status: r.status,
    author: r.author,
    compliance: r.compliance,
  };
}

const signalJson = (s: Signal) => ({
  type: s.type,
  severity: s.severity,
  detail: s.detail,
  evidence: s.evidence as Evidence[],
});

/** CONTRACTS.md's analysis result for an account's latest run (`sergas analyze --json`, `/status`). */
export async function getAccountAnalysis(
  deps: ViewDeps,
  accountId: string,
  runId?: string,
  scope: AccessScope = FULL_ACCESS,
) {
  const snapshot = await deps.copy.loadSnapshot(accountId);
  if (!snapshot || !canSeeOwner(scope, snapshot.account.ownerId)) throw new NotFoundError('Account', accountId);
  const run = runId ? await deps.runs.get(runId) : await deps.runs.latestForAccount(accountId);
  if (!run) throw new NotFoundError('Analysis of account', accountId);
  const history = await deps.workflow.getExecutionHistory(run.id);
  const recommendations = await deps.recommendations.listByRun(run.id);
  const approvals = await Promise.all(recommendations.map((r) => deps.approvals.getByRecommendation(r.id)));
  const a = run.analysis;
  return {
    account_id: snapshot.account.id,
    account_name: snapshot.account.name,
    owner: { id: snapshot.account.ownerId, name: snapshot.owner?.name ?? snapshot.account.ownerName },
    as_of: run.asOf.toISOString(),
    run: {
      id: run.id,
      status: run.status,
      states: runStatesOf(run, history),
      started_at: run.startedAt.toISOString(),
      ended_at: run.endedAt?.toISOString() ?? null,
      error: run.error,
    },
    risk_level: a.riskLevel ?? 'none',
    health: a.health ?? null,
    priority_score: a.priorityScore ?? null,
    needs_review: a.needsReview ?? false,
    signals: (a.signals ?? []).map(signalJson),
    insufficient_data: a.insufficientData ?? [],
    changed_fields: a.changedFields ?? [],
    recommendations: recommendations.map((r, i) => recommendationJson(r, approvals[i] ?? null)),
    // The Memory Analyst's findings: timeline, history patterns with evidence, similar accounts, recalled notes.
    memory: a.memory ? snakeKeys({ timeline: a.timeline ?? null, ...a.memory }) : null,
    compliance: a.compliance
      ? {
          approved: a.compliance.approved,
          risk_level: a.compliance.riskLevel,
          pii_detected: a.compliance.piiDetected,
          policy_violations: a.compliance.policyViolations,
        }
      : { approved: true, risk_level: 'low', pii_detected: [], policy_violations: [] },
  };
}

export type AccountAnalysis = Awaited<ReturnType<typeof getAccountAnalysis>>;

/** How many reviews an account's health trend (the dashboard's sparkline) spans. */
export const HEALTH_TREND_RUNS = 8;

const RISK_ORDER = ['critical', 'high', 'medium', 'low', 'none'] as const;
const riskRank = (level: string) => {
  const rank = RISK_ORDER.indexOf(level as (typeof RISK_ORDER)[number]);
  return rank < 0 ? RISK_ORDER.length : rank;
};

/** Where a page of accounts ended, in their sort order: riskiest, then highest priority, then by name. */
const AccountPosition = z.tuple([z.number().int(), z.number(), z.string(), z.string()]);
type AccountPosition = z.output<typeof AccountPosition>;
const compareAccounts = (x: AccountPosition, y: AccountPosition) =>
  x[0] - y[0] || y[1] - x[1] || x[2].localeCompare(y[2]) || (x[3] < y[3] ? -1 : x[3] > y[3] ? 1 : 0);

export interface AccountListFilter {
  ownerId?: string | undefined;
  riskLevel?: string | undefined;
  healthBand?: string | undefined;
  /** Whose accounts the caller may see; everything by default (the CLI). */
  scope?: AccessScope;
  /** A page of this many (all when absent), continuing after `cursor`. */
  limit?: number | undefined;
  cursor?: string | undefined;
}

/**
 * The accounts the caller may see with their latest analysis, riskiest first, a page at a time. The
 * summary counts every account in scope (and of the owner asked for), whatever the risk and health filters.
 */
export async function listAccountSummaries(deps: ViewDeps, filter: AccountListFilter = {}) {
  const scope = filter.scope ?? FULL_ACCESS;
  const accounts = (await deps.copy.listAccounts(filter.ownerId ? { ownerId: filter.ownerId } : undefined)).filter(
    (account) => canSeeOwner(scope, account.ownerId),
  );
  const runs = new Map((await deps.runs.latestPerAccount()).map((run) => [run.accountId, run]));
  const pending = new Map((await deps.approvals.listPending()).map((a) => [a.recommendationId, a]));
  const rows = accounts.map((account: Account) => {
    const run = runs.get(account.id) ?? null;
    const a = run?.analysis ?? {};
    return {
      id: account.id,
      name: account.name,
      owner: { id: account.ownerId, name: account.ownerName },
      risk_level: a.riskLevel ?? 'none',
      health: a.health ? { score: a.health.score, band: a.health.band } : null,
      priority_score: a.priorityScore ?? null,
      needs_review: a.needsReview ?? false,
      signals: (a.signals ?? []).map(signalJson),
      run: run ? { id: run.id, status: run.status } : null,
    };
  });
  const positionOf = (row: (typeof rows)[number]): AccountPosition => [
    riskRank(row.risk_level),
    row.priority_score ?? 0,
    row.name,
    row.id,
  ];
  const after = decodeCursor(filter.cursor, AccountPosition);
  const filtered = rows
    .filter((r) => !filter.riskLevel || r.risk_level === filter.riskLevel)
    .filter((r) => !filter.healthBand || r.health?.band === filter.healthBand)
    .filter((r) => !after || compareAccounts(positionOf(r), after) > 0)
    .sort((x, y) => compareAccounts(positionOf(x), positionOf(y)));
  const page = pageOf(filtered, filter.limit ?? filtered.length, positionOf);
  // Recommendations are read for the page only: a page of 50 should not load every account's.
  const pageRuns = page.items.flatMap((row) => (row.run ? [row.run.id] : []));
  const byRun = Map.groupBy(await deps.recommendations.listByRuns(pageRuns), (r) => r.runId);
  const trends = await deps.runs.healthTrends(
    page.items.map((row) => row.id),
    HEALTH_TREND_RUNS,
  );
  const byRisk = Object.fromEntries(
    RISK_ORDER.map((level) => [level, rows.filter((r) => r.risk_level === level).length]),
  );
  const visiblePending = [...pending.values()].filter((approval) =>
    rows.some((row) => row.run?.id === approval.runId),
  ).length;
  return {
    accounts: page.items.map((row) => ({
      ...row,
      health_trend: trends.get(row.id) ?? [],
      recommendations: (row.run ? (byRun.get(row.run.id) ?? []) : []).map((r) => ({
        id: r.id,
        type: r.type,
        priority: r.priority,
        confidence: r.confidence,
        action: r.action,
        status: r.status,
        approval_id: pending.get(r.id)?.id ?? null,
      })),
    })),
    summary: {
      accounts: rows.length,
      by_risk: byRisk,
      pending_approvals: scope.kind === 'all' && !filter.ownerId ? pending.size : visiblePending,
      analyzed: rows.filter((row) => row.run).length,
    },
    next_cursor: page.nextCursor,
  };
}

/** The approval queue, oldest first. */
export async function listPendingApprovals(deps: ViewDeps) {
  const approvals = await deps.approvals.listPending();
  const items = [];
  for (const approval of approvals) {
    const recommendation = await deps.recommendations.get(approval.recommendationId);
    if (!recommendation) continue;
    const snapshot = await deps.copy.loadSnapshot(recommendation.accountId);
    items.push({
      id: approval.id,
      url: `/approvals/${approval.id}`,
      run_id: approval.runId,
      recommendation: {
        id: recommendation.id,
        type: recommendation.type,
        priority: recommendation.priority,
        action: recommendation.action,
        confidence: recommendation.confidence,
      },
      account: { id: recommendation.accountId, name: snapshot?.account.name ?? recommendation.accountId },
      owner: {
        id: snapshot?.account.ownerId ?? null,
        name: snapshot?.owner?.name ?? snapshot?.account.ownerName ?? null,
      },
      created_at: approval.createdAt.toISOString(),
      expires_at: approval.expiresAt.toISOString(),
    });
  }
  return { approvals: items };
}

/** A run's record and its state history, like the Step Functions console. */
export async function showRun(deps: ViewDeps, runId: string, scope: AccessScope = FULL_ACCESS) {
  const run = await deps.runs.get(runId);
  if (!run) throw new NotFoundError('Run', runId);
  await assertCanSeeAccount(deps, scope, run.accountId, () => new NotFoundError('Run', runId));
  const history = await deps.workflow.getExecutionHistory(runId);
  const execution = await deps.workflow.describeExecution(runId);
  const snapshot = await deps.copy.loadSnapshot(run.accountId);
  return {
    id: run.id,
    account_id: run.accountId,
    // Null once the account is gone from the CRM copy; the run keeps its id.
    account_name: snapshot?.account.name ?? null,
    status: run.status,
    as_of: run.asOf.toISOString(),
    requested_by: run.requestedBy,
    started_at: run.startedAt.toISOString(),
    ended_at: run.endedAt?.toISOString() ?? null,
    error: run.error,
    // What the error said (masked when recorded): RecordFailure keeps it with the run.
    cause: run.errorCause,
    states: runStatesOf(run, history),
    // The run's own record of each status it passed through, kept with the run (the history may expire).
    timings: run.timings.map((timing) => ({
      state: timing.state,
      started_at: timing.startedAt.toISOString(),
      ended_at: timing.endedAt?.toISOString() ?? null,
      duration_ms: timing.endedAt ? timing.endedAt.getTime() - timing.startedAt.getTime() : null,
    })),
    execution: execution ? { status: execution.status, error: execution.error, cause: execution.cause } : null,
    history: history.map((step) => ({
      state: step.state,
      status: step.status,
      started_at: step.startedAt.toISOString(),
      ended_at: step.endedAt?.toISOString() ?? null,
      duration_ms: step.endedAt ? step.endedAt.getTime() - step.startedAt.getTime() : null,
      detail: step.detail,
    })),
  };
}

/** One recommendation with its approval, for `GET /api/v1/recommendations/{id}`. */
export async function getRecommendationView(deps: ViewDeps, id: string, scope: AccessScope = FULL_ACCESS) {
  const recommendation = await deps.recommendations.get(id);
  if (!recommendation) throw new NotFoundError('Recommendation', id);
  await assertCanSeeAccount(deps, scope, recommendation.accountId, () => new NotFoundError('Recommendation', id));
  const approval = await deps.approvals.getByRecommendation(id);
  return {
    ...recommendationJson(recommendation, approval),
    account_id: recommendation.accountId,
    run_id: recommendation.runId,
    approval: approval && {
      id: approval.id,
      status: approval.status,
      url: `/approvals/${approval.id}`,
      payload: approval.payload,
      payload_hash: approval.payloadHash,
      decided_by: approval.decidedBy,
      decided_at: approval.decidedAt?.toISOString() ?? null,
    },
  };
}
