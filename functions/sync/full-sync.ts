import { z } from 'zod';
import { workflowTask } from '../../shared/runtime/workflow-task.ts';
import { indexAccountFeatures } from '../../shared/use-cases/similar-accounts.ts';
import { syncFull } from '../../shared/use-cases/sync-full.ts';

// EventBridge Scheduler sends its own payload; nothing in it is needed.
const ScheduledEvent = z.looseObject({});

export const handler = workflowTask(ScheduledEvent, async (deps) => {
  const result = await syncFull({ ...deps, crm: deps.crmFor('background') });
  // The day's profile vectors, for the Memory Analyst's similar-accounts search.
  const features = await indexAccountFeatures(deps);
  return { runId: result.runId, apiCalls: result.apiCalls, counts: result.counts, indexedAccounts: features.indexed };
});
