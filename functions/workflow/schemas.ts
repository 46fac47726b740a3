import { z } from 'zod';

/** What the state machine passes to every analysis step (see statemachines/account-analysis.asl.json). */
export const StepPayload = z.object({
  runId: z.uuid(),
  accountId: z.string().min(1).max(50),
  asOf: z.iso.datetime({ offset: true }),
});
