import { z } from 'zod';
import { workflowTask } from '../../shared/runtime/workflow-task.ts';
import { sendApprovalReminders } from '../../shared/use-cases/send-approval-reminders.ts';

// EventBridge Scheduler sends its own payload; nothing in it is needed.
const ScheduledEvent = z.looseObject({});

/** Hourly: one reminder to the owner of each approval still pending 24 hours after it was requested. */
export const handler = workflowTask(ScheduledEvent, (deps) => sendApprovalReminders(deps, deps.clock.now()));
