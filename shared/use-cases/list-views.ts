import { z } from 'zod';
import { type AccessScope, ownerFilterOf } from '../auth/access-scope.ts';
import type { ApprovalListItem, Keyset, Listings } from '../ports/listings.ts';
import { decodeCursor, pageOf } from './page-cursor.ts';

export interface ListDeps {
  listings: Listings;
  clock: { now(): Date };
}

export interface PageInput {
  scope: AccessScope;
  limit: number;
  cursor?: string | undefined;
}

const KeysetCursor = z.object({ at: z.string().min(1).max(64), id: z.string().min(1).max(100) });
const keyset = (cursor: string | undefined): Keyset | null => decodeCursor(cursor, KeysetCursor);

const iso = (date: Date | null) => date?.toISOString() ?? null;

/** Recommendations the caller may see, newest first, by status, type or account. */
export async function listRecommendations(
  deps: ListDeps,
  input: PageInput & { status?: string | undefined; type?: string | undefined; accountId?: string | undefined },
) {
  const rows = await deps.listings.recommendations({
    ownerIds: ownerFilterOf(input.scope),
    after: keyset(input.cursor),
    limit: input.limit + 1,
    ...(input.status ? { status: input.status } : {}),
    ...(input.type ? { type: input.type } : {}),
    ...(input.accountId ? { accountId: input.accountId } : {}),
  });
  const page = pageOf(rows, input.limit, (last) => last.keyset);
  return {
    recommendations: page.items.map((r) => ({
      id: r.id,
      type: r.type,
      priority: r.priority,
      confidence: r.confidence,
      action: r.action,
      status: r.status,
      account: { id: r.accountId, name: r.accountName ?? r.accountId },
      owner_id: r.ownerId,
      run_id: r.runId,
      approval: r.approvalId ? { id: r.approvalId, status: r.approvalStatus, url: `/approvals/${r.approvalId}` } : null,
      created_at: r.createdAt.toISOString(),
      expires_at: r.expiresAt.toISOString(),
    })),
    next_cursor: page.nextCursor,
  };
}

/** The approval queue the caller may act on, oldest first; by default the pending ones. */
export async function listApprovals(
  deps: ListDeps,
  input: PageInput & { status?: ApprovalListItem['status'] | undefined; accountId?: string | undefined },
) {
  const rows = await deps.listings.approvals({
    ownerIds: ownerFilterOf(input.scope),
    after: keyset(input.cursor),
    limit: input.limit + 1,
    now: deps.clock.now(),
    status: input.status ?? 'pending',
    ...(input.accountId ? { accountId: input.accountId } : {}),
  });
  const page = pageOf(rows, input.limit, (last) => last.keyset);
  return {
    approvals: page.items.map((a) => ({
      id: a.id,
      url: `/approvals/${a.id}`,
      status: a.status,
      run_id: a.runId,
      recommendation: { id: a.recommendationId, ...a.recommendation },
      account: { id: a.accountId, name: a.accountName ?? a.accountId },
      owner: { id: a.ownerId, name: a.ownerName },
      created_at: a.createdAt.toISOString(),
      expires_at: a.expiresAt.toISOString(),
      decided_by: a.decidedBy,
      decided_at: iso(a.decidedAt),
    })),
    next_cursor: page.nextCursor,
  };
}

/** Analysis runs the caller may see, newest first, by account or status. */
export async function listRuns(
  deps: ListDeps,
  input: PageInput & { status?: string | undefined; accountId?: string | undefined },
) {
  const rows = await deps.listings.runs({
    ownerIds: ownerFilterOf(input.scope),
    after: keyset(input.cursor),
    limit: input.limit + 1,
    ...(input.status ? { status: input.status } : {}),
    ...(input.accountId ? { accountId: input.accountId } : {}),
  });
  const page = pageOf(rows, input.limit, (last) => last.keyset);
  return {
    runs: page.items.map((run) => ({
      id: run.id,
      url: `/api/v1/runs/${run.id}`,
      account: { id: run.accountId, name: run.accountName ?? run.accountId },
      status: run.status,
      risk_level: run.riskLevel,
      as_of: run.asOf.toISOString(),
      requested_by: run.requestedBy,
      started_at: run.startedAt.toISOString(),
      ended_at: iso(run.endedAt),
      error: run.error,
    })),
    next_cursor: page.nextCursor,
  };
}
