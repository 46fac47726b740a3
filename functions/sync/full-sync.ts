import { z } from 'zod';
import { logger } from '../../shared/runtime/observability.ts';
import { workflowTask } from '../../shared/runtime/workflow-task.ts';
import { indexAccountFeatures } from '../../shared/use-cases/similar-accounts.ts';
import { syncFull } from '../../shared/use-cases/sync-full.ts';
import { snapshotVectorCollections } from '../../shared/use-cases/vector-snapshots.ts';

// EventBridge Scheduler sends its own payload; nothing in it is needed.
const ScheduledEvent = z.looseObject({});

export const handler = workflowTask(ScheduledEvent, async (deps) => {
  const result = await syncFull({ ...deps, crm: deps.crmFor('background') });
  // The day's profile vectors, for the Memory Analyst's similar-accounts search.
  const features = await indexAccountFeatures(deps);
  // Then a snapshot of every vector collection on Qdrant's EFS, which a replaced Qdrant task recovers from
  // (infra/README.md). A failed snapshot is logged, never thrown: a retry would run the whole sync again.
  const vectorSnapshots = await snapshotVectorCollections(deps);
  const failed = vectorSnapshots.filter((outcome) => outcome.status === 'failed');
  if (failed.length > 0) {
    logger.error('vector snapshots failed: a replaced Qdrant task would recover older ones', { failed });
  }
  return {
    runId: result.runId,
    apiCalls: result.apiCalls,
    counts: result.counts,
    indexedAccounts: features.indexed,
    vectorSnapshots,
  };
});
