import { z } from 'zod';
import { workflowTask } from '../../shared/runtime/workflow-task.ts';
import { escalateApproval } from '../../shared/use-cases/approval-timeouts.ts';

const Payload = z.object({
  taskToken: z.string().min(1),
  runId: z.uuid(),
  recommendationId: z.uuid(),
  windowSeconds: z.number().int().positive(),
  /** Set by AwaitingDeferredDecision: which daily check of a deferred approval this is. */
  round: z.number().int().min(0).optional(),
});

export const handler = workflowTask(Payload, (deps, input) => escalateApproval(deps, input));
