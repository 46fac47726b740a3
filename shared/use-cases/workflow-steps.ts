import { detectSignals } from '../domain/account-signals.ts';
import { buildTimeline } from '../domain/account-timeline.ts';
import type { ComplianceReport } from '../domain/analysis.ts';
import { baselineFieldsOf, changedFields } from '../domain/change-detection.ts';
import { maskPii } from '../domain/compliance/mask-pii.ts';
import { reviewRecommendation } from '../domain/compliance/review-recommendation.ts';
import type { DomainRules } from '../domain/domain-rules.ts';
import { healthOf, needsReview, priorityScoreOf, riskLevelOf } from '../domain/scores.ts';
import { NotFoundError } from '../errors.ts';
import type { AuditLog } from '../ports/audit-log.ts';
import type { BaselineRepository } from '../ports/baselines.ts';
import type { Clock } from '../ports/clock.ts';
import type { CrmCopyReader } from '../ports/crm-copy.ts';
import type { Embedder } from '../ports/embedder.ts';
import type { CrmLinkReader, KnowledgeGraph } from '../ports/knowledge-graph.ts';
import { type RecommendationAuthor, ruleRecommendationAuthor } from '../ports/recommendation-author.ts';
import type { RecommendationRepository } from '../ports/recommendations.ts';
import type { Run, RunRepository } from '../ports/runs.ts';
import type { VectorStore } from '../ports/vector-store.ts';
import { loadAccountSnapshot } from './account-snapshot.ts';
import { analyzeAccountMemory, memorySummaryOf } from './analyze-account-memory.ts';
import { recordRecommendationOutcomes } from './record-recommendation-outcomes.ts';

/** What the analysis steps of the workflow share. */
export interface AnalysisStepDeps {
  copy: CrmCopyReader;
  baselines: BaselineRepository;
  runs: RunRepository;
  recommendations: RecommendationRepository;
  audit: AuditLog;
  clock: Clock;
  rules: DomainRules;
  newId: () => string;
}

/** What the Memory Analyst's steps need beyond the analysis steps' ports. */
export interface MemoryStepDeps {
  graph: KnowledgeGraph;
  crmLinks: CrmLinkReader;
  vectors?: VectorStore;
  embedder?: Embedder;
}

/** The payload every analysis step receives from the state machine. */
export interface StepInput {
  runId: string;
  accountId: string;
  asOf: string;
}

async function runOf(deps: Pick<AnalysisStepDeps, 'runs'>, runId: string): Promise<Run> {
  const run = await deps.runs.get(runId);
  if (!run) throw new NotFoundError('Run', runId);
  return run;
}

/** Initializing: the run takes its execution id and the account is checked to exist. */
export async function initializeRun(
  deps: Pick<AnalysisStepDeps, 'runs' | 'copy' | 'audit'>,
  input: StepInput & { executionId: string; requestedBy: string | null },
) {
  await runOf(deps, input.runId);
  await deps.runs.setStatus(input.runId, 'INITIALIZING', { executionId: input.executionId });
  if (!(await deps.copy.loadSnapshot(input.accountId))) throw new NotFoundError('Account', input.accountId);
  await deps.audit.record({
    userId: input.requestedBy,
    agentId: 'orchestrator',
    action: 'run.started',
    resourceType: 'account',
    resourceId: input.accountId,
    details: { runId: input.runId, asOf: input.asOf },
  });
  return { runId: input.runId };
}

/** DataRetrieval (Data Scout): the account's signals against the durable baseline. */
export async function retrieveAccountData(deps: AnalysisStepDeps, input: StepInput) {
  await deps.runs.setStatus(input.runId, 'DATA_RETRIEVAL');
  const snapshot = await loadAccountSnapshot(deps, input.accountId);
  const asOf = new Date(input.asOf);
  const { signals, insufficientData } = detectSignals(snapshot, asOf, deps.rules);
  const changes = changedFields(snapshot.baseline, snapshot, deps.rules);
  // Remembered now: what this review saw becomes the baseline once the review completes.
  const reviewedFields = baselineFieldsOf(snapshot, deps.rules);
  await deps.runs.saveAnalysis(input.runId, { signals, insufficientData, changedFields: changes, reviewedFields });
  await deps.audit.record({
    agentId: 'zoho-data-scout',
    action: 'account.signals_detected',
    resourceType: 'account',
    resourceId: input.accountId,
    details: { runId: input.runId, signals: signals.map((s) => s.type), changedFields: changes.map((c) => c.field) },
  });
  return { signals: signals.map((s) => `${s.type}:${s.severity}`), changedFields: changes.length };
}

/**
 * MemoryAnalysis (Memory Analyst): the account's timeline, its knowledge graph refreshed from the CRM copy,
 * and the patterns in its history (engagement rhythm, commitments, sentiment trend, renewal risk).
 */
export async function analyzeMemory(deps: AnalysisStepDeps & MemoryStepDeps, input: StepInput) {
  await deps.runs.setStatus(input.runId, 'MEMORY_ANALYSIS');
  const snapshot = await loadAccountSnapshot(deps, input.accountId);
  const asOf = new Date(input.asOf);
  const { stats, entries } = buildTimeline(snapshot, asOf, deps.rules);
  const timeline = {
    lastActivityAt: stats.lastActivityAt?.toISOString() ?? null,
    activitiesLast30Days: stats.activitiesLast30Days,
    entries: entries.length,
  };
  const run = await runOf(deps, input.runId);
  const memory = await analyzeAccountMemory(deps, { snapshot, asOf, signals: run.analysis.signals ?? [] });
  await deps.runs.saveAnalysis(input.runId, { timeline, memory });
  const summary = memorySummaryOf(memory);
  await deps.audit.record({
    agentId: 'memory-analyst',
    action: 'account.memory_analyzed',
    resourceType: 'account',
    resourceId: input.accountId,
    details: { runId: input.runId, ...timeline, ...summary },
  });
  return { ...timeline, ...summary };
}

/**
 * Recommendation (Recommendation Author): scores, then recommendations with evidence and drafts, written
 * by Claude or by the rules (when no author is given); the audit says which, and why the rules stood in.
 */
export async function draftRecommendations(
  deps: AnalysisStepDeps & { author?: RecommendationAuthor },
  input: StepInput,
) {
  await deps.runs.setStatus(input.runId, 'RECOMMENDATION');
  const run = await runOf(deps, input.runId);
  const existing = await deps.recommendations.listByRun(input.runId);
  if (existing.length > 0) return { recommendationIds: existing.map((r) => r.id) };

  const snapshot = await loadAccountSnapshot(deps, input.accountId);
  const asOf = new Date(input.asOf);
  const signals = run.analysis.signals ?? [];
  const changes = run.analysis.changedFields ?? [];
  const health = healthOf(signals, snapshot, asOf, deps.rules);
  const riskLevel = riskLevelOf(signals);
  const priorityScore = priorityScoreOf({ riskLevel, changes, snapshot, asOf }, deps.rules);
  const authored = await (deps.author ?? ruleRecommendationAuthor).draft({
    runId: input.runId,
    snapshot,
    signals,
    health,
    timeline: buildTimeline(snapshot, asOf, deps.rules),
    asOf,
    rules: deps.rules,
    history: await deps.recommendations.history(input.accountId, asOf),
    newId: deps.newId,
  });
  const { recommendations } = authored;
  await deps.recommendations.saveForRun(input.runId, recommendations);
  await deps.runs.saveAnalysis(input.runId, {
    health,
    riskLevel,
    priorityScore,
    needsReview: needsReview({ riskLevel, priorityScore, changes }, deps.rules),
  });
  await deps.audit.record({
    agentId: 'recommendation-author',
    action: 'recommendations.drafted',
    resourceType: 'account',
    resourceId: input.accountId,
    details: {
      runId: input.runId,
      author: authored.author,
      ...(authored.fallbackReason ? { fallbackReason: maskPii(authored.fallbackReason) } : {}),
      ...(authored.usage ? { llm: authored.usage } : {}),
      recommendations: recommendations.map((r) => ({ id: r.id, type: r.type })),
    },
  });
  return { recommendationIds: recommendations.map((r) => r.id) };
}

/** ComplianceCheck (Compliance Reviewer): PII and policy; blocked drafts never reach an approver. */
export async function checkCompliance(deps: AnalysisStepDeps, input: StepInput) {
  await deps.runs.setStatus(input.runId, 'COMPLIANCE_CHECK');
  const snapshot = await loadAccountSnapshot(deps, input.accountId);
  const allowed = {
    allowedEmails: snapshot.contacts.flatMap((c) => (c.email ? [c.email] : [])),
    allowedPhones: snapshot.contacts.flatMap((c) => (c.phone ? [c.phone] : [])),
  };
  const reviewable: string[] = [];
  const reports: ComplianceReport[] = [];
  for (const recommendation of await deps.recommendations.listByRun(input.runId)) {
    const report = recommendation.compliance ?? reviewRecommendation(recommendation, allowed, deps.rules);
    reports.push(report);
    if (recommendation.status === 'draft') {
      await deps.recommendations.setCompliance(recommendation.id, report, report.approved ? 'pending' : 'blocked');
    }
    if (report.approved) reviewable.push(recommendation.id);
    else {
      await deps.audit.record({
        agentId: 'compliance-reviewer',
        action: 'recommendation.blocked',
        resourceType: 'recommendation',
        resourceId: recommendation.id,
        details: { runId: input.runId, violations: report.policyViolations.map((v) => v.rule) },
      });
    }
  }
  const combined = combineReports(reports);
  await deps.runs.saveAnalysis(input.runId, { compliance: combined });
  await deps.audit.record({
    agentId: 'compliance-reviewer',
    action: 'compliance.checked',
    resourceType: 'account',
    resourceId: input.accountId,
    details: {
      runId: input.runId,
      reviewable,
      riskLevel: combined.riskLevel,
      piiTypes: combined.piiDetected.map((p) => p.type),
    },
  });
  return { reviewable };
}

const RISK_ORDER = ['low', 'medium', 'high'] as const;

function combineReports(reports: readonly ComplianceReport[]): ComplianceReport {
  return {
    approved: reports.every((r) => r.approved),
    riskLevel: reports.reduce<ComplianceReport['riskLevel']>(
      (worst, r) => (RISK_ORDER.indexOf(r.riskLevel) > RISK_ORDER.indexOf(worst) ? r.riskLevel : worst),
      'low',
    ),
    piiDetected: reports.flatMap((r) => r.piiDetected),
    policyViolations: reports.flatMap((r) => r.policyViolations),
  };
}

/**
 * MemorySync: the review becomes the new baseline for change detection, each recommendation's outcome is
 * recorded in the knowledge graph, and the run completes.
 */
export async function syncMemory(deps: AnalysisStepDeps & MemoryStepDeps, input: StepInput) {
  await deps.runs.setStatus(input.runId, 'MEMORY_SYNC');
  const run = await runOf(deps, input.runId);
  if (run.analysis.reviewedFields) {
    await deps.baselines.save({
      accountId: input.accountId,
      reviewedAt: new Date(input.asOf),
      runId: input.runId,
      fields: run.analysis.reviewedFields,
    });
  }
  // The feedback loop: each recommendation's outcome joins the graph and the tenant's acceptance history.
  const { outcomes, recorded } = await recordRecommendationOutcomes(deps, input.runId);
  await deps.runs.finish(input.runId, 'COMPLETED');
  await deps.audit.record({
    agentId: 'orchestrator',
    action: 'run.completed',
    resourceType: 'account',
    resourceId: input.accountId,
    details: { runId: input.runId, outcomes, recordedOutcomes: recorded },
  });
  return { outcomes: outcomes.length, recordedOutcomes: recorded };
}

/**
 * What a caught error's Cause says: Step Functions gives a Lambda error as JSON (`errorType`,
 * `errorMessage`, `trace`), the local runner gives the message; either way one line of text.
 */
export function causeTextOf(cause: string | undefined): string {
  if (!cause) return 'unknown cause';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // not JSON: the message itself
  }
  return cause;
}

/** RecordFailure: the run ends FAILED with the error the state machine caught and its (masked) cause. */
export async function recordRunFailure(
  deps: Pick<AnalysisStepDeps, 'runs' | 'audit'>,
  input: { runId: string; error: { Error?: string; Cause?: string } },
) {
  const error = input.error.Error ?? 'Error';
  // A cause can quote record data; it is stored and shown masked.
  const cause = maskPii(causeTextOf(input.error.Cause)).slice(0, 2000);
  await deps.runs.finish(input.runId, 'FAILED', error, cause);
  await deps.audit.record({
    agentId: 'orchestrator',
    action: 'run.failed',
    resourceType: 'run',
    resourceId: input.runId,
    details: { runId: input.runId, error, cause },
  });
  return null;
}
