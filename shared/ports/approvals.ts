export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired';
export type ApprovalChannel = 'web' | 'cli' | 'api';

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
}

export interface ClaimDecision {
  status: 'approved' | 'rejected';
  by: string;
  channel: ApprovalChannel;
  reason?: string;
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
  listPending(): Promise<Approval[]>;
}
