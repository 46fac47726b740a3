import { z } from 'zod';
import { workflowTask } from '../../shared/runtime/workflow-task.ts';
import { syncFull } from '../../shared/use-cases/sync-full.ts';

// EventBridge Scheduler sends its own payload; nothing in it is needed.
const ScheduledEvent = z.looseObject({});

export const handler = workflowTask(ScheduledEvent, async (deps) => {
  const result = await syncFull({ ...deps, crm: deps.crmFor('background') });
  return { runId: result.runId, apiCalls: result.apiCalls, counts: result.counts };
});
