import { html, httpHandler } from '../../shared/runtime/http-handler.ts';
import { ownerBriefPage } from '../../web/owner-brief-page.ts';

const page = ownerBriefPage();

/** `GET /owners/{id}/brief`: the owner brief shell; its script reads the brief with the session cookie. */
export const handler = httpHandler(async () => html(200, page));
