import { ApproveRecommendationBody } from '../../shared/api/schemas.ts';
import { httpHandler, json, parseBody, pathParameter } from '../../shared/runtime/http-handler.ts';
import { approveRecommendationAs } from '../../shared/use-cases/decide-approval-as.ts';

/**
 * `POST /api/v1/recommendations/{id}/approve`: the signed-in person approves (owner, their manager, admin),
 * optionally with `edits` to the draft (re-checked by compliance: 422 naming the violation, nothing decided).
 */
export const handler = httpHandler(
  async (event, deps, request) => {
    const recommendationId = pathParameter(event, 'id');
    const body = parseBody(event, ApproveRecommendationBody);
    const result = await approveRecommendationAs(deps, {
      recommendationId,
      principal: request.requirePrincipal(),
      scope: await request.scope(),
      ...(body.reason ? { reason: body.reason } : {}),
      ...(body.edits ? { edits: body.edits } : {}),
    });
    return json(200, result);
  },
  { auth: 'required' },
);
