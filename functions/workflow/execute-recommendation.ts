import { z } from 'zod';
import { workflowTask } from '../../shared/runtime/workflow-task.ts';
import { executeRecommendation } from '../../shared/use-cases/execute-recommendation.ts';

const Payload = z.object({
  runId: z.uuid(),
  recommendationId: z.uuid(),
  approvalId: z.string().min(1).max(64),
  payloadHash: z.string().length(64),
});

// Executing an approved action goes first when Zoho credits run low.
export const handler = workflowTask(Payload, (deps, input) =>
  executeRecommendation({ ...deps, crm: deps.crmFor('urgent') }, input),
);
