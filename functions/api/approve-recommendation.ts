import { z } from 'zod';
import { NotFoundError } from '../../shared/errors.ts';
import { httpHandler, json, parseBody, pathParameter } from '../../shared/runtime/http-handler.ts';
import { decideApproval } from '../../shared/use-cases/decide-approval.ts';

const Body = z.object({ decided_by: z.string().trim().min(1).max(320) });

export const handler = httpHandler(async (event, deps) => {
  const recommendationId = pathParameter(event, 'id');
  const body = parseBody(event, Body);
  const approval = await deps.approvals.getByRecommendation(recommendationId);
  if (!approval) throw new NotFoundError('Approval for recommendation', recommendationId);
  const result = await decideApproval(deps, {
    approvalId: approval.id,
    decision: 'approve',
    by: body.decided_by,
    channel: 'api',
  });
  return json(200, result);
});
