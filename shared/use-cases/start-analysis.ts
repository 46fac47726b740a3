import { type AccessScope, canSeeOwner, FULL_ACCESS } from '../auth/access-scope.ts';
import { NotFoundError } from '../errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { CrmCopyReader } from '../ports/crm-copy.ts';
import type { RunRepository } from '../ports/runs.ts';
import type { WorkflowEngine } from '../ports/workflow-engine.ts';

export interface StartAnalysisDeps {
  copy: CrmCopyReader;
  runs: RunRepository;
  workflow: WorkflowEngine;
  clock: Clock;
  newId: () => string;
}

export interface StartAnalysisInput {
  accountId: string;
  /** "Now" for the analysis; defaults to the clock. */
  asOf?: Date;
  requestedBy: string | null;
  /** Whose accounts the requester may see; an account outside it is not found. */
  scope?: AccessScope;
}

/**
 * Someone asks for an account to be analysed.
 * 1. the account must exist in our copy of the CRM
 * 2. a run is recorded (QUEUED) so its status can be read at once
 * 3. the account-analysis workflow starts, named after the run
 */
export async function startAnalysis(deps: StartAnalysisDeps, input: StartAnalysisInput): Promise<{ runId: string }> {
  const snapshot = await deps.copy.loadSnapshot(input.accountId);
  if (!snapshot || !canSeeOwner(input.scope ?? FULL_ACCESS, snapshot.account.ownerId)) {
    throw new NotFoundError('Account', input.accountId);
  }
  const runId = deps.newId();
  const asOf = input.asOf ?? deps.clock.now();
  await deps.runs.create({ id: runId, accountId: input.accountId, asOf, requestedBy: input.requestedBy });
  await deps.workflow.startExecution('account-analysis', runId, {
    runId,
    accountId: input.accountId,
    asOf: asOf.toISOString(),
    requestedBy: input.requestedBy,
  });
  return { runId };
}
