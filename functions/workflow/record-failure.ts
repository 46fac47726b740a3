import { z } from 'zod';
import { workflowTask } from '../../shared/runtime/workflow-task.ts';
import { recordRunFailure } from '../../shared/use-cases/workflow-steps.ts';

const Payload = z.object({
  runId: z.uuid(),
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }),
});

export const handler = workflowTask(Payload, (deps, input) => recordRunFailure(deps, input));
