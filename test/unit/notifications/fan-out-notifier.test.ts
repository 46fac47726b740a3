import { describe, expect, it } from 'vitest';
import { FanOutNotifier } from '../../../shared/adapters/notifications/fan-out-notifier.ts';
import { NotificationFailedError, NotificationRejectedError, RetryableUpstreamError } from '../../../shared/errors.ts';
import type { Delivery, Notifier, OutboundMessage } from '../../../shared/ports/notifier.ts';

const message: OutboundMessage = {
  kind: 'approval_requested',
  to: { userId: 'u-1', name: 'Maria Lopez', email: null },
  subject: 'Approval needed',
  text: 'Hi',
  links: [],
};

const taking = (channel: string, sent: OutboundMessage[] = []): Notifier => ({
  async send(m): Promise<Delivery[]> {
    sent.push(m);
    return [{ channel, id: `${channel}-1` }];
  },
});
const skipping: Notifier = { send: async () => [] };
const failing = (error: Error): Notifier => ({
  send: async () => {
    throw error;
  },
});

describe('the fan-out notifier', () => {
  it('sends on every channel and returns each delivery', async () => {
    const sent: OutboundMessage[] = [];
    const notifier = new FanOutNotifier([
      { name: 'outbox', notifier: taking('outbox', sent) },
      { name: 'slack', notifier: taking('slack', sent) },
      { name: 'email', notifier: skipping },
    ]);
    expect(await notifier.send(message)).toEqual([
      { channel: 'outbox', id: 'outbox-1' },
      { channel: 'slack', id: 'slack-1' },
    ]);
    expect(sent).toEqual([message, message]);
    expect(notifier.channels).toEqual(['outbox', 'slack', 'email']);
  });

  it('keeps going when one channel fails, and reports the failure', async () => {
    const failures: string[] = [];
    const notifier = new FanOutNotifier(
      [
        { name: 'email', notifier: failing(new NotificationRejectedError('SES refused')) },
        { name: 'slack', notifier: taking('slack') },
      ],
      { onFailure: (channel, error) => failures.push(`${channel}: ${(error as Error).message}`) },
    );
    expect(await notifier.send(message)).toEqual([{ channel: 'slack', id: 'slack-1' }]);
    expect(failures).toEqual(['email: SES refused']);
  });

  it('throws NotificationFailedError, listing every channel, only when all fail', async () => {
    const notifier = new FanOutNotifier([
      { name: 'email', notifier: failing(new NotificationRejectedError('SES refused')) },
      { name: 'slack', notifier: failing(new RetryableUpstreamError('Slack down')) },
    ]);
    const error = await notifier.send(message).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotificationFailedError);
    expect(error).toMatchObject({
      details: [
        { channel: 'email', error: 'SES refused' },
        { channel: 'slack', error: 'Slack down' },
      ],
    });
  });

  it('throws a retryable error when every failure was a passing one', async () => {
    const notifier = new FanOutNotifier([
      { name: 'email', notifier: failing(new RetryableUpstreamError('throttled')) },
      { name: 'slack', notifier: failing(new RetryableUpstreamError('Slack down')) },
    ]);
    await expect(notifier.send(message)).rejects.toBeInstanceOf(RetryableUpstreamError);
  });

  it('with no channels, sends nothing and does not fail', async () => {
    expect(await new FanOutNotifier([]).send(message)).toEqual([]);
  });
});
