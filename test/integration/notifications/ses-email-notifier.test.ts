import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SesEmailNotifier } from '../../../shared/adapters/notifications/ses-email-notifier.ts';
import { NotificationRejectedError, RetryableUpstreamError } from '../../../shared/errors.ts';
import type { OutboundMessage } from '../../../shared/ports/notifier.ts';

interface Captured {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

type Reply = (res: ServerResponse) => void;

const accepted: Reply = (res) =>
  res
    .writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': 'req-1' })
    .end(JSON.stringify({ MessageId: '0100018c-ses-message-id' }));

/** SES v2's REST-JSON error: the type in `x-amzn-ErrorType`, the message in the body. */
const sesError =
  (status: number, type: string, message: string): Reply =>
  (res) =>
    res
      .writeHead(status, {
        'content-type': 'application/json',
        'x-amzn-errortype': `${type}:http://internal.amazon.com/`,
      })
      .end(JSON.stringify({ message }));

const message: OutboundMessage = {
  kind: 'approval_requested',
  to: { userId: 'u-1', name: 'Maria Lopez', email: 'maria@example.com' },
  subject: 'Approval needed: Acme <Corp> — Call the buyer',
  text: 'Hi Maria,\n\nSergas recommends an action on Acme <Corp>:\n\n    Call the buyer\n',
  links: [{ label: 'Review the recommendation', url: 'https://sergas.example.com/approvals/abc?x=1&y=2' }],
  approvalId: 'abc',
  runId: '0b6a3c8e-2f41-4d7a-9a55-6a1f0c2b9e01',
};

// A stand-in for SES v2's REST API on 127.0.0.1: the real client, signing with static credentials, sends
// `POST /v2/email/outbound-emails` to it.
describe('the SES e-mail notifier', () => {
  let server: Server;
  let endpoint: string;
  let captured: Captured[] = [];
  let reply: Reply = accepted;

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      captured.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'),
      });
      reply(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    captured = [];
    reply = accepted;
  });

  const notifier = (configurationSet: string | null = null) =>
    new SesEmailNotifier({
      client: new SESv2Client({
        endpoint,
        region: 'eu-west-1',
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
        maxAttempts: 1,
      }),
      from: 'Sergas <sergas@example.com>',
      configurationSet,
    });

  it('sends SendEmail with Simple content: the subject, the text with its links and a small HTML part', async () => {
    const deliveries = await notifier('sergas-events').send(message);

    expect(deliveries).toEqual([{ channel: 'email', id: '0100018c-ses-message-id' }]);
    expect(captured).toHaveLength(1);
    const [request] = captured;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/v2/email/outbound-emails');
    expect(request?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/ses\//);
    expect(request?.body).toMatchObject({
      FromEmailAddress: 'Sergas <sergas@example.com>',
      Destination: { ToAddresses: ['maria@example.com'] },
      ConfigurationSetName: 'sergas-events',
      EmailTags: [{ Name: 'kind', Value: 'approval_requested' }],
      Content: {
        Simple: {
          Subject: { Data: message.subject, Charset: 'UTF-8' },
          Body: { Text: { Charset: 'UTF-8' }, Html: { Charset: 'UTF-8' } },
        },
      },
    });
    type Simple = { Simple: { Body: { Text: { Data: string }; Html: { Data: string } } } };
    const body = (captured[0]!.body.Content as Simple).Simple.Body;
    expect(body.Text.Data).toContain('Call the buyer');
    expect(body.Text.Data).toContain('Review the recommendation: https://sergas.example.com/approvals/abc?x=1&y=2');
    expect(body.Html.Data).toContain(
      '<a href="https://sergas.example.com/approvals/abc?x=1&amp;y=2">Review the recommendation</a>',
    );
    expect(body.Html.Data).toContain('Acme &lt;Corp&gt;');
    expect(body.Html.Data).not.toContain('<Corp>');
  });

  it('sends nothing to a recipient without an e-mail address', async () => {
    expect(await notifier().send({ ...message, to: { ...message.to, email: null } })).toEqual([]);
    expect(captured).toEqual([]);
  });

  it('turns a rejected message (400 MessageRejected) into a NotificationRejectedError naming SES’s reason', async () => {
    reply = sesError(
      400,
      'MessageRejected',
      'Email address is not verified. The following identities failed the check',
    );
    const error = await notifier()
      .send(message)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotificationRejectedError);
    expect(error).toMatchObject({
      code: 'NOTIFICATION_REJECTED',
      details: { channel: 'email', name: 'MessageRejected', status: 400 },
    });
    expect((error as Error).message).toMatch(/400 MessageRejected.*not verified/);
  });

  it('treats throttling (429 TooManyRequestsException) and SES failures (500) as worth retrying', async () => {
    reply = sesError(429, 'TooManyRequestsException', 'Too many requests');
    await expect(notifier().send(message)).rejects.toBeInstanceOf(RetryableUpstreamError);
    reply = sesError(500, 'InternalServiceErrorException', 'Internal error');
    await expect(notifier().send(message)).rejects.toBeInstanceOf(RetryableUpstreamError);
  });
});
