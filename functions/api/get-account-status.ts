import { httpHandler, json, pathParameter } from '../../shared/runtime/http-handler.ts';
import { getAccountAnalysis } from '../../shared/use-cases/account-views.ts';

export const handler = httpHandler(
  async (event, deps, request) =>
    json(200, await getAccountAnalysis(deps, pathParameter(event, 'id'), undefined, await request.scope())),
  { auth: 'required' },
);
