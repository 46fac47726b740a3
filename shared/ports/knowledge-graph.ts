/**
 * The Memory Analyst's knowledge graph: the CRM's records as entities, their relations as typed edges,
 * and what became of each recommendation. Built from the CRM copy, one account at a time; a graph belongs
 * to one tenant (one Zoho org), chosen when the adapter is made.
 */
import type { RecommendationOutcomeKind, RecommendationType } from '../domain/analysis.ts';
import type { AcceptanceHistory } from '../domain/recommendations/confidence.ts';

export type EntityKind = 'account' | 'contact' | 'deal' | 'owner' | 'activity' | 'recommendation';

/** Each edge type joins one kind to another, read as "from → to". */
export const EDGE_ENDS = {
  account_contact: ['account', 'contact'],
  account_deal: ['account', 'deal'],
  deal_contact: ['deal', 'contact'],
  owner_account: ['owner', 'account'],
  activity_account: ['activity', 'account'],
  activity_deal: ['activity', 'deal'],
  activity_contact: ['activity', 'contact'],
  recommendation_account: ['recommendation', 'account'],
} as const satisfies Record<string, readonly [EntityKind, EntityKind]>;

export type EdgeType = keyof typeof EDGE_ENDS;

export type GraphValue = string | number | boolean | null;

export interface EntityRef {
  kind: EntityKind;
  id: string;
}

export interface GraphEntity extends EntityRef {
  label: string;
  /** A few facts worth reading without the CRM copy (stage, amount, activity kind and time, …). */
  props: Record<string, GraphValue>;
}

export interface GraphEdge {
  type: EdgeType;
  from: EntityRef;
  to: EntityRef;
  /** The account whose subgraph the edge belongs to (the account build that wrote it). */
  accountId: string;
}

/** The human decision (or lack of one) on a recommendation, and what the executor did with it. */
export type OutcomeKind = RecommendationOutcomeKind;

export interface RecommendationOutcome {
  recommendationId: string;
  recommendationType: RecommendationType;
  accountId: string;
  outcome: OutcomeKind;
  at: Date;
  by: string | null;
}

export interface WriteCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

export interface AccountSubgraph {
  entities: GraphEntity[];
  edges: GraphEdge[];
  outcomes: RecommendationOutcome[];
}

export interface KnowledgeGraph {
  /** Inserts new entities and rewrites changed ones; an entity identical to the stored one is not written. */
  upsertEntities(entities: readonly GraphEntity[], at: Date): Promise<WriteCounts>;
  /** Inserts new edges; an edge already there (same type and ends) is unchanged unless it moved account. */
  upsertEdges(edges: readonly GraphEdge[], at: Date): Promise<WriteCounts>;
  /** Deletes the account's edges of these types that are not in `keep` (a contact moved, a record deleted). */
  pruneEdges(accountId: string, types: readonly EdgeType[], keep: readonly GraphEdge[]): Promise<number>;
  /** The entities joined to `entity` by edges of these types (any type when none), either direction. */
  neighbours(entity: EntityRef, types?: readonly EdgeType[]): Promise<GraphEntity[]>;
  accountSubgraph(accountId: string): Promise<AccountSubgraph>;
  /** Records outcomes once each (by recommendation and outcome); returns how many were new. */
  recordOutcomes(outcomes: readonly RecommendationOutcome[]): Promise<number>;
  /**
   * This tenant's decided recommendations by type: accepted = approved, edited or executed; total = those
   * plus rejected. Expiry is not a decision. Each recommendation counts once.
   */
  outcomesByType(): Promise<AcceptanceHistory>;
}

/** Links the domain snapshot does not carry: activities' What_Id / Who_Id / Parent_Id and deals' Contact_Name. */
export interface ActivityLink {
  activityId: string;
  dealId: string | null;
  contactId: string | null;
}

export interface CrmLinks {
  activities: ActivityLink[];
  dealContacts: { dealId: string; contactId: string }[];
}

/** Reads those links from the CRM copy, for one account's live records. */
export interface CrmLinkReader {
  linksOf(accountId: string): Promise<CrmLinks>;
}

/** The only tenant until Sergas serves several orgs from one database. */
export const DEFAULT_TENANT = 'default';
