import { z } from 'zod';
import { workflowTask } from '../../shared/runtime/workflow-task.ts';
import { sendOwnerBriefs } from '../../shared/use-cases/send-owner-briefs.ts';

// EventBridge Scheduler sends its own payload; nothing in it is needed.
const ScheduledEvent = z.looseObject({});

/** Hourly: each owner whose local 06:00 has come gets today's brief, once. */
export const handler = workflowTask(ScheduledEvent, (deps) => sendOwnerBriefs(deps, deps.clock.now()));
