import { BatchApproveBody } from '../../shared/api/schemas.ts';
import { httpHandler, json, parseBody } from '../../shared/runtime/http-handler.ts';
import { approveBatchAs } from '../../shared/use-cases/decide-approval-as.ts';

/** `POST /api/v1/approvals/batch-approve`: several approvals, each decided atomically on its own. */
export const handler = httpHandler(
  async (event, deps, request) => {
    const body = parseBody(event, BatchApproveBody);
    const result = await approveBatchAs(deps, {
      approvalIds: body.approvalIds,
      channel: 'api',
      principal: request.requirePrincipal(),
      scope: await request.scope(),
    });
    return json(200, result);
  },
  { auth: 'required' },
);
