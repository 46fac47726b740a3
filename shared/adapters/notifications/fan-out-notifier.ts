import { NotificationFailedError, RetryableUpstreamError } from '../../errors.ts';
import type { Delivery, Notifier, OutboundMessage } from '../../ports/notifier.ts';

export interface NotificationChannel {
  name: string;
  notifier: Notifier;
}

/**
 * One message, every channel at once: a channel that fails does not stop the others. Resolves with the
 * deliveries of the channels that took it (a channel may skip a message, e.g. e-mail to a recipient
 * without an address); throws NotificationFailedError only when every channel that tried failed.
 */
export class FanOutNotifier implements Notifier {
  readonly #channels: readonly NotificationChannel[];
  readonly #onFailure: (channel: string, error: unknown, message: OutboundMessage) => void;

  constructor(
    channels: readonly NotificationChannel[],
    options: { onFailure?: (channel: string, error: unknown, message: OutboundMessage) => void } = {},
  ) {
    this.#channels = channels;
    this.#onFailure = options.onFailure ?? (() => undefined);
  }

  get channels(): readonly string[] {
    return this.#channels.map((channel) => channel.name);
  }

  async send(message: OutboundMessage): Promise<Delivery[]> {
    const results = await Promise.allSettled(this.#channels.map((channel) => channel.notifier.send(message)));
    const deliveries: Delivery[] = [];
    const failures: { channel: string; error: unknown }[] = [];
    results.forEach((result, i) => {
      const channel = this.#channels[i]!.name;
      if (result.status === 'fulfilled') deliveries.push(...result.value);
      else {
        failures.push({ channel, error: result.reason });
        this.#onFailure(channel, result.reason, message);
      }
    });
    if (failures.length === 0 || failures.length < this.#channels.length) return deliveries;
    const summary = failures.map((f) => ({
      channel: f.channel,
      error: (f.error as Error)?.message ?? String(f.error),
    }));
    // When every failure was a passing one, the whole send is worth retrying.
    const cause = new AggregateError(
      failures.map((f) => f.error),
      'every notification channel failed',
    );
    if (failures.every((f) => f.error instanceof RetryableUpstreamError)) {
      throw new RetryableUpstreamError(new NotificationFailedError(summary).message, { cause, details: summary });
    }
    throw new NotificationFailedError(summary, { cause });
  }
}
