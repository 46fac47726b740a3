import { ZohoNotification as Notification } from '../../shared/api/schemas.ts';
import { httpHandler, json, parseBody } from '../../shared/runtime/http-handler.ts';
import { receiveCrmNotification } from '../../shared/use-cases/receive-crm-notification.ts';

// On AWS the notification is queued and Zoho gets its 2xx at once (202); applied inline, it learns the result.
export const handler = httpHandler(async (event, deps) => {
  const notification = parseBody(event, Notification);
  const receipt = await receiveCrmNotification(deps, { notification, expectedToken: deps.config.notificationToken });
  return receipt.status === 'queued'
    ? json(202, { queued: true, messageId: receipt.messageId })
    : json(200, receipt.result);
});
