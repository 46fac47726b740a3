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

/** How long a run spent in one status: recorded as the status changes (open while it lasts). */
export interface StateTiming {
  state: RunStatus;
  startedAt: Date;
  endedAt: Date | null;
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
  /** The name of the error that failed the run (`ValidationError`, `States.Timeout`…). */
  error: string | null;
  /** What the error said, PII-masked. */
  errorCause: string | null;
  /** Every status the run passed through, oldest first. */
  timings: StateTiming[];
  analysis: RunAnalysis;
}

/** Analysis runs (the seed's `agent_sessions`). */
export interface RunRepository {
  create(run: { id: string; accountId: string; asOf: Date; requestedBy: string | null }): Promise<void>;
  get(id: string): Promise<Run | null>;
  /** Moves the run to `status`, closing the timing of the status it leaves. */
  setStatus(id: string, status: RunStatus, fields?: { executionId?: string }): Promise<void>;
  /** Merges into the stored analysis. */
  saveAnalysis(id: string, analysis: RunAnalysis): Promise<void>;
  finish(id: string, status: 'COMPLETED' | 'FAILED', error?: string, cause?: string): Promise<void>;
  latestForAccount(accountId: string): Promise<Run | null>;
  /** The latest run of each account, for the dashboard. */
  latestPerAccount(): Promise<Run[]>;
  /**
   * Each account's health scores of its last `perAccount` runs that scored it, oldest first (the
   * dashboard's sparklines); an account with no scored run is absent.
   */
  healthTrends(accountIds: readonly string[], perAccount: number): Promise<Map<string, number[]>>;
}
