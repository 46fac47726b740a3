import { html, httpHandler } from '../../shared/runtime/http-handler.ts';
import { runTimelinePage } from '../../web/run-page.ts';

const page = runTimelinePage();

/** `GET /runs/{id}`: the run timeline shell; its script reads the run with the session cookie. */
export const handler = httpHandler(async () => html(200, page));
