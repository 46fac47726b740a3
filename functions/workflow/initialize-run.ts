import { z } from 'zod';
import { workflowTask } from '../../shared/runtime/workflow-task.ts';
import { initializeRun } from '../../shared/use-cases/workflow-steps.ts';
import { StepPayload } from './schemas.ts';

const Payload = StepPayload.extend({ executionId: z.string().min(1), requestedBy: z.string().nullable() });

export const handler = workflowTask(Payload, (deps, input) => initializeRun(deps, input));
