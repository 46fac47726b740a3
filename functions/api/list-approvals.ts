import { ListApprovalsQuery } from '../../shared/api/schemas.ts';
import { httpHandler, json, parseQuery } from '../../shared/runtime/http-handler.ts';
import { listApprovals } from '../../shared/use-cases/list-views.ts';

/** `GET /api/v1/approvals?status=&account=&limit=&cursor=`: the approval queue, oldest first. */
export const handler = httpHandler(
  async (event, deps, request) => {
    const query = parseQuery(event, ListApprovalsQuery);
    const page = await listApprovals(deps, {
      scope: await request.scope(),
      status: query.status,
      accountId: query.account,
      limit: query.limit,
      cursor: query.cursor,
    });
    return json(200, page);
  },
  { auth: 'required' },
);
