import { NotFoundError } from '../../shared/errors.ts';
import { httpHandler, json, pathParameter } from '../../shared/runtime/http-handler.ts';
import { recommendationJson } from '../../shared/use-cases/account-views.ts';

export const handler = httpHandler(async (event, deps) => {
  const id = pathParameter(event, 'id');
  const recommendation = await deps.recommendations.get(id);
  if (!recommendation) throw new NotFoundError('Recommendation', id);
  const approval = await deps.approvals.getByRecommendation(id);
  return json(200, {
    ...recommendationJson(recommendation, approval),
    account_id: recommendation.accountId,
    run_id: recommendation.runId,
    approval: approval && {
      id: approval.id,
      status: approval.status,
      url: `/approvals/${approval.id}`,
      payload: approval.payload,
      payload_hash: approval.payloadHash,
      decided_by: approval.decidedBy,
      decided_at: approval.decidedAt,
    },
  });
});
