import { z } from 'zod';
import { httpHandler, json, parseBody, pathParameter } from '../../shared/runtime/http-handler.ts';
import { startAnalysis } from '../../shared/use-cases/start-analysis.ts';

const Body = z.object({
  as_of: z.iso.datetime({ offset: true }).optional(),
  requested_by: z.string().max(320).optional(),
});

export const handler = httpHandler(async (event, deps) => {
  const accountId = pathParameter(event, 'id');
  const body = parseBody(event, Body);
  const { runId } = await startAnalysis(deps, {
    accountId,
    asOf: body.as_of ? new Date(body.as_of) : undefined,
    requestedBy: body.requested_by ?? 'api',
  });
  return json(202, {
    run_id: runId,
    status_url: `/api/v1/accounts/${encodeURIComponent(accountId)}/status`,
    run_url: `/api/v1/runs/${runId}`,
  });
});
