import { ListRunsQuery } from '../../shared/api/schemas.ts';
import { httpHandler, json, parseQuery } from '../../shared/runtime/http-handler.ts';
import { listRuns } from '../../shared/use-cases/list-views.ts';

/** `GET /api/v1/runs?account=&status=&limit=&cursor=`: analysis runs, newest first. */
export const handler = httpHandler(
  async (event, deps, request) => {
    const query = parseQuery(event, ListRunsQuery);
    const page = await listRuns(deps, {
      scope: await request.scope(),
      accountId: query.account,
      status: query.status,
      limit: query.limit,
      cursor: query.cursor,
    });
    return json(200, page);
  },
  { auth: 'required' },
);
