import { html, httpHandler } from '../../shared/runtime/http-handler.ts';
import { dashboardPage } from '../../web/dashboard-page.ts';
import { connectSourcesOf, pageSettingsOf } from '../../web/page-auth.ts';

/** `GET /`: the dashboard shell; its script reads the API as the signed-in person. */
export const handler = httpHandler(async (_event, deps) => {
  const { auth, basePath } = pageSettingsOf(deps.config);
  return html(200, dashboardPage(auth, basePath), { connectSrc: connectSourcesOf(auth) });
});
