import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { NotificationRejectedError, RetryableUpstreamError } from '../../errors.ts';
import type { Delivery, Notifier, OutboundMessage } from '../../ports/notifier.ts';
import { htmlBody, plainText } from './message-rendering.ts';

// Worth another try later: SES throttled us or failed on its side. Everything else (an unverified
// identity, a suppressed address, sending paused) needs a person and would fail the same way again.
const RETRYABLE = new Set(['TooManyRequestsException', 'LimitExceededException', 'InternalServiceErrorException']);

interface AwsError {
  name?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

/**
 * E-mail through SES v2 `SendEmail` (Simple content: the text and a small HTML part with the links), from
 * the verified SES_FROM_ADDRESS to the recipient's CRM e-mail. A recipient without one gets no e-mail.
 */
export class SesEmailNotifier implements Notifier {
  readonly channel = 'email';
  readonly #client: SESv2Client;
  readonly #from: string;
  readonly #configurationSet: string | null;

  constructor(options: { client: SESv2Client; from: string; configurationSet?: string | null }) {
    this.#client = options.client;
    this.#from = options.from;
    this.#configurationSet = options.configurationSet ?? null;
  }

  async send(message: OutboundMessage): Promise<Delivery[]> {
    if (!message.to.email) return [];
    const command = new SendEmailCommand({
      FromEmailAddress: this.#from,
      Destination: { ToAddresses: [message.to.email] },
      Content: {
        Simple: {
          Subject: { Data: message.subject, Charset: 'UTF-8' },
          Body: {
            Text: { Data: plainText(message), Charset: 'UTF-8' },
            Html: { Data: htmlBody(message), Charset: 'UTF-8' },
          },
        },
      },
      // Tags let SES event destinations (bounces, complaints) be traced to the message's kind.
      EmailTags: [{ Name: 'kind', Value: message.kind }],
      ...(this.#configurationSet ? { ConfigurationSetName: this.#configurationSet } : {}),
    });
    try {
      const out = await this.#client.send(command);
      return [{ channel: this.channel, id: out.MessageId ?? '' }];
    } catch (error) {
      throw sesError(error as AwsError);
    }
  }
}

function sesError(error: AwsError) {
  const status = error.$metadata?.httpStatusCode;
  const what = `SES refused the e-mail${status ? ` (${status} ${error.name})` : ''}: ${error.message ?? String(error)}`;
  const details = { channel: 'email', name: error.name ?? null, status: status ?? null };
  if (status === undefined || error.$fault === 'server' || RETRYABLE.has(error.name ?? '')) {
    return new RetryableUpstreamError(what, { cause: error, details });
  }
  return new NotificationRejectedError(what, { cause: error, details });
}
