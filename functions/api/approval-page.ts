import { AppError } from '../../shared/errors.ts';
import { html, httpHandler, pathParameter } from '../../shared/runtime/http-handler.ts';
import { getApprovalView } from '../../shared/use-cases/approval-view.ts';
import { approvalPage, decisionResultPage } from '../../web/approval-page.ts';

// GET only shows: mail scanners prefetch links, so nothing here may decide.
export const handler = httpHandler(
  async (event, deps, request) => {
    const viewer = request.principal ? { principal: request.principal, scope: await request.scope() } : null;
    return html(200, approvalPage(await getApprovalView(deps, pathParameter(event, 'approvalId'), viewer)));
  },
  (error, event) => {
    const status = error instanceof AppError && error.expose ? error.status : 500;
    const outcome = status === 404 ? 'not_found' : 'invalid';
    const message = error instanceof AppError && error.expose ? error.message : 'Something went wrong on our side';
    return html(status, decisionResultPage({ outcome, message, approvalId: event.pathParameters?.approvalId ?? '' }));
  },
);
