import { httpHandler, json, pathParameter } from '../../shared/runtime/http-handler.ts';
import { getRecommendationView } from '../../shared/use-cases/account-views.ts';

export const handler = httpHandler(
  async (event, deps, request) =>
    json(200, await getRecommendationView(deps, pathParameter(event, 'id'), await request.scope())),
  { auth: 'required' },
);
