/**
 * The API's list queries: one page at a time, newest (or, for approvals, oldest) first, filtered by what
 * the caller asked and by the account owners the caller may see. Which owners those are is the use
 * case's decision (its AccessScope); this port only applies the list it is given (`ownerIds`, null for all).
 */

/** Where the previous page ended: the sort timestamp exactly as the database holds it, and the id. */
export interface Keyset {
  at: string;
  id: string;
}

interface PageQuery {
  ownerIds: readonly string[] | null;
  after: Keyset | null;
  limit: number;
}

export interface RecommendationListItem {
  id: string;
  accountId: string;
  accountName: string | null;
  ownerId: string | null;
  runId: string;
  type: string;
  priority: string;
  confidence: number;
  action: string;
  status: string;
  createdAt: Date;
  expiresAt: Date;
  approvalId: string | null;
  approvalStatus: string | null;
  keyset: Keyset;
}

/** `status` is the effective one: a pending approval past its expiry is `expired`. */
export interface ApprovalListItem {
  id: string;
  recommendationId: string;
  runId: string;
  status: 'pending' | 'approved' | 'rejected' | 'expired';
  createdAt: Date;
  expiresAt: Date;
  decidedBy: string | null;
  decidedAt: Date | null;
  recommendation: { type: string; priority: string; action: string; confidence: number };
  accountId: string;
  accountName: string | null;
  ownerId: string | null;
  ownerName: string | null;
  keyset: Keyset;
}

export interface RunListItem {
  id: string;
  accountId: string;
  accountName: string | null;
  status: string;
  asOf: Date;
  requestedBy: string | null;
  startedAt: Date;
  endedAt: Date | null;
  error: string | null;
  riskLevel: string | null;
  keyset: Keyset;
}

export interface Listings {
  /** Every CRM user with whom they report to, for a manager's scope. */
  ownerLinks(): Promise<{ id: string; managerId: string | null }[]>;
  /** The owner of an account in the CRM copy; undefined when the copy has no such account. */
  ownerOfAccount(accountId: string): Promise<string | null | undefined>;
  /** Newest first. */
  recommendations(
    query: PageQuery & { accountId?: string; status?: string; type?: string },
  ): Promise<RecommendationListItem[]>;
  /** Oldest first (the queue order); `now` decides which pending ones have expired. */
  approvals(
    query: PageQuery & { accountId?: string; status?: ApprovalListItem['status']; now: Date },
  ): Promise<ApprovalListItem[]>;
  /** Newest first. */
  runs(query: PageQuery & { accountId?: string; status?: string }): Promise<RunListItem[]>;
}
