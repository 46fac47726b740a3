import {
  createServer,
  type Http2Server,
  type Http2ServerResponse,
  type Http2Session,
  type IncomingHttpHeaders,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BedrockTitanEmbedder } from '../../../shared/adapters/embeddings/bedrock-titan-embedder.ts';
import { RetryableUpstreamError } from '../../../shared/errors.ts';

interface Invocation {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

type Reply = (invocation: Invocation, res: Http2ServerResponse) => void;

/** Titan v2's documented answer: the vector, the token count and `embeddingsByType`. */
function titanAnswer(vector: number[], res: Http2ServerResponse): void {
  res
    .writeHead(200, { 'content-type': 'application/json', 'x-amzn-bedrock-input-token-count': '7' })
    .end(JSON.stringify({ embedding: vector, inputTextTokenCount: 7, embeddingsByType: { float: vector } }));
}

/** A deterministic unit vector of `dimensions` per text, so answers can be told apart. */
function vectorFor(text: string, dimensions: number): number[] {
  const v = Array.from({ length: dimensions }, (_, i) => ((text.length + i) % 7) - 3);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

// Bedrock's client speaks HTTP/2 only (its default handler is NodeHttp2Handler), so the stand-in does too,
// in clear text on 127.0.0.1.
describe('the Bedrock Titan v2 embedder', () => {
  let server: Http2Server;
  const sessions = new Set<Http2Session>();
  let endpoint: string;
  let inFlight = 0;
  let maxInFlight = 0;
  let invocations: Invocation[] = [];
  const standardReply: Reply = (invocation, res) =>
    titanAnswer(vectorFor(String(invocation.body.inputText), Number(invocation.body.dimensions)), res);
  let reply = standardReply;

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const invocation = {
        path: decodeURIComponent(req.url ?? ''),
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      };
      invocations.push(invocation);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight -= 1;
      reply(invocation, res);
    });
    server.on('session', (session) => {
      sessions.add(session);
      session.on('close', () => sessions.delete(session));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const session of sessions) session.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  afterEach(() => {
    invocations = [];
    maxInFlight = 0;
    reply = standardReply;
  });

  const embedderWith = (options: { maxAttempts?: number; concurrency?: number; dimension?: 256 | 512 | 1024 } = {}) =>
    new BedrockTitanEmbedder({
      client: new BedrockRuntimeClient({
        region: 'eu-west-1',
        endpoint,
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG' },
        maxAttempts: options.maxAttempts ?? 3,
      }),
      ...(options.dimension ? { dimension: options.dimension } : {}),
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    });

  it('invokes Titan v2 once per text with its documented request body, signed', async () => {
    await embedderWith({ dimension: 512 }).embed(['Renewal call with Acme']);

    expect(invocations).toHaveLength(1);
    const [invocation] = invocations;
    expect(invocation!.path).toBe('/model/amazon.titan-embed-text-v2:0/invoke');
    expect(invocation!.body).toEqual({ inputText: 'Renewal call with Acme', dimensions: 512, normalize: true });
    expect(invocation!.headers['content-type']).toBe('application/json');
    expect(invocation!.headers.accept).toBe('application/json');
    expect(invocation!.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/bedrock\//,
    );
  });

  it('returns the embeddings in the order of the texts', async () => {
    const texts = ['a', 'bb', 'ccc', 'dddd', 'eeeee'];

    const vectors = await embedderWith({ dimension: 256 }).embed(texts);

    expect(vectors).toEqual(texts.map((t) => vectorFor(t, 256)));
  });

  it('keeps no more calls in flight than its concurrency', async () => {
    await embedderWith({ concurrency: 2, dimension: 256 }).embed(Array.from({ length: 8 }, (_, i) => `note ${i}`));

    expect(invocations).toHaveLength(8);
    expect(maxInFlight).toBeLessThanOrEqual(2);
  });

  it('gives a blank text the zero vector without calling Bedrock', async () => {
    const [vector] = await embedderWith({ dimension: 256 }).embed(['   ']);

    expect(invocations).toHaveLength(0);
    expect(vector).toEqual(new Array(256).fill(0));
  });

  it('lets the SDK retry a throttled call', async () => {
    let calls = 0;
    reply = (invocation, res) => {
      calls += 1;
      if (calls === 1) {
        res
          .writeHead(429, { 'content-type': 'application/json', 'x-amzn-errortype': 'ThrottlingException' })
          .end(JSON.stringify({ message: 'Too many requests, please wait before trying again.' }));
      } else standardReply(invocation, res);
    };

    const [vector] = await embedderWith({ maxAttempts: 2, dimension: 256 }).embed(['Quarterly check-in']);

    expect(invocations).toHaveLength(2);
    expect(vector).toEqual(vectorFor('Quarterly check-in', 256));
  });

  it('reports throttling that outlasts the retries as a retryable upstream failure', async () => {
    reply = (_invocation, res) =>
      res
        .writeHead(429, { 'content-type': 'application/json', 'x-amzn-errortype': 'ThrottlingException' })
        .end(JSON.stringify({ message: 'Too many requests, please wait before trying again.' }));

    await expect(embedderWith({ maxAttempts: 1 }).embed(['x'])).rejects.toBeInstanceOf(RetryableUpstreamError);
  });

  it('refuses an answer that is not an embedding of the requested size', async () => {
    reply = (_invocation, res) => titanAnswer([0.6, 0.8], res);

    await expect(embedderWith({ dimension: 256 }).embed(['x'])).rejects.toMatchObject({ code: 'EMBEDDING_INVALID' });
  });
});
