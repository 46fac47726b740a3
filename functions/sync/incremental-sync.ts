import { z } from 'zod';
import { workflowTask } from '../../shared/runtime/workflow-task.ts';
import { syncFull } from '../../shared/use-cases/sync-full.ts';

const ScheduledEvent = z.looseObject({});

/**
 * The hourly schedule. Until per-module Modified_Time cursors land, it runs the full sync: the hash
 * check writes only what changed, at the cost of one page of API calls per 200 records.
 */
export const handler = workflowTask(ScheduledEvent, async (deps) => {
  const result = await syncFull(deps);
  return { runId: result.runId, apiCalls: result.apiCalls, counts: result.counts };
});
