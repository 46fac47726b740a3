export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired';
/** `policy`: approved by the tenant's `auto` policy, without a person. */
export type ApprovalChannel = 'web' | 'cli' | 'api' | 'mcp' | 'policy';

/** The exact CRM write an approver sees and approves; execution writes exactly this. */
export interface CrmWritePayload {
  module: 'Tasks' | 'Notes';
  record: Record<string, unknown>;
}

export interface Approval {
  id: string;
  recommendationId: string;
  runId: string;
  status: ApprovalStatus;
  payload: CrmWritePayload;
  payloadHash: string;
  decidedBy: string | null;
  decidedAt: Date | null;
  channel: ApprovalChannel | null;
  reason: string | null;
  createdAt: Date;
  expiresAt: Date;
  /** When the approval went up to the owner's manager after the first wait timed out, and to whom. */
  escalatedAt: Date | null;
  escalatedTo: string | null;
  /** A person deferred the decision until then (the approval stays pending). */
  deferredUntil?: Date | null;
}

export interface ClaimDecision {
  status: 'approved' | 'rejected';
  by: string;
  channel: ApprovalChannel;
  reason?: string;
  /** Approve with edits: the edited payload and its hash replace the ones the approval was created with. */
  edited?: { payload: CrmWritePayload; payloadHash: string };
}

/** What waits on people: the operational view behind the approval backlog alarm. */
export interface ApprovalBacklog {
  waiting: number;
  /** Null when nothing waits. */
  oldestWaitingSince: Date | null;
}

export interface ApprovalRepository {
  create(approval: {
    id: string;
    recommendationId: string;
    runId: string;
    taskToken: string;
    payload: CrmWritePayload;
    payloadHash: string;
    expiresAt: Date;
  }): Promise<Approval>;
  get(id: string): Promise<Approval | null>;
  getByRecommendation(recommendationId: string): Promise<Approval | null>;
  /**
   * The one atomic pending → decided update. Exactly one concurrent claim wins; the others fail with
   * ApprovalAlreadyDecidedError (or ApprovalExpiredError past its expiry). Returns the task token.
   */
  claim(id: string, decision: ClaimDecision, now: Date): Promise<{ approval: Approval; taskToken: string }>;
  /** Pending approvals, oldest first; of one run when `runId` is given. */
  listPending(filter?: { runId?: string }): Promise<Approval[]>;
  /**
   * The pending approvals waiting on a person at `now` (a deferred one only once its deferral has
   * ended): how many, and since when the longest has waited (its request, or the end of its deferral).
   */
  backlog(now: Date): Promise<ApprovalBacklog>;
  /**
   * Defer a pending approval: it stays pending, its expiry moves `days` later and it is marked deferred
   * until `now + days`. Fails like `claim` (409 decided, 410 expired, 404 unknown).
   */
  defer(id: string, days: number, now: Date): Promise<Approval>;
  /**
   * The first wait timed out: the pending approval takes the Escalate state's task token, and is
   * recorded as escalated (once: a retried escalation keeps the first time and recipient) with its
   * expiry moved to at least `expiresAt`. While a person's deferral runs (`deferredUntil` after `at`) it
   * only takes the token. Returns the approval as it now is, pending or already decided (its token
   * untouched then), and whether this call escalated it.
   */
  escalate(
    recommendationId: string,
    escalation: { taskToken: string; escalatedTo: string | null; at: Date; expiresAt: Date },
  ): Promise<{ approval: Approval; escalated: boolean } | null>;
  /**
   * Nobody decided in time: a pending approval becomes expired (deny). Null when it was not pending or
   * is held by a deferral (see `isHeldByDeferral`).
   */
  expire(recommendationId: string, at: Date): Promise<Approval | null>;
}
