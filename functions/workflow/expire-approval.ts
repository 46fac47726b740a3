import { z } from 'zod';
import { workflowTask } from '../../shared/runtime/workflow-task.ts';
import { expireApproval } from '../../shared/use-cases/approval-timeouts.ts';

const Payload = z.object({ runId: z.uuid(), recommendationId: z.uuid(), round: z.number().int().min(0).optional() });

export const handler = workflowTask(Payload, (deps, input) => expireApproval(deps, input));
