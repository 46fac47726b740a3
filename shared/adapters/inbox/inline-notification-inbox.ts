import type {
  InboxReceipt,
  NotificationApplied,
  NotificationInbox,
  VerifiedCrmNotification,
} from '../../ports/notification-inbox.ts';

/**
 * The inbox without a queue (locally, in tests): the notification is applied before the webhook answers,
 * so the caller sees what it did.
 */
export class InlineNotificationInbox implements NotificationInbox {
  readonly #apply: (notification: VerifiedCrmNotification) => Promise<NotificationApplied>;

  constructor(apply: (notification: VerifiedCrmNotification) => Promise<NotificationApplied>) {
    this.#apply = apply;
  }

  async accept(notification: VerifiedCrmNotification): Promise<InboxReceipt> {
    return { status: 'applied', result: await this.#apply(notification) };
  }
}
