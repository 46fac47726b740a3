import type { ComplianceReport, Health, RiskLevel, Signal } from '../domain/analysis.ts';
import type { ChangedField } from '../domain/change-detection.ts';
import type { MemoryAnalysis } from '../domain/memory/account-memory.ts';

/** The seed's orchestrator states, as a run's status. */
export type RunStatus =
  | 'QUEUED'
  | 'INITIALIZING'
  | 'DATA_RETRIEVAL'
  | 'MEMORY_ANALYSIS'
  | 'RECOMMENDATION'
  | 'COMPLIANCE_CHECK'
  | 'AWAITING_APPROVAL'
  | 'EXECUTING'
  | 'MEMORY_SYNC'
  | 'COMPLETED'
  | 'FAILED';

/** What the agents concluded, stored with the run as each step finishes. */
export interface RunAnalysis {
  signals?: Signal[];
  insufficientData?: string[];
  changedFields?: ChangedField[];
  /** The fields this review saw; they become the account's baseline when the run completes. */
  reviewedFields?: Record<string, string | number | null>;
  timeline?: { lastActivityAt: string | null; activitiesLast30Days: number; entries: number };
  health?: Health;
  riskLevel?: RiskLevel;
  priorityScore?: number;
  needsReview?: boolean;
  compliance?: ComplianceReport;
  /** The Memory Analyst's graph and history patterns. */
  memory?: MemoryAnalysis;
}

export interface Run {
  id: string;
  accountId: string;
  status: RunStatus;
  asOf: Date;
  requestedBy: string | null;
  executionId: string | null;
  startedAt: Date;
  endedAt: Date | null;
  error: string | null;
  analysis: RunAnalysis;
}

/** Analysis runs (the seed's `agent_sessions`). */
export interface RunRepository {
  create(run: { id: string; accountId: string; asOf: Date; requestedBy: string | null }): Promise<void>;
  get(id: string): Promise<Run | null>;
  setStatus(id: string, status: RunStatus, fields?: { executionId?: string }): Promise<void>;
  /** Merges into the stored analysis. */
  saveAnalysis(id: string, analysis: RunAnalysis): Promise<void>;
  finish(id: string, status: 'COMPLETED' | 'FAILED', error?: string): Promise<void>;
  latestForAccount(accountId: string): Promise<Run | null>;
  /** The latest run of each account, for the dashboard. */
  latestPerAccount(): Promise<Run[]>;
}
