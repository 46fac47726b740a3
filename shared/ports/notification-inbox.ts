/**
 * Where a CRM change notification goes once the webhook has accepted it. Zoho expects a quick 2xx from the
 * notification URL, while applying a notification fetches the records from Zoho and writes the CRM copy:
 * on AWS the inbox is a queue (the webhook answers as soon as the notification is queued and a consumer
 * applies it), locally it applies the notification at once.
 */

/** A notification as Zoho posts it to the notification URL: which records changed (ids only), and how. */
export interface CrmNotification {
  channel_id: string;
  module: string;
  operation: string;
  ids: string[];
  /** The verification token registered with the channel, echoed back by Zoho. */
  token: string;
  server_time: number;
}

/**
 * A notification whose token was checked against the registered one. The token is dropped there: what is
 * queued or applied afterwards carries no secret.
 */
export type VerifiedCrmNotification = Omit<CrmNotification, 'token'>;

/** What applying one notification did to the CRM copy. */
export interface NotificationApplied {
  /** The same notification was applied before (Zoho retried it): nothing was done. */
  duplicate: boolean;
  /** Records written or marked deleted. */
  applied: number;
  /** Ids not applied: the record is gone from Zoho, or the module is not one Sergas copies. */
  skipped: string[];
}

/** Applied at once (`result` says how), or queued to be applied shortly (`messageId` is the queue's id). */
export type InboxReceipt = { status: 'applied'; result: NotificationApplied } | { status: 'queued'; messageId: string };

export interface NotificationInbox {
  /**
   * Takes a verified notification. Resolving means it will not be lost: it was applied, or the queue
   * holds it. A failure to queue rejects, so the webhook answers 5xx and Zoho calls again.
   */
  accept(notification: VerifiedCrmNotification): Promise<InboxReceipt>;
}
