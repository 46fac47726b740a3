import { detectSignals } from '../domain/account-signals.ts';
import { buildTimeline } from '../domain/account-timeline.ts';
import type { ComplianceReport } from '../domain/analysis.ts';
import { baselineFieldsOf, changedFields } from '../domain/change-detection.ts';
import { maskPii } from '../domain/compliance/mask-pii.ts';
import { reviewRecommendation } from '../domain/compliance/review-recommendation.ts';
import type { DomainRules } from '../domain/domain-rules.ts';
import { authorRecommendations } from '../domain/recommendations/author-recommendations.ts';
import { healthOf, needsReview, priorityScoreOf, riskLevelOf } from '../domain/scores.ts';
import { NotFoundError } from '../errors.ts';
import type { AuditLog } from '../ports/audit-log.ts';
import type { BaselineRepository } from '../ports/baselines.ts';
import type { Clock } from '../ports/clock.ts';
import type { CrmCopyReader } from '../ports/crm-copy.ts';
import type { RecommendationRepository } from '../ports/recommendations.ts';
import type { Run, RunRepository } from '../ports/runs.ts';
import { loadAccountSnapshot } from './account-snapshot.ts';

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

/** MemoryAnalysis (Memory Analyst): the account's timeline from the synced activities. */
export async function analyzeMemory(deps: AnalysisStepDeps, input: StepInput) {
  await deps.runs.setStatus(input.runId, 'MEMORY_ANALYSIS');
  const snapshot = await loadAccountSnapshot(deps, input.accountId);
  const { stats, entries } = buildTimeline(snapshot, new Date(input.asOf), deps.rules);
  const timeline = {
    lastActivityAt: stats.lastActivityAt?.toISOString() ?? null,
    activitiesLast30Days: stats.activitiesLast30Days,
    entries: entries.length,
  };
  await deps.runs.saveAnalysis(input.runId, { timeline });
  await deps.audit.record({
    agentId: 'memory-analyst',
    action: 'account.timeline_built',
    resourceType: 'account',
    resourceId: input.accountId,
    details: { runId: input.runId, ...timeline },
  });
  return timeline;
}

/** Recommendation (Recommendation Author): scores, then recommendations with evidence and drafts. */
export async function draftRecommendations(deps: AnalysisStepDeps, input: StepInput) {
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
  const recommendations = authorRecommendations({
    snapshot,
    signals,
    health,
    timeline: buildTimeline(snapshot, asOf, deps.rules),
    asOf,
    rules: deps.rules,
    history: await deps.recommendations.history(input.accountId, asOf),
    newId: deps.newId,
  });
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
      author: 'rules',
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

/** MemorySync: the review becomes the new baseline for change detection; the run completes. */
export async function syncMemory(deps: AnalysisStepDeps, input: StepInput) {
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
  const outcomes = (await deps.recommendations.listByRun(input.runId)).map((r) => ({
    id: r.id,
    type: r.type,
    status: r.status,
  }));
  await deps.runs.finish(input.runId, 'COMPLETED');
  await deps.audit.record({
    agentId: 'orchestrator',
    action: 'run.completed',
    resourceType: 'account',
    resourceId: input.accountId,
    details: { runId: input.runId, outcomes },
  });
  return { outcomes: outcomes.length };
}

/** RecordFailure: the run ends FAILED with the error the state machine caught. */
export async function recordRunFailure(
  deps: Pick<AnalysisStepDeps, 'runs' | 'audit'>,
  input: { runId: string; error: { Error?: string; Cause?: string } },
) {
  // A cause can quote record data; it is stored and shown masked.
  const message = maskPii(`${input.error.Error ?? 'Error'}: ${input.error.Cause ?? 'unknown cause'}`);
  await deps.runs.finish(input.runId, 'FAILED', message);
  await deps.audit.record({
    agentId: 'orchestrator',
    action: 'run.failed',
    resourceType: 'run',
    resourceId: input.runId,
    details: { runId: input.runId, error: input.error.Error ?? null },
  });
  return null;
}
