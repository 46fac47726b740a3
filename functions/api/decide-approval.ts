import { z } from 'zod';
import { DecisionForm } from '../../shared/api/schemas.ts';
import { AppError } from '../../shared/errors.ts';
import { html, httpHandler, parseBody, pathParameter } from '../../shared/runtime/http-handler.ts';
import { decideApprovalAs } from '../../shared/use-cases/decide-approval-as.ts';
import { type DecisionResult, decisionResultPage } from '../../web/approval-page.ts';

const OUTCOME_BY_STATUS: Record<number, DecisionResult['outcome']> = {
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  410: 'expired',
};

/** `POST /approvals/{approvalId}`: the signed-in owner, their manager or an admin decides, once. */
export const handler = httpHandler(
  async (event, deps, request) => {
    const approvalId = pathParameter(event, 'approvalId');
    const principal = request.requirePrincipal();
    const form = parseBody(event, DecisionForm);
    const result = await decideApprovalAs(deps, {
      approvalId,
      decision: form.decision,
      channel: 'web',
      reason: form.reason || undefined,
      principal,
      scope: await request.scope(),
    });
    const verb =
      result.status === 'approved'
        ? 'Approved: it will be written to Zoho once.'
        : 'Rejected: nothing will be written to Zoho.';
    return html(200, decisionResultPage({ outcome: result.status, message: verb, approvalId, runId: result.runId }));
  },
  (error, event) => {
    const approvalId = event.pathParameters?.approvalId ?? '';
    if (error instanceof z.ZodError) {
      const message = error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      return html(400, decisionResultPage({ outcome: 'invalid', message, approvalId }));
    }
    const status = error instanceof AppError && error.expose ? error.status : 500;
    const message = error instanceof AppError && error.expose ? error.message : 'Something went wrong on our side';
    return html(status, decisionResultPage({ outcome: OUTCOME_BY_STATUS[status] ?? 'invalid', message, approvalId }));
  },
);
