import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SqsNotificationInbox } from '../../../shared/adapters/aws/sqs-notification-inbox.ts';
import type { VerifiedCrmNotification } from '../../../shared/ports/notification-inbox.ts';

/**
 * No SQS runs here (no AWS, no LocalStack), so the adapter talks to an HTTP server that checks the request
 * the real SDK puts on the wire (AWS JSON 1.0, SigV4) and answers as SQS does, MD5 of the body included.
 */
interface Received {
  target: string | undefined;
  contentType: string | undefined;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

const notification: VerifiedCrmNotification = {
  channel_id: '1000000068001',
  module: 'Accounts',
  operation: 'update',
  ids: ['4876876000000001006'],
  server_time: 1_764_000_000_000,
};

const readBody = async (request: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

describe('the SQS notification inbox', () => {
  let server: Server;
  let queueUrl: string;
  let received: Received[];
  let failWith: number | null;

  beforeAll(async () => {
    server = createServer(async (request, response) => {
      const body = JSON.parse(await readBody(request)) as Record<string, unknown>;
      received.push({
        target: request.headers['x-amz-target'] as string | undefined,
        contentType: request.headers['content-type'],
        authorization: request.headers.authorization,
        body,
      });
      if (failWith) {
        response.writeHead(failWith, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(JSON.stringify({ __type: 'com.amazonaws.sqs#InternalError', message: 'try again' }));
        return;
      }
      const md5 = createHash('md5').update(String(body.MessageBody)).digest('hex');
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify({ MessageId: 'b8f2a9c4-5e55-4f5a-9c1e-1f3b7f0e2a11', MD5OfMessageBody: md5 }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    queueUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/123456789012/sergas-dev-zoho-notifications`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    received = [];
    failWith = null;
  });

  const inbox = () =>
    new SqsNotificationInbox(
      new SQSClient({
        region: 'eu-west-1',
        endpoint: queueUrl.slice(0, queueUrl.indexOf('/', 'http://'.length)),
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
        maxAttempts: 1,
      }),
      queueUrl,
    );

  it('sends the notification as the message body of a signed SendMessage to the queue', async () => {
    await inbox().accept(notification);
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request?.target).toBe('AmazonSQS.SendMessage');
    expect(request?.contentType).toBe('application/x-amz-json-1.0');
    expect(request?.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/sqs\/aws4_request/,
    );
    expect(request?.body.QueueUrl).toBe(queueUrl);
    expect(JSON.parse(String(request?.body.MessageBody))).toEqual(notification);
  });

  it('answers with the id SQS gave the message', async () => {
    await expect(inbox().accept(notification)).resolves.toEqual({
      status: 'queued',
      messageId: 'b8f2a9c4-5e55-4f5a-9c1e-1f3b7f0e2a11',
    });
  });

  it('fails with a 503 that hides the cause when SQS does not take it, so Zoho calls again', async () => {
    failWith = 500;
    await expect(inbox().accept(notification)).rejects.toMatchObject({
      code: 'NOTIFICATION_NOT_QUEUED',
      status: 503,
      expose: false,
    });
  });
});
