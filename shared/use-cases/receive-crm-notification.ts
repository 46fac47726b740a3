import type { CrmNotification, InboxReceipt, NotificationInbox } from '../ports/notification-inbox.ts';
import { verifyCrmNotification } from './apply-crm-notification.ts';

/**
 * Zoho calls the notification URL.
 * 1. the token echoed in the body must be the one we registered the channel with (else 401, nothing kept)
 * 2. the notification, without its token, goes to the inbox: queued on AWS (applied shortly by the
 *    consumer), applied at once locally
 */
export async function receiveCrmNotification(
  deps: { notificationInbox: NotificationInbox },
  input: { notification: CrmNotification; expectedToken: string | null },
): Promise<InboxReceipt> {
  return deps.notificationInbox.accept(verifyCrmNotification(input.notification, input.expectedToken));
}
