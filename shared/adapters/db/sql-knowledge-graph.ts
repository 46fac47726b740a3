import type { RecommendationType } from '../../domain/analysis.ts';
import type { AcceptanceHistory } from '../../domain/recommendations/confidence.ts';
import type { Db } from '../../ports/db.ts';
import {
  type AccountSubgraph,
  DEFAULT_TENANT,
  EDGE_ENDS,
  type EdgeType,
  type EntityKind,
  type EntityRef,
  type GraphEdge,
  type GraphEntity,
  type GraphValue,
  type KnowledgeGraph,
  type OutcomeKind,
  type RecommendationOutcome,
  type WriteCounts,
} from '../../ports/knowledge-graph.ts';
import { clip, sha256Of, UPSERT_BATCH } from './sql-upsert.ts';

interface EntityRow {
  kind: EntityKind;
  id: string;
  label: string;
  props: Record<string, GraphValue>;
}

interface EdgeRow {
  type: EdgeType;
  from_kind: EntityKind;
  from_id: string;
  to_kind: EntityKind;
  to_id: string;
  account_id: string;
}

interface OutcomeRow {
  recommendation_id: string;
  recommendation_type: RecommendationType;
  account_id: string;
  outcome: OutcomeKind;
  at: Date | string;
  decided_by: string | null;
}

const entityOf = (row: EntityRow): GraphEntity => ({ kind: row.kind, id: row.id, label: row.label, props: row.props });

const edgeOf = (row: EdgeRow): GraphEdge => ({
  type: row.type,
  from: { kind: row.from_kind, id: row.from_id },
  to: { kind: row.to_kind, id: row.to_id },
  accountId: row.account_id,
});

const outcomeOf = (row: OutcomeRow): RecommendationOutcome => ({
  recommendationId: row.recommendation_id,
  recommendationType: row.recommendation_type,
  accountId: row.account_id,
  outcome: row.outcome,
  at: row.at instanceof Date ? row.at : new Date(row.at),
  by: row.decided_by,
});

const ENTITY_ORDER = 'ORDER BY kind, label, id';

/** Counts what a batched upsert's `RETURNING (xmax = 0) AS inserted` reported. */
function countsOf(written: readonly { inserted: boolean }[], batchSize: number): WriteCounts {
  const inserted = written.filter((row) => row.inserted).length;
  return { inserted, updated: written.length - inserted, unchanged: batchSize - written.length };
}

function add(total: WriteCounts, counts: WriteCounts): void {
  total.inserted += counts.inserted;
  total.updated += counts.updated;
  total.unchanged += counts.unchanged;
}

/** An edge whose ends are not the kinds its type joins is a programming error, never stored. */
function checkEnds(edge: GraphEdge): void {
  const [from, to] = EDGE_ENDS[edge.type];
  if (edge.from.kind !== from || edge.to.kind !== to) {
    throw new Error(`A ${edge.type} edge joins ${from} → ${to}, not ${edge.from.kind} → ${edge.to.kind}`);
  }
}

/**
 * The knowledge graph on the Db port (real Postgres or PGlite). Batches travel as one jsonb parameter, like
 * the CRM copy's upserts, and an entity or edge that did not change costs no write, so rebuilding an
 * unchanged account writes nothing.
 */
export class SqlKnowledgeGraph implements KnowledgeGraph {
  readonly #db: Db;
  readonly #tenant: string;

  constructor(db: Db, tenantId: string = DEFAULT_TENANT) {
    this.#db = db;
    this.#tenant = tenantId;
  }

  async upsertEntities(entities: readonly GraphEntity[], at: Date): Promise<WriteCounts> {
    const unique = [...new Map(entities.map((e) => [`${e.kind}:${e.id}`, e])).values()];
    const total: WriteCounts = { inserted: 0, updated: 0, unchanged: 0 };
    for (let start = 0; start < unique.length; start += UPSERT_BATCH) {
      const batch = unique.slice(start, start + UPSERT_BATCH).map((e) => {
        const label = clip(e.label, 500) ?? '';
        return { kind: e.kind, id: e.id, label, props: e.props, props_hash: sha256Of({ label, props: e.props }) };
      });
      const written = await this.#db.query<{ inserted: boolean }>(
        `INSERT INTO graph_entities (tenant_id, kind, id, label, props, props_hash, first_seen_at, updated_at)
         SELECT $1, x.kind, x.id, x.label, x.props, x.props_hash, $3, $3
         FROM jsonb_to_recordset($2::jsonb) AS x(kind text, id text, label text, props jsonb, props_hash text)
         ON CONFLICT (tenant_id, kind, id) DO UPDATE
           SET label = EXCLUDED.label, props = EXCLUDED.props, props_hash = EXCLUDED.props_hash,
               updated_at = EXCLUDED.updated_at
         WHERE graph_entities.props_hash IS DISTINCT FROM EXCLUDED.props_hash
         RETURNING (xmax = 0) AS inserted`,
        [this.#tenant, JSON.stringify(batch), at.toISOString()],
      );
      add(total, countsOf(written, batch.length));
    }
    return total;
  }

  async upsertEdges(edges: readonly GraphEdge[], at: Date): Promise<WriteCounts> {
    for (const edge of edges) checkEnds(edge);
    const unique = [...new Map(edges.map((e) => [`${e.type}:${e.from.id}:${e.to.id}`, e])).values()];
    const total: WriteCounts = { inserted: 0, updated: 0, unchanged: 0 };
    for (let start = 0; start < unique.length; start += UPSERT_BATCH) {
      const batch = unique.slice(start, start + UPSERT_BATCH).map((e) => ({
        type: e.type,
        from_kind: e.from.kind,
        from_id: e.from.id,
        to_kind: e.to.kind,
        to_id: e.to.id,
        account_id: e.accountId,
      }));
      const written = await this.#db.query<{ inserted: boolean }>(
        `INSERT INTO graph_edges (tenant_id, type, from_kind, from_id, to_kind, to_id, account_id, created_at, updated_at)
         SELECT $1, x.type, x.from_kind, x.from_id, x.to_kind, x.to_id, x.account_id, $3, $3
         FROM jsonb_to_recordset($2::jsonb)
           AS x(type text, from_kind text, from_id text, to_kind text, to_id text, account_id text)
         ON CONFLICT (tenant_id, type, from_id, to_id) DO UPDATE
           SET account_id = EXCLUDED.account_id, updated_at = EXCLUDED.updated_at
         WHERE graph_edges.account_id IS DISTINCT FROM EXCLUDED.account_id
         RETURNING (xmax = 0) AS inserted`,
        [this.#tenant, JSON.stringify(batch), at.toISOString()],
      );
      add(total, countsOf(written, batch.length));
    }
    return total;
  }

  async pruneEdges(accountId: string, types: readonly EdgeType[], keep: readonly GraphEdge[]): Promise<number> {
    if (types.length === 0) return 0;
    const kept = keep.map((e) => ({ type: e.type, from_id: e.from.id, to_id: e.to.id }));
    const removed = await this.#db.query(
      `DELETE FROM graph_edges e
       WHERE e.tenant_id = $1 AND e.account_id = $2 AND e.type = ANY($3::text[])
         AND NOT EXISTS (
           SELECT 1 FROM jsonb_to_recordset($4::jsonb) AS k(type text, from_id text, to_id text)
           WHERE k.type = e.type AND k.from_id = e.from_id AND k.to_id = e.to_id)
       RETURNING e.type`,
      [this.#tenant, accountId, [...types], JSON.stringify(kept)],
    );
    return removed.length;
  }

  async neighbours(entity: EntityRef, types: readonly EdgeType[] = []): Promise<GraphEntity[]> {
    const rows = await this.#db.query<EntityRow>(
      `WITH ends AS (
         SELECT to_kind AS kind, to_id AS id FROM graph_edges
         WHERE tenant_id = $1 AND from_kind = $2 AND from_id = $3 AND (cardinality($4::text[]) = 0 OR type = ANY($4::text[]))
         UNION
         SELECT from_kind, from_id FROM graph_edges
         WHERE tenant_id = $1 AND to_kind = $2 AND to_id = $3 AND (cardinality($4::text[]) = 0 OR type = ANY($4::text[])))
       SELECT n.kind, n.id, n.label, n.props FROM graph_entities n JOIN ends ON ends.kind = n.kind AND ends.id = n.id
       WHERE n.tenant_id = $1 ${ENTITY_ORDER}`,
      [this.#tenant, entity.kind, entity.id, [...types]],
    );
    return rows.map(entityOf);
  }

  async accountSubgraph(accountId: string): Promise<AccountSubgraph> {
    const edges = await this.#db.query<EdgeRow>(
      `SELECT type, from_kind, from_id, to_kind, to_id, account_id FROM graph_edges
       WHERE tenant_id = $1 AND account_id = $2 ORDER BY type, from_id, to_id`,
      [this.#tenant, accountId],
    );
    const entities = await this.#db.query<EntityRow>(
      `WITH ends AS (
         SELECT from_kind AS kind, from_id AS id FROM graph_edges WHERE tenant_id = $1 AND account_id = $2
         UNION SELECT to_kind, to_id FROM graph_edges WHERE tenant_id = $1 AND account_id = $2
         UNION SELECT 'account', $2::text)
       SELECT n.kind, n.id, n.label, n.props FROM graph_entities n JOIN ends ON ends.kind = n.kind AND ends.id = n.id
       WHERE n.tenant_id = $1 ${ENTITY_ORDER}`,
      [this.#tenant, accountId],
    );
    const outcomes = await this.#db.query<OutcomeRow>(
      `SELECT recommendation_id, recommendation_type, account_id, outcome, at, decided_by FROM graph_outcomes
       WHERE tenant_id = $1 AND account_id = $2 ORDER BY at, recommendation_id, outcome`,
      [this.#tenant, accountId],
    );
    return { entities: entities.map(entityOf), edges: edges.map(edgeOf), outcomes: outcomes.map(outcomeOf) };
  }

  async recordOutcomes(outcomes: readonly RecommendationOutcome[]): Promise<number> {
    if (outcomes.length === 0) return 0;
    const rows = outcomes.map((o) => ({
      recommendation_id: o.recommendationId,
      recommendation_type: o.recommendationType,
      account_id: o.accountId,
      outcome: o.outcome,
      at: o.at.toISOString(),
      decided_by: clip(o.by, 320),
    }));
    const inserted = await this.#db.query(
      `INSERT INTO graph_outcomes (tenant_id, recommendation_id, recommendation_type, account_id, outcome, at, decided_by)
       SELECT $1, x.recommendation_id, x.recommendation_type, x.account_id, x.outcome, x.at, x.decided_by
       FROM jsonb_to_recordset($2::jsonb) AS x(recommendation_id text, recommendation_type text, account_id text,
         outcome text, at timestamptz, decided_by text)
       ON CONFLICT DO NOTHING
       RETURNING outcome`,
      [this.#tenant, JSON.stringify(rows)],
    );
    return inserted.length;
  }

  async outcomesByType(): Promise<AcceptanceHistory> {
    const rows = await this.#db.query<{ type: RecommendationType; accepted: number; total: number }>(
      `SELECT recommendation_type AS type, (count(*) FILTER (WHERE accepted))::int AS accepted, count(*)::int AS total
       FROM (SELECT recommendation_id, recommendation_type,
                    bool_or(outcome IN ('approved', 'edited', 'executed')) AS accepted
             FROM graph_outcomes
             WHERE tenant_id = $1 AND outcome IN ('approved', 'edited', 'rejected', 'executed')
             GROUP BY recommendation_id, recommendation_type) decided
       GROUP BY recommendation_type`,
      [this.#tenant],
    );
    return Object.fromEntries(rows.map((r) => [r.type, { accepted: Number(r.accepted), total: Number(r.total) }]));
  }
}
