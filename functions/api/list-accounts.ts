import { ListAccountsQuery } from '../../shared/api/schemas.ts';
import { httpHandler, json, parseQuery } from '../../shared/runtime/http-handler.ts';
import { listAccountSummaries } from '../../shared/use-cases/account-views.ts';

/** `GET /api/v1/accounts?risk=&owner=&health=&limit=&cursor=`: the caller's accounts, riskiest first. */
export const handler = httpHandler(
  async (event, deps, request) => {
    const query = parseQuery(event, ListAccountsQuery);
    const page = await listAccountSummaries(deps, {
      scope: await request.scope(),
      ownerId: query.owner,
      riskLevel: query.risk,
      healthBand: query.health,
      limit: query.limit,
      cursor: query.cursor,
    });
    return json(200, page);
  },
  { auth: 'required' },
);
