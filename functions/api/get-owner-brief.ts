import { OwnerBriefQuery } from '../../shared/api/schemas.ts';
import { httpHandler, json, parseQuery, pathParameter } from '../../shared/runtime/http-handler.ts';
import { getOwnerBrief, ownerBriefJson } from '../../shared/use-cases/owner-brief.ts';

/** `GET /api/v1/owners/{id}/brief[?as_of=…]`: the owner's daily brief. */
export const handler = httpHandler(
  async (event, deps, request) => {
    const ownerId = pathParameter(event, 'id');
    const query = parseQuery(event, OwnerBriefQuery);
    const brief = await getOwnerBrief(deps, {
      ownerId,
      scope: await request.scope(),
      ...(query.as_of ? { now: new Date(query.as_of) } : {}),
    });
    return json(200, ownerBriefJson(brief));
  },
  { auth: 'required' },
);
