import { createHash, randomBytes } from 'node:crypto';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { AuditLog } from '../ports/audit-log.ts';
import type { CrmCopyReader } from '../ports/crm-copy.ts';
import type { Run, RunRepository } from '../ports/runs.ts';
import type { ExecutionDescription, WorkflowEngine } from '../ports/workflow-engine.ts';
import { waitForRun } from './analyze-accounts.ts';

/** A batch id names the batch in execution names and run ids: short, and only what those allow. */
export const BATCH_ID_PATTERN = /^[A-Za-z0-9_-]{1,40}$/;

export function assertBatchId(batchId: string): void {
  if (!BATCH_ID_PATTERN.test(batchId))
    throw new ValidationError('--batch-id: 1–40 letters, digits, "-" or "_"', { batchId });
}

/** `batch-20261124-0612-3fa9c1`: sortable by when it was asked for, unique enough to never collide. */
export const newBatchId = (now: Date) =>
  `batch-${now.toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-')}-${randomBytes(3).toString('hex')}`;

/**
 * The run — and account-analysis execution name — a batch gives an account: the same on every run of
 * the same batch, so a re-run starts nothing twice (Step Functions refuses a second execution of a name).
 * A name-based UUID (RFC 9562 version 8 over SHA-256), because runs are keyed by UUIDs; 36 characters,
 * within an execution name's 80.
 */
export function batchRunId(batchId: string, accountId: string): string {
  const hex = createHash('sha256').update(`sergas/batch/${batchId}/${accountId}`).digest('hex');
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export interface BatchItem {
  batchId: string;
  accountId: string;
  asOf: string;
  requestedBy: string | null;
}

/**
 * PrepareRun (batch-analysis, per account): the account must exist in our copy; its run is recorded
 * (QUEUED) under the batch's deterministic id, once — a re-run finds it and changes nothing.
 */
export async function prepareBatchRun(deps: { copy: CrmCopyReader; runs: RunRepository }, input: BatchItem) {
  if (!(await deps.copy.loadSnapshot(input.accountId))) throw new NotFoundError('Account', input.accountId);
  const runId = batchRunId(input.batchId, input.accountId);
  await deps.runs.create({
    id: runId,
    accountId: input.accountId,
    asOf: new Date(input.asOf),
    requestedBy: input.requestedBy,
  });
  return { runId };
}

/** Each account's outcome in a batch, as the Map's iterations end: in the order of the account ids. */
export type BatchOutcome = 'started' | 'already_started' | `failed:${string}`;

export interface BatchSummary {
  batchId: string;
  accounts: number;
  started: number;
  alreadyStarted: number;
  failed: { accountId: string; error: string }[];
}

/** Summarize (batch-analysis): what the batch started, what was started before, what could not start. */
export async function summarizeBatch(
  deps: { audit: AuditLog },
  input: { batchId: string; accountIds: string[]; outcomes: string[]; requestedBy: string | null },
): Promise<BatchSummary> {
  const summary: BatchSummary = {
    batchId: input.batchId,
    accounts: input.accountIds.length,
    started: 0,
    alreadyStarted: 0,
    failed: [],
  };
  input.accountIds.forEach((accountId, i) => {
    const outcome = input.outcomes[i] ?? 'failed:NoOutcome';
    if (outcome === 'started') summary.started += 1;
    else if (outcome === 'already_started') summary.alreadyStarted += 1;
    else summary.failed.push({ accountId, error: outcome.replace(/^failed:/, '') });
  });
  await deps.audit.record({
    userId: input.requestedBy,
    agentId: 'orchestrator',
    action: 'batch.analyzed',
    resourceType: 'batch',
    resourceId: input.batchId,
    details: {
      accounts: summary.accounts,
      started: summary.started,
      alreadyStarted: summary.alreadyStarted,
      failed: summary.failed,
    },
  });
  return summary;
}

export interface BatchDeps {
  runs: RunRepository;
  workflow: WorkflowEngine & { settled?(executionId: string): Promise<void> };
}

/** Resolves when an execution has ended; an in-process engine says so, Step Functions is polled. */
export async function waitForExecution(
  deps: Pick<BatchDeps, 'workflow'>,
  executionId: string,
  timeoutMs = 600_000,
): Promise<ExecutionDescription> {
  await deps.workflow.settled?.(executionId);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const execution = await deps.workflow.describeExecution(executionId);
    if (execution && (execution.status === 'SUCCEEDED' || execution.status === 'FAILED')) return execution;
    if (Date.now() > deadline) throw new Error(`Execution ${executionId} did not end within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export interface BatchResult {
  batchId: string;
  executionId: string;
  summary: BatchSummary;
  runs: { accountId: string; runId: string; outcome: 'started' | 'already_started' | 'failed'; run: Run | null }[];
}

/**
 * Someone analyses many accounts at once.
 * 1. the batch-analysis workflow starts one account-analysis execution per account, named by
 *    `batchRunId`, so running the same batch id again starts nothing twice
 * 2. its summary says what it started, what was already started and what could not start
 * 3. each run it started is followed until it settles (AwaitingApproval, Completed or Failed)
 */
export async function analyzeBatch(
  deps: BatchDeps,
  input: { batchId: string; accountIds: readonly string[]; asOf: Date; requestedBy: string | null },
  onSettled?: (entry: BatchResult['runs'][number]) => void,
): Promise<BatchResult> {
  assertBatchId(input.batchId);
  // Each attempt is its own execution (a closed execution's name cannot be reused); the account runs
  // inside are what is idempotent.
  const { executionId } = await deps.workflow.startExecution(
    'batch-analysis',
    `${input.batchId}-${Date.now().toString(36)}`,
    {
      batchId: input.batchId,
      accountIds: [...input.accountIds],
      asOf: input.asOf.toISOString(),
      requestedBy: input.requestedBy,
    },
  );
  const execution = await waitForExecution(deps, executionId);
  if (execution.status !== 'SUCCEEDED')
    throw new Error(`Batch ${input.batchId} failed: ${execution.error ?? 'error'}: ${execution.cause ?? ''}`);
  const summary = execution.output as BatchSummary;
  const failed = new Set(summary.failed.map((f) => f.accountId));
  const runs = await Promise.all(
    input.accountIds.map(async (accountId) => {
      const runId = batchRunId(input.batchId, accountId);
      const recorded = await deps.runs.get(runId);
      // A run recorded before this attempt began was started by an earlier run of the batch.
      const outcome: BatchResult['runs'][number]['outcome'] = failed.has(accountId)
        ? 'failed'
        : recorded && recorded.startedAt < execution.startedAt
          ? 'already_started'
          : 'started';
      const run = outcome === 'started' ? await waitForRun(deps, runId).catch(() => recorded) : recorded;
      const entry = { accountId, runId, outcome, run };
      onSettled?.(entry);
      return entry;
    }),
  );
  return { batchId: input.batchId, executionId, summary, runs };
}
