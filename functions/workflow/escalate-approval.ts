import { z } from 'zod';
import { workflowTask } from '../../shared/runtime/workflow-task.ts';
import { escalateApproval } from '../../shared/use-cases/approval-timeouts.ts';

const Payload = z.object({
  taskToken: z.string().min(1),
  runId: z.uuid(),
  recommendationId: z.uuid(),
  windowSeconds: z.number().int().positive(),
});

export const handler = workflowTask(Payload, (deps, input) => escalateApproval(deps, input));
