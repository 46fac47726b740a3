import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local server speaking Anthropic's Messages API (`POST /v1/messages`), so the real
 * `@anthropic-ai/sdk` runs against it: its headers, retries, timeouts and error mapping included.
 * Each test scripts the replies; every request is captured for assertions on what reached the model.
 */

export interface CapturedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  /** The raw body, exactly as it went over the wire. */
  raw: string;
  body: MessagesRequestBody;
}

/** The parts of a Messages request the fake looks at; the rest is kept in the raw body. */
export interface MessagesRequestBody {
  model: string;
  max_tokens: number;
  system?: string | { type: 'text'; text: string; cache_control?: { type: string } }[];
  tools?: { name: string; input_schema: unknown; cache_control?: { type: string } }[];
  tool_choice?: { type: string; name?: string };
  messages: { role: string; content: string | { type: string; text?: string }[] }[];
  [key: string]: unknown;
}

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/** One scripted answer: a status and a JSON body, optionally late or with headers (retry-after-ms). */
export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
}

export type Script = Reply | ((request: CapturedRequest, n: number) => Reply);

export interface FakeMessagesApi {
  /** The base URL to hand the SDK (`baseURL`). */
  url: string;
  requests: CapturedRequest[];
  /** Queues answers for the next requests, in order; once the queue is empty `otherwise` answers. */
  reply(...scripts: Script[]): void;
  otherwise(script: Script): void;
  close(): Promise<void>;
}

const CACHED_PREFIX_TOKENS = 1_800;

/**
 * A fresh fake on 127.0.0.1. Without a script it answers 500 `api_error`, so a test that forgets to
 * script a reply fails loudly rather than passing on a default.
 */
export async function startFakeMessagesApi(): Promise<FakeMessagesApi> {
  const requests: CapturedRequest[] = [];
  const queue: Script[] = [];
  let fallback: Script = errorReply(500, 'api_error', 'no scripted reply');
  // The prompt cache as the API keeps it: the first request with a cacheable prefix writes it,
  // later ones with the same prefix read it.
  const cachedPrefixes = new Set<string>();

  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    let raw = '';
    for await (const chunk of request) raw += chunk;
    const path = request.url ?? '';
    if (request.method !== 'POST' || path.split('?')[0] !== '/v1/messages') {
      return send(response, errorReply(404, 'not_found_error', `No route for ${request.method} ${path}`));
    }
    if (!request.headers['x-api-key'] && !request.headers.authorization) {
      return send(response, errorReply(401, 'authentication_error', 'x-api-key header is required'));
    }
    if (!request.headers['anthropic-version']) {
      return send(response, errorReply(400, 'invalid_request_error', 'anthropic-version header is required'));
    }
    let body: MessagesRequestBody;
    try {
      body = JSON.parse(raw) as MessagesRequestBody;
    } catch {
      return send(response, errorReply(400, 'invalid_request_error', 'The request body is not valid JSON'));
    }
    const captured: CapturedRequest = { path, headers: request.headers, raw, body };
    requests.push(captured);
    const script = queue.shift() ?? fallback;
    const reply = typeof script === 'function' ? script(captured, requests.length) : script;
    if (reply.status === 200 && isMessage(reply.body)) {
      reply.body = { ...reply.body, model: body.model, usage: cacheAwareUsage(body, reply.body.usage, cachedPrefixes) };
    }
    if (reply.delayMs) {
      const late = setTimeout(() => send(response, reply), reply.delayMs);
      // The SDK gives up (and retries) before a slow reply comes: drop it with the connection.
      response.on('close', () => clearTimeout(late));
      return;
    }
    send(response, reply);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    reply: (...scripts) => queue.push(...scripts),
    otherwise: (script) => {
      fallback = script;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(response: ServerResponse, reply: Reply) {
  if (response.writableEnded || response.destroyed) return;
  response
    .writeHead(reply.status, {
      'content-type': 'application/json',
      'request-id': `req_${randomBytes(8).toString('hex')}`,
      ...reply.headers,
    })
    .end(JSON.stringify(reply.body));
}

interface MessageBody {
  type: 'message';
  usage?: Partial<Usage>;
}

function isMessage(body: unknown): body is MessageBody {
  return typeof body === 'object' && body !== null && (body as { type?: unknown }).type === 'message';
}

/** Usage as the API reports it: the cacheable prefix (tools + system up to a breakpoint) is written once, then read. */
function cacheAwareUsage(body: MessagesRequestBody, given: Partial<Usage> | undefined, cached: Set<string>): Usage {
  const usage: Usage = {
    input_tokens: given?.input_tokens ?? 900,
    output_tokens: given?.output_tokens ?? 600,
    cache_creation_input_tokens: given?.cache_creation_input_tokens ?? 0,
    cache_read_input_tokens: given?.cache_read_input_tokens ?? 0,
  };
  if (given?.cache_creation_input_tokens !== undefined || given?.cache_read_input_tokens !== undefined) return usage;
  const systemBlocks = Array.isArray(body.system) ? body.system : [];
  const hasBreakpoint =
    systemBlocks.some((b) => b.cache_control?.type === 'ephemeral') ||
    (body.tools ?? []).some((t) => t.cache_control?.type === 'ephemeral');
  if (!hasBreakpoint) return usage;
  const prefix = createHash('sha256')
    .update(JSON.stringify([body.model, body.tools ?? [], body.system ?? null]))
    .digest('hex');
  if (cached.has(prefix)) usage.cache_read_input_tokens = CACHED_PREFIX_TOKENS;
  else {
    cached.add(prefix);
    usage.cache_creation_input_tokens = CACHED_PREFIX_TOKENS;
  }
  return usage;
}

const messageId = () => `msg_${randomBytes(12).toString('hex')}`;

/** A successful turn that calls one tool: `content: [{type: 'tool_use', …}]`, `stop_reason: 'tool_use'`. */
export function toolUseReply(name: string, input: unknown, usage?: Partial<Usage>): Reply {
  return {
    status: 200,
    body: {
      id: messageId(),
      type: 'message',
      role: 'assistant',
      model: 'set-from-the-request',
      content: [{ type: 'tool_use', id: `toolu_${randomBytes(12).toString('hex')}`, name, input }],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage,
    },
  };
}

/** A successful turn that only talks: `stop_reason: 'end_turn'`, no tool call. */
export function textReply(text: string, usage?: Partial<Usage>): Reply {
  return {
    status: 200,
    body: {
      id: messageId(),
      type: 'message',
      role: 'assistant',
      model: 'set-from-the-request',
      content: [{ type: 'text', text }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage,
    },
  };
}

/** The API's error envelope: `{type: 'error', error: {type, message}}`. */
export function errorReply(status: number, type: string, message: string, headers?: Record<string, string>): Reply {
  return { status, body: { type: 'error', error: { type, message } }, headers };
}

/** 429 as the API sends it, asking the client to wait (briefly, so tests stay fast). */
export const rateLimited = (): Reply =>
  errorReply(429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit', {
    'retry-after-ms': '20',
  });

/** 529: the API is overloaded. */
export const overloaded = (): Reply =>
  errorReply(529, 'overloaded_error', 'Overloaded', {
    'retry-after-ms': '20',
  });

/** The user turn's text, where the caller put the account context. */
export function userText(request: CapturedRequest): string {
  const last = request.body.messages.at(-1);
  if (!last) return '';
  return typeof last.content === 'string'
    ? last.content
    : last.content.map((block) => (block.type === 'text' ? (block.text ?? '') : '')).join('\n');
}
