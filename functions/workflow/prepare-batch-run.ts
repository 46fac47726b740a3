import { z } from 'zod';
import { workflowTask } from '../../shared/runtime/workflow-task.ts';
import { BATCH_ID_PATTERN, prepareBatchRun } from '../../shared/use-cases/batch-analysis.ts';

const Payload = z.object({
  batchId: z.string().regex(BATCH_ID_PATTERN),
  accountId: z.string().min(1).max(50),
  asOf: z.iso.datetime({ offset: true }),
  requestedBy: z.string().nullable(),
});

export const handler = workflowTask(Payload, (deps, input) => prepareBatchRun(deps, input));
