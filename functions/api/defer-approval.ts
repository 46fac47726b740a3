import { DeferBody } from '../../shared/api/schemas.ts';
import { httpHandler, json, parseBody, pathParameter } from '../../shared/runtime/http-handler.ts';
import { deferApprovalAs } from '../../shared/use-cases/decide-approval-as.ts';

/** `POST /api/v1/approvals/{id}/defer`: the approval stays pending, its expiry `days` later. */
export const handler = httpHandler(
  async (event, deps, request) => {
    const approvalId = pathParameter(event, 'id');
    const body = parseBody(event, DeferBody);
    const result = await deferApprovalAs(deps, {
      approvalId,
      days: body.days,
      channel: 'api',
      ...(body.reason ? { reason: body.reason } : {}),
      principal: request.requirePrincipal(),
      scope: await request.scope(),
    });
    return json(200, result);
  },
  { auth: 'required' },
);
