import type { Run, RunRepository, RunStatus } from '../ports/runs.ts';
import type { WorkflowEngine } from '../ports/workflow-engine.ts';
import { type StartAnalysisDeps, startAnalysis } from './start-analysis.ts';

const SETTLED: readonly RunStatus[] = ['AWAITING_APPROVAL', 'COMPLETED', 'FAILED'];

export interface AnalyzeDeps extends StartAnalysisDeps {
  runs: RunRepository;
  workflow: WorkflowEngine & { settled?(executionId: string): Promise<void> };
}

/**
 * Waits until a run reaches AwaitingApproval, Completed or Failed. An in-process engine says when it
 * has parked or ended; otherwise (Step Functions) the run's recorded status is polled.
 */
export async function waitForRun(
  deps: Pick<AnalyzeDeps, 'runs' | 'workflow'>,
  runId: string,
  timeoutMs = 300_000,
): Promise<Run> {
  await deps.workflow.settled?.(runId);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await deps.runs.get(runId);
    if (run && SETTLED.includes(run.status)) return run;
    if (Date.now() > deadline)
      throw new Error(`Run ${runId} did not settle within ${timeoutMs} ms (status ${run?.status})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Analyses one account and returns once its run has settled. */
export async function analyzeAccount(
  deps: AnalyzeDeps,
  input: { accountId: string; asOf?: Date; requestedBy: string | null },
) {
  const { runId } = await startAnalysis(deps, input);
  return waitForRun(deps, runId);
}

/** Analyses many accounts, a few at a time; a failing account does not stop the others. */
export async function analyzeAccounts(
  deps: AnalyzeDeps,
  input: { accountIds: readonly string[]; asOf?: Date; requestedBy: string | null; concurrency?: number },
  onSettled?: (result: { accountId: string; run?: Run; error?: Error }) => void,
) {
  const results: { accountId: string; run?: Run; error?: Error }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < input.accountIds.length) {
      const accountId = input.accountIds[next++]!;
      let result: (typeof results)[number];
      try {
        result = {
          accountId,
          run: await analyzeAccount(deps, { accountId, asOf: input.asOf, requestedBy: input.requestedBy }),
        };
      } catch (error) {
        result = { accountId, error: error as Error };
      }
      results.push(result);
      onSettled?.(result);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, input.concurrency ?? 4) }, worker));
  return results;
}
