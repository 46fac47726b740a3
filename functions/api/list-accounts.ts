import { z } from 'zod';
import { httpHandler, json } from '../../shared/runtime/http-handler.ts';
import { listAccountSummaries } from '../../shared/use-cases/account-views.ts';

const Query = z.object({
  owner: z.string().max(50).optional(),
  risk: z.enum(['none', 'low', 'medium', 'high', 'critical']).optional(),
});

export const handler = httpHandler(async (event, deps) => {
  const query = Query.parse(event.queryStringParameters ?? {});
  return json(200, await listAccountSummaries(deps, { ownerId: query.owner, riskLevel: query.risk }));
});
