import { z } from 'zod';
import { workflowTask } from '../../shared/runtime/workflow-task.ts';
import { BATCH_ID_PATTERN, summarizeBatch } from '../../shared/use-cases/batch-analysis.ts';

const Payload = z.object({
  batchId: z.string().regex(BATCH_ID_PATTERN),
  accountIds: z.array(z.string().min(1).max(50)),
  outcomes: z.array(z.string()),
  requestedBy: z.string().nullable(),
});

export const handler = workflowTask(Payload, (deps, input) => summarizeBatch(deps, input));
