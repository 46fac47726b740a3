import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { NotificationRejectedError, RetryableUpstreamError } from '../../errors.ts';
import type { Delivery, Notifier, OutboundMessage } from '../../ports/notifier.ts';

// Slack's limits: a section's text is at most 3000 characters.
const SECTION_MAX = 3000;

/** Slack's mrkdwn treats &, < and > as control characters; everything else is literal. */
const escapeMrkdwn = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** `<url|label>`: the label may not hold `|` or `>`, and the URL no `|`, `<` or `>`. */
const mrkdwnLink = (link: { label: string; url: string }) =>
  `<${link.url.replace(/[|<>]/g, encodeURIComponent)}|${escapeMrkdwn(link.label.replace(/\|/g, '/'))}>`;

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/**
 * The message as an incoming-webhook payload: `text` is the notification fallback, the blocks carry the
 * subject, the text and the links. Links are mrkdwn `<url|label>` rather than buttons: a URL button on an
 * app without an interactivity endpoint shows a warning when clicked.
 */
export function slackPayload(message: OutboundMessage) {
  const links = message.links.map(mrkdwnLink).join('\n');
  return {
    text: `${message.subject} (for ${message.to.name})`,
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: clip(
            `*${escapeMrkdwn(message.subject)}*\n_for ${escapeMrkdwn(message.to.name)}_\n\n${escapeMrkdwn(message.text)}`,
            SECTION_MAX,
          ),
        },
      },
      ...(links ? [{ type: 'section', text: { type: 'mrkdwn', text: clip(links, SECTION_MAX) } }] : []),
    ],
  };
}

export interface SlackWebhookOptions {
  webhookUrl: string;
  fetch?: typeof fetch;
  /** How long one POST may take. */
  timeoutMs?: number;
  /** A 429 whose Retry-After is at most this is waited out once; a longer one is left to the caller's retry. */
  maxRetryAfterSeconds?: number;
  sleep?: (ms: number) => Promise<unknown>;
}

/**
 * Posts to a Slack incoming webhook (SLACK_WEBHOOK_URL, on AWS from the Slack secret). Slack answers `ok`
 * with 200, or a reason in plain text: 400 invalid_payload, 403 invalid_token / action_prohibited, 404
 * no_service / channel_not_found, 410 channel_is_archived (a person must fix those), 429 with Retry-After
 * and 5xx (worth retrying).
 */
export class SlackWebhookNotifier implements Notifier {
  readonly channel = 'slack';
  readonly #url: string;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  readonly #maxRetryAfter: number;
  readonly #sleep: (ms: number) => Promise<unknown>;

  constructor(options: SlackWebhookOptions) {
    this.#url = options.webhookUrl;
    this.#fetch = options.fetch ?? fetch;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#maxRetryAfter = options.maxRetryAfterSeconds ?? 5;
    this.#sleep = options.sleep ?? sleep;
  }

  async send(message: OutboundMessage): Promise<Delivery[]> {
    const body = JSON.stringify(slackPayload(message));
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await this.#fetch(this.#url, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body,
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
      } catch (error) {
        throw new RetryableUpstreamError(`Slack webhook unreachable: ${(error as Error).message}`, {
          cause: error,
          details: { channel: this.channel },
        });
      }
      const reason = (await response.text().catch(() => '')).trim().slice(0, 200);
      // The webhook returns no id for the post; ours identifies the delivery in logs and the audit.
      if (response.ok) return [{ channel: this.channel, id: randomUUID() }];

      const details = { channel: this.channel, status: response.status, reason };
      if (response.status === 429) {
        const retryAfter = retryAfterSeconds(response.headers.get('retry-after'));
        if (attempt === 1 && retryAfter <= this.#maxRetryAfter) {
          await this.#sleep(retryAfter * 1000);
          continue;
        }
        throw new RetryableUpstreamError(`Slack rate-limited the webhook; retry after ${retryAfter} s`, {
          details: { ...details, retryAfterSeconds: retryAfter },
        });
      }
      if (response.status >= 500) {
        throw new RetryableUpstreamError(`Slack webhook failed: ${response.status} ${reason}`, { details });
      }
      throw new NotificationRejectedError(`Slack refused the message: ${response.status} ${reason || 'no reason'}`, {
        details,
      });
    }
  }
}

function retryAfterSeconds(header: string | null): number {
  const seconds = Number(header);
  if (header !== null && Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const at = header ? Date.parse(header) : Number.NaN;
  return Number.isNaN(at) ? 1 : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
