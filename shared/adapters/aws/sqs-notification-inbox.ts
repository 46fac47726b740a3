import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { AppError } from '../../errors.ts';
import type { InboxReceipt, NotificationInbox, VerifiedCrmNotification } from '../../ports/notification-inbox.ts';

/**
 * The inbox on AWS: an SQS queue the `sync-notifications` function consumes. The webhook answers Zoho as
 * soon as the queue holds the notification; the consumer's retries and dead-letter queue keep it after
 * that. Replays are harmless: applying a notification is idempotent per channel, operation and ids.
 */
export class SqsNotificationInbox implements NotificationInbox {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(client: SQSClient, queueUrl: string) {
    this.#client = client;
    this.#queueUrl = queueUrl;
  }

  async accept(notification: VerifiedCrmNotification): Promise<InboxReceipt> {
    try {
      const sent = await this.#client.send(
        new SendMessageCommand({ QueueUrl: this.#queueUrl, MessageBody: JSON.stringify(notification) }),
      );
      return { status: 'queued', messageId: sent.MessageId ?? '' };
    } catch (cause) {
      // Not exposed: the webhook answers 503 and Zoho calls again, which is what we want.
      throw new AppError('NOTIFICATION_NOT_QUEUED', 'The notification could not be queued', {
        status: 503,
        cause,
      });
    }
  }
}
