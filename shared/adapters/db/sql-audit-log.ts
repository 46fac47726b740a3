import type { AuditEntry, AuditLog, RecordedAuditEntry } from '../../ports/audit-log.ts';
import type { Db } from '../../ports/db.ts';

interface AuditRow {
  id: number;
  user_id: string | null;
  agent_id: string | null;
  action: string;
  resource_type: string;
  resource_id: string;
  details: Record<string, unknown>;
  created_at: Date;
}

export class SqlAuditLog implements AuditLog {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async record(entry: AuditEntry): Promise<void> {
    await this.#db.query(
      `INSERT INTO audit_logs (user_id, agent_id, action, resource_type, resource_id, details)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        entry.userId ?? null,
        entry.agentId ?? null,
        entry.action,
        entry.resourceType,
        entry.resourceId,
        JSON.stringify(entry.details ?? {}),
      ],
    );
  }

  async list(filter: { resourceType?: string; resourceId?: string; runId?: string }): Promise<RecordedAuditEntry[]> {
    const rows = await this.#db.query<AuditRow>(
      `SELECT * FROM audit_logs
       WHERE ($1::text IS NULL OR resource_type = $1) AND ($2::text IS NULL OR resource_id = $2)
         AND ($3::text IS NULL OR details->>'runId' = $3)
       ORDER BY id`,
      [filter.resourceType ?? null, filter.resourceId ?? null, filter.runId ?? null],
    );
    return rows.map((row) => ({
      id: row.id,
      userId: row.user_id,
      agentId: row.agent_id,
      action: row.action,
      resourceType: row.resource_type,
      resourceId: row.resource_id,
      details: row.details,
      createdAt: row.created_at,
    }));
  }
}
