import { z } from 'zod';
import { workflowTask } from '../../shared/runtime/workflow-task.ts';
import { reportApprovalBacklog } from '../../shared/use-cases/report-approval-backlog.ts';
import { sendApprovalReminders } from '../../shared/use-cases/send-approval-reminders.ts';

// EventBridge Scheduler sends its own payload; nothing in it is needed.
const ScheduledEvent = z.looseObject({});

/**
 * Hourly: the approval backlog gauges for the alarms (first, so a failing send cannot hide a backlog),
 * then one reminder to the owner of each approval still pending 24 hours after it was requested.
 */
export const handler = workflowTask(ScheduledEvent, async (deps) => {
  const now = deps.clock.now();
  const backlog = await reportApprovalBacklog(deps, now);
  return { ...(await sendApprovalReminders(deps, now)), backlog };
});
