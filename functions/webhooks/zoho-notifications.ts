import { ZohoNotification as Notification } from '../../shared/api/schemas.ts';
import { httpHandler, json, parseBody } from '../../shared/runtime/http-handler.ts';
import { applyCrmNotification } from '../../shared/use-cases/apply-crm-notification.ts';

export const handler = httpHandler(async (event, deps) => {
  const notification = parseBody(event, Notification);
  const result = await applyCrmNotification(deps, { notification, expectedToken: deps.config.notificationToken });
  return json(200, result);
});
