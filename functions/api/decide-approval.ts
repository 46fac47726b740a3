import { z } from 'zod';
import { DecisionForm } from '../../shared/api/schemas.ts';
import type { DraftEdits } from '../../shared/domain/approval-policy.ts';
import { AppError, ValidationError } from '../../shared/errors.ts';
import { html, httpHandler, parseBody, pathParameter } from '../../shared/runtime/http-handler.ts';
import { decideApprovalAs, deferApprovalAs } from '../../shared/use-cases/decide-approval-as.ts';
import { type DecisionResult, decisionResultPage } from '../../web/approval-page.ts';
import { pageSettingsOf } from '../../web/page-auth.ts';

const OUTCOME_BY_STATUS: Record<number, DecisionResult['outcome']> = {
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  410: 'expired',
  422: 'invalid',
};

type Form = z.output<typeof DecisionForm>;

/** The edit fields the page rendered for the draft; the use case ignores those equal to the draft. */
function editsOf(form: Form): DraftEdits {
  // Browsers send a textarea's line breaks as CRLF; the draft has LF.
  const text = (value: string | undefined) => value?.replace(/\r\n/g, '\n');
  const edits: DraftEdits = {};
  if (form.subject !== undefined) edits.subject = form.subject;
  if (form.body !== undefined) edits.body = text(form.body);
  if (form.description !== undefined) edits.description = text(form.description);
  if (form.due_date !== undefined) edits.dueDate = form.due_date;
  if (form.title !== undefined) edits.title = form.title;
  if (form.content !== undefined) edits.content = text(form.content);
  if (form.value !== undefined) edits.value = form.value;
  return edits;
}

/**
 * `POST /approvals/{approvalId}`: the signed-in owner, their manager or an admin decides, once: approve,
 * approve with edits (re-checked by compliance), reject (with a reason) or defer (1–30 days).
 */
export const handler = httpHandler(
  async (event, deps, request) => {
    const approvalId = pathParameter(event, 'approvalId');
    const { basePath } = pageSettingsOf(deps.config);
    const principal = request.requirePrincipal();
    const form = parseBody(event, DecisionForm);
    const scope = await request.scope();
    if (form.decision === 'defer') {
      if (form.days === undefined) throw new ValidationError('days: say how many days to defer (1–30)');
      const deferred = await deferApprovalAs(deps, {
        approvalId,
        days: form.days,
        channel: 'web',
        ...(form.reason ? { reason: form.reason } : {}),
        principal,
        scope,
      });
      return html(
        200,
        decisionResultPage(
          {
            outcome: 'deferred',
            message: `Deferred ${form.days} day${form.days === 1 ? '' : 's'}: it stays pending until ${deferred.deferredUntil.slice(0, 10)}.`,
            approvalId,
            runId: deferred.runId,
          },
          basePath,
        ),
      );
    }
    const result = await decideApprovalAs(deps, {
      approvalId,
      decision: form.decision,
      channel: 'web',
      reason: form.reason || undefined,
      ...(form.decision === 'approve_with_edits' ? { edits: editsOf(form) } : {}),
      principal,
      scope,
    });
    const verb =
      result.status === 'approved'
        ? result.edited
          ? 'Approved with your edits: exactly the edited draft will be written to Zoho once.'
          : 'Approved: it will be written to Zoho once.'
        : 'Rejected: nothing will be written to Zoho.';
    return html(
      200,
      decisionResultPage({ outcome: result.status, message: verb, approvalId, runId: result.runId }, basePath),
    );
  },
  (error, event, deps) => {
    const approvalId = event.pathParameters?.approvalId ?? '';
    const { basePath } = pageSettingsOf(deps?.config);
    if (error instanceof z.ZodError) {
      const message = error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      return html(400, decisionResultPage({ outcome: 'invalid', message, approvalId }, basePath));
    }
    const status = error instanceof AppError && error.expose ? error.status : 500;
    const message = error instanceof AppError && error.expose ? error.message : 'Something went wrong on our side';
    const outcome = OUTCOME_BY_STATUS[status] ?? 'invalid';
    return html(status, decisionResultPage({ outcome, message, approvalId }, basePath));
  },
);
