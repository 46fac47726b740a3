import { html, httpHandler } from '../../shared/runtime/http-handler.ts';
import { dashboardPage } from '../../web/dashboard-page.ts';

const page = dashboardPage();

export const handler = httpHandler(async () => html(200, page));
