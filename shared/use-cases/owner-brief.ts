import { type AccessScope, canSeeOwner, FULL_ACCESS } from '../auth/access-scope.ts';
import { type BriefAccount, type BriefApproval, composeOwnerBrief, type OwnerBrief } from '../domain/owner-brief.ts';
import { NotFoundError } from '../errors.ts';
import type { ApprovalRepository } from '../ports/approvals.ts';
import type { Clock } from '../ports/clock.ts';
import type { CrmCopyReader } from '../ports/crm-copy.ts';
import type { RecommendationRepository } from '../ports/recommendations.ts';
import type { RunRepository } from '../ports/runs.ts';

export interface OwnerBriefDeps {
  copy: CrmCopyReader;
  runs: RunRepository;
  recommendations: RecommendationRepository;
  approvals: ApprovalRepository;
  clock: Clock;
}

/**
 * The daily brief of one account owner (DOMAIN-RULES "Owner brief") from each of their accounts' latest
 * analysis: NotFoundError for an owner the CRM copy does not know.
 */
export async function getOwnerBrief(
  deps: OwnerBriefDeps,
  input: { ownerId: string; now?: Date; scope?: AccessScope },
): Promise<OwnerBrief> {
  const owner = await deps.copy.getOwner(input.ownerId);
  // Someone else's brief reads like an unknown owner's: a rep learns nothing about colleagues.
  if (!owner || !canSeeOwner(input.scope ?? FULL_ACCESS, owner.id)) throw new NotFoundError('Owner', input.ownerId);
  const accounts = await deps.copy.listAccounts({ ownerId: owner.id });
  const mine = new Set(accounts.map((account) => account.id));
  const runs = (await deps.runs.latestPerAccount()).filter((run) => mine.has(run.accountId));
  const recommendations = Map.groupBy(
    await deps.recommendations.listByRuns(runs.map((run) => run.id)),
    (recommendation) => recommendation.runId,
  );
  const runOf = new Map(runs.map((run) => [run.accountId, run]));
  const pending = (await deps.approvals.listPending()).filter((approval) =>
    runs.some((run) => run.id === approval.runId),
  );
  const approvalOf = new Map(pending.map((approval) => [approval.recommendationId, approval]));

  const briefAccounts: BriefAccount[] = accounts.map((account) => {
    const run = runOf.get(account.id);
    const analysis = run?.analysis ?? {};
    const open = (run ? (recommendations.get(run.id) ?? []) : []).filter(
      (r) => r.status === 'pending' || r.status === 'draft',
    );
    return {
      id: account.id,
      name: account.name,
      riskLevel: analysis.riskLevel ?? 'none',
      priorityScore: analysis.priorityScore ?? 0,
      healthScore: analysis.health?.score ?? null,
      changedFields: analysis.changedFields?.length ?? 0,
      actions: open.map((r) => ({
        id: r.id,
        type: r.type,
        priority: r.priority,
        action: r.action,
        approvalId: approvalOf.get(r.id)?.id ?? null,
      })),
    };
  });
  const names = new Map(accounts.map((account) => [account.id, account.name]));
  const accountOfRun = new Map(runs.map((run) => [run.id, run.accountId]));
  const byId = new Map([...recommendations.values()].flat().map((r) => [r.id, r]));
  const pendingApprovals: BriefApproval[] = pending.flatMap((approval) => {
    const recommendation = byId.get(approval.recommendationId);
    const accountId = accountOfRun.get(approval.runId);
    if (!recommendation || !accountId) return [];
    return [
      {
        id: approval.id,
        accountId,
        accountName: names.get(accountId) ?? accountId,
        type: recommendation.type,
        action: recommendation.action,
        expiresAt: approval.expiresAt,
      },
    ];
  });
  return composeOwnerBrief({
    owner: { id: owner.id, name: owner.name, timeZone: owner.timeZone },
    accounts: briefAccounts,
    pendingApprovals,
    now: input.now ?? deps.clock.now(),
  });
}

/** The brief as the API and `sergas brief --json` show it. */
export function ownerBriefJson(brief: OwnerBrief) {
  return {
    owner: { id: brief.owner.id, name: brief.owner.name, time_zone: brief.owner.timeZone },
    date: brief.date,
    deliver_by: brief.deliverBy.toISOString(),
    no_updates: brief.noUpdates,
    total_accounts: brief.totalAccounts,
    estimated_review_minutes: brief.estimatedReviewMinutes,
    accounts: brief.accounts.map((account) => ({
      id: account.id,
      name: account.name,
      risk_level: account.riskLevel,
      priority_score: account.priorityScore,
      health_score: account.healthScore,
      changed_fields: account.changedFields,
      actions: account.actions.map((action) => ({
        recommendation_id: action.id,
        type: action.type,
        priority: action.priority,
        action: action.action,
        approval_id: action.approvalId,
      })),
    })),
    pending_approvals: brief.pendingApprovals.map((approval) => ({
      id: approval.id,
      url: `/approvals/${approval.id}`,
      account: { id: approval.accountId, name: approval.accountName },
      type: approval.type,
      action: approval.action,
      expires_at: approval.expiresAt.toISOString(),
    })),
  };
}
