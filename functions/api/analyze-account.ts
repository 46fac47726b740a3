import { AnalyzeAccountBody } from '../../shared/api/schemas.ts';
import { actorOf } from '../../shared/auth/principal.ts';
import { httpHandler, json, parseBody, pathParameter } from '../../shared/runtime/http-handler.ts';
import { startAnalysis } from '../../shared/use-cases/start-analysis.ts';

export const handler = httpHandler(
  async (event, deps, request) => {
    const accountId = pathParameter(event, 'id');
    const body = parseBody(event, AnalyzeAccountBody);
    const { runId } = await startAnalysis(deps, {
      accountId,
      asOf: body.as_of ? new Date(body.as_of) : undefined,
      requestedBy: actorOf(request.requirePrincipal()),
      scope: await request.scope(),
    });
    return json(202, {
      run_id: runId,
      status_url: `/api/v1/accounts/${encodeURIComponent(accountId)}/status`,
      run_url: `/api/v1/runs/${runId}`,
    });
  },
  { auth: 'required' },
);
