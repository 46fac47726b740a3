import { z } from 'zod';
import { workflowTask } from '../../shared/runtime/workflow-task.ts';
import { syncIncremental } from '../../shared/use-cases/sync-incremental.ts';

// EventBridge Scheduler sends its own payload; nothing in it is needed.
const ScheduledEvent = z.looseObject({});

/** The hourly schedule: what changed and what was deleted since each module's cursor. */
export const handler = workflowTask(ScheduledEvent, async (deps) => {
  const result = await syncIncremental({ ...deps, crm: deps.crmFor('background') });
  return {
    runId: result.runId,
    apiCalls: result.apiCalls,
    counts: result.counts,
    deletionsChecked: result.deletionsChecked,
  };
});
