import { ListRecommendationsQuery } from '../../shared/api/schemas.ts';
import { httpHandler, json, parseQuery } from '../../shared/runtime/http-handler.ts';
import { listRecommendations } from '../../shared/use-cases/list-views.ts';

/** `GET /api/v1/recommendations?status=&type=&account=&limit=&cursor=`: newest first. */
export const handler = httpHandler(
  async (event, deps, request) => {
    const query = parseQuery(event, ListRecommendationsQuery);
    const page = await listRecommendations(deps, {
      scope: await request.scope(),
      status: query.status,
      type: query.type,
      accountId: query.account,
      limit: query.limit,
      cursor: query.cursor,
    });
    return json(200, page);
  },
  { auth: 'required' },
);
