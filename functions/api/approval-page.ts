import { AppError } from '../../shared/errors.ts';
import { html, httpHandler, pathParameter } from '../../shared/runtime/http-handler.ts';
import { getApprovalView } from '../../shared/use-cases/approval-view.ts';
import { approvalPage, decisionResultPage } from '../../web/approval-page.ts';
import { connectSourcesOf, pageSettingsOf } from '../../web/page-auth.ts';

// GET only shows: mail scanners prefetch links, so nothing here may decide.
export const handler = httpHandler(
  async (event, deps, request) => {
    const viewer = request.principal ? { principal: request.principal, scope: await request.scope() } : null;
    const { auth, basePath } = pageSettingsOf(deps.config);
    const view = await getApprovalView(deps, pathParameter(event, 'approvalId'), viewer);
    return html(200, approvalPage(view, auth, basePath), { connectSrc: connectSourcesOf(auth) });
  },
  (error, event, deps) => {
    const status = error instanceof AppError && error.expose ? error.status : 500;
    const outcome = status === 404 ? 'not_found' : 'invalid';
    const message = error instanceof AppError && error.expose ? error.message : 'Something went wrong on our side';
    const approvalId = event.pathParameters?.approvalId ?? '';
    return html(status, decisionResultPage({ outcome, message, approvalId }, pageSettingsOf(deps?.config).basePath));
  },
);
