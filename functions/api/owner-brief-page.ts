import { html, httpHandler } from '../../shared/runtime/http-handler.ts';
import { ownerBriefPage } from '../../web/owner-brief-page.ts';
import { connectSourcesOf, pageSettingsOf } from '../../web/page-auth.ts';

/** `GET /owners/{id}/brief`: the owner brief shell; its script reads the brief as the signed-in person. */
export const handler = httpHandler(async (_event, deps) => {
  const { auth, basePath } = pageSettingsOf(deps.config);
  return html(200, ownerBriefPage(auth, basePath), { connectSrc: connectSourcesOf(auth) });
});
