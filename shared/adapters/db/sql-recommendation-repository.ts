import type { ComplianceReport, Draft, Evidence, Recommendation, RecommendationType } from '../../domain/analysis.ts';
import type { Db } from '../../ports/db.ts';
import type {
  RecommendationHistory,
  RecommendationRepository,
  RecommendationStatus,
  StoredRecommendation,
} from '../../ports/recommendations.ts';

interface RecommendationRow {
  id: string;
  account_id: string;
  run_id: string;
  type: RecommendationType;
  priority: Recommendation['priority'];
  confidence: number;
  action: string;
  rationale: string;
  evidence: Evidence[];
  draft: Draft | null;
  author: Recommendation['author'];
  compliance: ComplianceReport | null;
  status: RecommendationStatus;
  approved_by: string | null;
  approved_at: Date | null;
  expires_at: Date;
  created_at: Date;
}

const toStored = (row: RecommendationRow): StoredRecommendation => ({
  id: row.id,
  accountId: row.account_id,
  runId: row.run_id,
  type: row.type,
  priority: row.priority,
  confidence: row.confidence,
  action: row.action,
  rationale: row.rationale,
  evidence: row.evidence,
  draft: row.draft,
  requiresApproval: true,
  expiresAt: row.expires_at,
  author: row.author,
  status: row.status,
  compliance: row.compliance,
  approvedBy: row.approved_by,
  approvedAt: row.approved_at,
  createdAt: row.created_at,
});

/** Decisions that count towards a type's historical acceptance. */
const ACCEPTED = new Set<RecommendationStatus>(['approved', 'executed']);
const DECIDED = new Set<RecommendationStatus>(['approved', 'executed', 'rejected']);

export class SqlRecommendationRepository implements RecommendationRepository {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async saveForRun(runId: string, recommendations: readonly Recommendation[]): Promise<void> {
    for (const r of recommendations) {
      await this.#db.query(
        `INSERT INTO recommendations (id, account_id, run_id, type, priority, confidence, action, rationale, evidence,
           draft, author, status, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'draft', $12) ON CONFLICT (id) DO NOTHING`,
        [
          r.id,
          r.accountId,
          runId,
          r.type,
          r.priority,
          r.confidence,
          r.action,
          r.rationale,
          JSON.stringify(r.evidence),
          JSON.stringify(r.draft),
          r.author,
          r.expiresAt,
        ],
      );
    }
  }

  async listByRun(runId: string): Promise<StoredRecommendation[]> {
    const rows = await this.#db.query<RecommendationRow>(
      'SELECT * FROM recommendations WHERE run_id = $1 ORDER BY created_at, id',
      [runId],
    );
    return rows.map(toStored);
  }

  async listByRuns(runIds: readonly string[]): Promise<StoredRecommendation[]> {
    if (runIds.length === 0) return [];
    const rows = await this.#db.query<RecommendationRow>(
      'SELECT * FROM recommendations WHERE run_id = ANY($1::uuid[]) ORDER BY created_at, id',
      [runIds],
    );
    return rows.map(toStored);
  }

  async get(id: string): Promise<StoredRecommendation | null> {
    const rows = await this.#db.query<RecommendationRow>('SELECT * FROM recommendations WHERE id = $1', [id]);
    return rows[0] ? toStored(rows[0]) : null;
  }

  async setCompliance(id: string, report: ComplianceReport, status: 'pending' | 'blocked'): Promise<void> {
    await this.#db.query(`UPDATE recommendations SET compliance = $2, status = $3 WHERE id = $1 AND status = 'draft'`, [
      id,
      JSON.stringify(report),
      status,
    ]);
  }

  async setStatus(id: string, status: RecommendationStatus, decidedBy?: string, at?: Date): Promise<void> {
    await this.#db.query(
      `UPDATE recommendations SET status = $2, approved_by = COALESCE($3, approved_by), approved_at = COALESCE($4, approved_at)
       WHERE id = $1`,
      [id, status, decidedBy ?? null, at ?? null],
    );
  }

  async history(accountId: string, asOf: Date): Promise<RecommendationHistory> {
    const rows = await this.#db.query<{
      type: RecommendationType;
      status: RecommendationStatus;
      approved_at: Date | null;
      account_id: string;
      expires_at: Date;
    }>(
      `SELECT type, status, approved_at, account_id, expires_at FROM recommendations WHERE created_at <= $1 OR account_id = $2`,
      [asOf, accountId],
    );
    const history: RecommendationHistory = { pendingTypes: [], rejectedAt: {}, outcomes: {} };
    for (const row of rows) {
      if (DECIDED.has(row.status)) {
        const outcome = history.outcomes[row.type] ?? { accepted: 0, total: 0 };
        history.outcomes[row.type] = outcome;
        outcome.total++;
        if (ACCEPTED.has(row.status)) outcome.accepted++;
      }
      if (row.account_id !== accountId) continue;
      if (row.status === 'pending' && row.expires_at > asOf) history.pendingTypes.push(row.type);
      if (row.status === 'rejected' && row.approved_at) {
        const previous = history.rejectedAt[row.type];
        if (!previous || previous < row.approved_at) history.rejectedAt[row.type] = row.approved_at;
      }
    }
    return history;
  }
}
