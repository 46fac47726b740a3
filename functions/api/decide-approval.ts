import { z } from 'zod';
import { AppError } from '../../shared/errors.ts';
import { html, httpHandler, parseBody, pathParameter } from '../../shared/runtime/http-handler.ts';
import { decideApproval } from '../../shared/use-cases/decide-approval.ts';
import { decisionResultPage } from '../../web/approval-page.ts';

const Form = z.object({
  decision: z.enum(['approve', 'reject']),
  decided_by: z.string().trim().min(1, 'say who you are').max(320),
  reason: z.string().trim().max(2000).optional(),
});

const OUTCOME_BY_STATUS: Record<number, 'conflict' | 'expired' | 'not_found'> = {
  409: 'conflict',
  410: 'expired',
  404: 'not_found',
};

export const handler = httpHandler(
  async (event, deps) => {
    const approvalId = pathParameter(event, 'approvalId');
    const form = parseBody(event, Form);
    const result = await decideApproval(deps, {
      approvalId,
      decision: form.decision,
      by: form.decided_by,
      channel: 'web',
      reason: form.reason || undefined,
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
