import { httpHandler, json } from '../../shared/runtime/http-handler.ts';
import { listPendingApprovals } from '../../shared/use-cases/account-views.ts';

export const handler = httpHandler(async (_event, deps) => json(200, await listPendingApprovals(deps)));
