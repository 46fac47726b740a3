export interface AuditEntry {
  userId?: string | null;
  agentId?: string | null;
  action: string;
  resourceType: string;
  resourceId: string;
  details?: Record<string, unknown>;
}

export interface RecordedAuditEntry extends Required<Omit<AuditEntry, 'details'>> {
  id: number;
  details: Record<string, unknown>;
  createdAt: Date;
}

/** Append-only trail of who did what. Text in `details` is PII-masked before it is recorded. */
export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
  list(filter: { resourceType?: string; resourceId?: string; runId?: string }): Promise<RecordedAuditEntry[]>;
}
