import type { ComplianceReport, Recommendation } from '../domain/analysis.ts';
import type { RecommendationHistory } from '../domain/recommendations/author-recommendations.ts';

export type { RecommendationHistory };

export type RecommendationStatus =
  | 'draft'
  | 'pending'
  | 'blocked'
  | 'approved'
  | 'rejected'
  | 'executed'
  | 'expired'
  | 'skipped'
  /** A person deferred the decision; the approval stays pending until its (moved) expiry. */
  | 'deferred';

export interface StoredRecommendation extends Recommendation {
  runId: string;
  status: RecommendationStatus;
  compliance: ComplianceReport | null;
  approvedBy: string | null;
  approvedAt: Date | null;
  createdAt: Date;
}

export interface RecommendationRepository {
  /** Stores a run's recommendations once; a replayed step finds them already there. */
  saveForRun(runId: string, recommendations: readonly Recommendation[]): Promise<void>;
  listByRun(runId: string): Promise<StoredRecommendation[]>;
  listByRuns(runIds: readonly string[]): Promise<StoredRecommendation[]>;
  get(id: string): Promise<StoredRecommendation | null>;
  setCompliance(id: string, report: ComplianceReport, status: 'pending' | 'blocked'): Promise<void>;
  setStatus(id: string, status: RecommendationStatus, decidedBy?: string, at?: Date): Promise<void>;
  history(accountId: string, asOf: Date): Promise<RecommendationHistory>;
}
