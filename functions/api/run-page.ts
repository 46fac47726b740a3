import { html, httpHandler } from '../../shared/runtime/http-handler.ts';
import { connectSourcesOf, pageSettingsOf } from '../../web/page-auth.ts';
import { runTimelinePage } from '../../web/run-page.ts';

/** `GET /runs/{id}`: the run timeline shell; its script reads the run and follows its event stream. */
export const handler = httpHandler(async (_event, deps) => {
  const { auth, basePath } = pageSettingsOf(deps.config);
  return html(200, runTimelinePage(auth, basePath), { connectSrc: connectSourcesOf(auth) });
});
