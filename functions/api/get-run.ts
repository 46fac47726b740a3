import { httpHandler, json, pathParameter } from '../../shared/runtime/http-handler.ts';
import { showRun } from '../../shared/use-cases/account-views.ts';

export const handler = httpHandler(
  async (event, deps, request) => {
    const runId = pathParameter(event, 'id');
    const run = await showRun(deps, runId, await request.scope());
    return json(200, { ...run, audit: await deps.audit.list({ runId }) });
  },
  { auth: 'required' },
);
