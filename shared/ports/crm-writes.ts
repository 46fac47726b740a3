export interface CrmWrite {
  idempotencyKey: string;
  recommendationId: string;
  approvalId: string | null;
  module: string;
  payloadHash: string;
  status: 'started' | 'succeeded';
  crmId: string | null;
}

/** The ledger of CRM writes by idempotency key: a retried or replayed step never writes twice. */
export interface CrmWriteLog {
  /** Records the intent; returns the existing entry when one was already begun. */
  begin(write: Omit<CrmWrite, 'status' | 'crmId'>, now: Date): Promise<{ entry: CrmWrite; isNew: boolean }>;
  complete(idempotencyKey: string, crmId: string, now: Date): Promise<void>;
}
