import { z } from 'zod';
import { workflowTask } from '../../shared/runtime/workflow-task.ts';
import { requestApproval } from '../../shared/use-cases/request-approval.ts';

const Payload = z.object({ taskToken: z.string().min(1), runId: z.uuid(), recommendationId: z.uuid() });

export const handler = workflowTask(Payload, (deps, input) => requestApproval(deps, input));
