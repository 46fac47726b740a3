import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SlackWebhookNotifier } from '../../../shared/adapters/notifications/slack-webhook-notifier.ts';
import { NotificationRejectedError, RetryableUpstreamError } from '../../../shared/errors.ts';
import type { OutboundMessage } from '../../../shared/ports/notifier.ts';

interface Captured {
  path: string;
  headers: IncomingHttpHeaders;
  body: { text: string; blocks: { type: string; text: { type: string; text: string } }[] };
}

type Reply = (res: ServerResponse) => void;

/** Slack's answers: `ok`, or the reason as plain text. */
const slack =
  (status: number, text: string, headers: Record<string, string> = {}): Reply =>
  (res) =>
    res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(text);

const message: OutboundMessage = {
  kind: 'approval_reminder',
  to: { userId: 'u-1', name: 'Maria Lopez', email: 'maria@example.com' },
  subject: 'Reminder: approval waiting for Smith & Sons',
  text: 'Hi Maria,\n\nThis recommendation for Smith & Sons <EU> has been waiting for a day:\n\n    Call the buyer\n',
  links: [{ label: 'Review the recommendation', url: 'https://sergas.example.com/approvals/abc' }],
  approvalId: 'abc',
};

// A stand-in for a Slack incoming webhook (`POST /services/T…/B…/…`) on 127.0.0.1.
describe('the Slack webhook notifier', () => {
  let server: Server;
  let url: string;
  let captured: Captured[] = [];
  let replies: Reply[] = [];
  let slept: number[] = [];

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      captured.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString()) });
      (replies.shift() ?? slack(200, 'ok'))(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/XXXX`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    captured = [];
    replies = [];
    slept = [];
  });

  const notifier = (webhookUrl = url) =>
    new SlackWebhookNotifier({
      webhookUrl,
      sleep: async (ms) => {
        slept.push(ms);
      },
    });

  it('posts {text, blocks}: the subject and text in mrkdwn (escaped) and the links as <url|label>', async () => {
    const deliveries = await notifier().send(message);

    expect(deliveries).toEqual([{ channel: 'slack', id: expect.any(String) }]);
    expect(captured).toHaveLength(1);
    const [request] = captured;
    expect(request?.path).toBe('/services/T000/B000/XXXX');
    expect(request?.headers['content-type']).toMatch(/^application\/json/);
    expect(request?.body.text).toBe('Reminder: approval waiting for Smith & Sons (for Maria Lopez)');
    expect(request?.body.blocks).toHaveLength(2);
    expect(request?.body.blocks[0]).toMatchObject({ type: 'section', text: { type: 'mrkdwn' } });
    expect(request?.body.blocks[0]?.text.text).toContain('*Reminder: approval waiting for Smith &amp; Sons*');
    expect(request?.body.blocks[0]?.text.text).toContain('Smith &amp; Sons &lt;EU&gt;');
    expect(request?.body.blocks[1]?.text.text).toBe(
      '<https://sergas.example.com/approvals/abc|Review the recommendation>',
    );
  });

  it.each([
    [400, 'invalid_payload'],
    [403, 'invalid_token'],
    [404, 'no_service'],
    [410, 'channel_is_archived'],
  ])('turns %i %s into a NotificationRejectedError with Slack’s reason', async (status, reason) => {
    replies = [slack(status, reason)];
    const error = await notifier()
      .send(message)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotificationRejectedError);
    expect(error).toMatchObject({ details: { channel: 'slack', status, reason } });
    expect(captured).toHaveLength(1);
  });

  it('waits out a short 429 Retry-After once and posts again', async () => {
    replies = [slack(429, 'rate_limited', { 'retry-after': '2' }), slack(200, 'ok')];
    expect(await notifier().send(message)).toHaveLength(1);
    expect(slept).toEqual([2000]);
    expect(captured).toHaveLength(2);
  });

  it('leaves a long 429 Retry-After, a second 429 and a 5xx to the caller as retryable', async () => {
    replies = [slack(429, 'rate_limited', { 'retry-after': '30' })];
    await expect(notifier().send(message)).rejects.toMatchObject({
      name: 'RetryableUpstreamError',
      details: { retryAfterSeconds: 30 },
    });
    expect(slept).toEqual([]);

    replies = [slack(429, 'rate_limited', { 'retry-after': '1' }), slack(429, 'rate_limited', { 'retry-after': '1' })];
    await expect(notifier().send(message)).rejects.toBeInstanceOf(RetryableUpstreamError);

    replies = [slack(503, 'service_unavailable')];
    await expect(notifier().send(message)).rejects.toBeInstanceOf(RetryableUpstreamError);
  });

  it('treats an unreachable webhook as retryable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(notifier(`http://127.0.0.1:${port}/services/x`).send(message)).rejects.toBeInstanceOf(
      RetryableUpstreamError,
    );
  });
});
