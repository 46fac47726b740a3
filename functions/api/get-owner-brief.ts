import { z } from 'zod';
import { httpHandler, json, pathParameter } from '../../shared/runtime/http-handler.ts';
import { getOwnerBrief, ownerBriefJson } from '../../shared/use-cases/owner-brief.ts';

const Query = z.object({ as_of: z.iso.datetime({ offset: true }).optional() });

/** `GET /api/v1/owners/{id}/brief[?as_of=…]`: the owner's daily brief. */
export const handler = httpHandler(async (event, deps) => {
  const ownerId = pathParameter(event, 'id');
  const query = Query.parse(event.queryStringParameters ?? {});
  const brief = await getOwnerBrief(deps, { ownerId, ...(query.as_of ? { now: new Date(query.as_of) } : {}) });
  return json(200, ownerBriefJson(brief));
});
