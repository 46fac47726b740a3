import { describe, expect, it } from 'vitest';
import { AUTH_CLIENT, SSE_CLIENT } from '../../../web/client-helpers.ts';

interface SseMessage {
  type: string;
  data: string;
  lastEventId: string;
}

interface Parser {
  push(chunk: string): void;
  lastEventId(): string;
}

interface StreamOptions {
  onEvent(message: SseMessage): void;
  isLast?(message: SseMessage): boolean;
  onOpen?(): void;
  onError?(error: unknown): void;
  onEnd?(reason: string, error: { status?: number } | null): void;
  lastEventId?: string;
  retryMs?: number;
}

type FakeFetch = (url: string, init: { headers: Record<string, string> }) => Promise<Response>;

/** The page scripts' own code (no document config: local sign-in), with `fetch` supplied by the test. */
function client(fetch: FakeFetch = () => Promise.reject(new Error('no fetch'))) {
  const document = { getElementById: () => null };
  return new Function(
    'document',
    'fetch',
    `${AUTH_CLIENT}${SSE_CLIENT}; return { createSseParser: createSseParser, readEventStream: readEventStream };`,
  )(document, fetch) as {
    createSseParser(
      onEvent: (message: SseMessage) => void,
      onRetry?: (ms: number) => void,
      initialLastEventId?: string,
    ): Parser;
    readEventStream(url: string, options: StreamOptions): { close(): void };
  };
}

const { createSseParser } = client();

function parse(chunks: readonly string[]) {
  const events: SseMessage[] = [];
  const retries: number[] = [];
  const parser = createSseParser(
    (event) => events.push(event),
    (ms) => retries.push(ms),
  );
  for (const chunk of chunks) parser.push(chunk);
  return { events, retries, lastEventId: parser.lastEventId() };
}

/** A stream with every line ending, a comment, a heartbeat, multi-line data, retry and a resumable id. */
const MIXED =
  'retry: 2000\n\n' +
  ': heartbeat\r\n\r\n' +
  'id: 1\r\nevent: RUN_STARTED\r\ndata: {"type":"RUN_STARTED"}\r\n\r\n' +
  'id: 2\revent: STEP_STARTED\rdata: line one\rdata:line two\rdata\r\r' +
  ': a comment between fields\nid: 3\ndata: é ✓ 😀\n\n' +
  'id: 4\nevent: RUN_FINISHED\ndata: {"type":"RUN_FINISHED"}\n\n';

const MIXED_EVENTS: SseMessage[] = [
  { type: 'RUN_STARTED', data: '{"type":"RUN_STARTED"}', lastEventId: '1' },
  { type: 'STEP_STARTED', data: 'line one\nline two\n', lastEventId: '2' },
  { type: 'message', data: 'é ✓ 😀', lastEventId: '3' },
  { type: 'RUN_FINISHED', data: '{"type":"RUN_FINISHED"}', lastEventId: '4' },
];

describe('the pages’ event-stream parser', () => {
  it('reads id, event and data, and defaults the type to message', () => {
    expect(parse(['id: 7\nevent: STEP_STARTED\ndata: {"a":1}\n\ndata: plain\n\n']).events).toEqual([
      { type: 'STEP_STARTED', data: '{"a":1}', lastEventId: '7' },
      { type: 'message', data: 'plain', lastEventId: '7' },
    ]);
  });

  it('gives the same events however the stream is cut into chunks', () => {
    const whole = parse([MIXED]);
    expect(whole.events).toEqual(MIXED_EVENTS);
    expect(whole.retries).toEqual([2000]);
    for (let cut = 1; cut < MIXED.length; cut++) {
      expect(parse([MIXED.slice(0, cut), MIXED.slice(cut)]).events, `cut at ${cut}`).toEqual(MIXED_EVENTS);
    }
    expect(parse([...MIXED]).events).toEqual(MIXED_EVENTS);
  });

  it('takes a CRLF split across two chunks as one line break, not an empty line that dispatches', () => {
    expect(parse(['data: a\r', '\ndata: b\r', '\n\r', '\n']).events).toEqual([
      { type: 'message', data: 'a\nb', lastEventId: '' },
    ]);
  });

  it('ignores comments and heartbeats, and an event with no data line', () => {
    const { events, lastEventId } = parse([': heartbeat\n\n', ':\n\n', 'event: STEP_STARTED\nid: 9\n\n']);
    expect(events).toEqual([]);
    // An id without data still moves the resume point, as the standard says.
    expect(lastEventId).toBe('9');
  });

  it('joins data lines with LF, strips one leading space only and keeps an empty data line', () => {
    expect(parse(['data:  two spaces\ndata:\ndata: end\n\n']).events[0]?.data).toBe(' two spaces\n\nend');
  });

  it('resets the event type after each event but keeps the id', () => {
    expect(parse(['event: CUSTOM\nid: 3\ndata: x\n\ndata: y\n\n']).events).toEqual([
      { type: 'CUSTOM', data: 'x', lastEventId: '3' },
      { type: 'message', data: 'y', lastEventId: '3' },
    ]);
  });

  it('drops an unfinished event, a BOM, ids with NUL, unknown fields and non-numeric retry', () => {
    const { events, retries } = parse([
      '\uFEFFdata: a\nid: x\u0000y\nfoo: bar\nretry: soon\nretry: 15\n\n',
      'data: cut',
    ]);
    expect(events).toEqual([{ type: 'message', data: 'a', lastEventId: '' }]);
    expect(retries).toEqual([15]);
  });

  it('starts from the id it resumes after', () => {
    expect(createSseParser(() => {}, undefined, '41').lastEventId()).toBe('41');
  });
});

/** A streamed answer whose body arrives in the given chunks (bytes, so UTF-8 can split inside a character). */
function streamed(chunks: readonly (string | Uint8Array)[], status = 200): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
      controller.close();
    },
  });
  return new Response(body, { status, headers: { 'content-type': 'text/event-stream; charset=utf-8' } });
}

function follow(answers: (() => Response)[], options: Partial<StreamOptions> = {}) {
  const requests: Record<string, string>[] = [];
  const events: SseMessage[] = [];
  const errors: unknown[] = [];
  const { readEventStream } = client((_url, init) => {
    requests.push({ ...init.headers });
    const answer = answers.shift();
    if (!answer) return new Promise<Response>(() => {});
    try {
      return Promise.resolve(answer());
    } catch (error) {
      return Promise.reject(error);
    }
  });
  const ended = new Promise<{ reason: string; error: { status?: number } | null }>((resolve) => {
    readEventStream('/api/v1/runs/r1/events', {
      retryMs: 5,
      onEvent: (event) => events.push(event),
      isLast: (event) => event.type === 'RUN_FINISHED' || event.type === 'RUN_ERROR',
      onError: (error) => errors.push(error),
      onEnd: (reason, error) => resolve({ reason, error }),
      ...options,
    });
  });
  return { requests, events, errors, ended };
}

describe('the pages’ event-stream reader', () => {
  it('reads events until RUN_FINISHED and does not reconnect after it', async () => {
    const run = follow([
      () =>
        streamed([
          'retry: 5\n\nid: 1\nevent: STEP_STARTED\ndata: {}\n\n',
          'id: 2\nevent: RUN_FINISHED\ndata: {}\n\nid: 3\nevent: LATE\ndata: {}\n\n',
        ]),
    ]);
    expect(await run.ended).toEqual({ reason: 'finished', error: null });
    expect(run.events.map((e) => e.type)).toEqual(['STEP_STARTED', 'RUN_FINISHED']);
    expect(run.requests).toEqual([{ accept: 'text/event-stream' }]);
  });

  it('reconnects after a dropped stream with Last-Event-ID and decodes UTF-8 split between chunks', async () => {
    const check = new TextEncoder().encode('✓');
    const run = follow([
      () =>
        streamed([
          'id: 1\nevent: STEP_STARTED\ndata: a',
          check.slice(0, 1),
          check.slice(1),
          '\n\n',
          'id: 2\ndata: cut',
        ]),
      () => {
        throw new TypeError('network down');
      },
      () => streamed(['id: 2\nevent: RUN_ERROR\ndata: {}\n\n']),
    ]);
    expect(await run.ended).toEqual({ reason: 'finished', error: null });
    expect(run.events.map((e) => [e.type, e.data, e.lastEventId])).toEqual([
      ['STEP_STARTED', 'a✓', '1'],
      ['RUN_ERROR', '{}', '2'],
    ]);
    expect(run.requests.map((headers) => headers['last-event-id'])).toEqual([undefined, '1', '1']);
    expect(run.errors).toHaveLength(2);
  });

  it('stops on 204 (read to its end) and on a 401 or 404, and retries a 503', async () => {
    expect(await follow([() => new Response(null, { status: 204 })]).ended).toEqual({
      reason: 'finished',
      error: null,
    });
    for (const status of [401, 404]) {
      const run = follow([() => new Response('{}', { status, headers: { 'content-type': 'application/json' } })]);
      const { reason, error } = await run.ended;
      expect([reason, error?.status]).toEqual(['failed', status]);
      expect(run.requests).toHaveLength(1);
    }
    const retried = follow([
      () => new Response('busy', { status: 503 }),
      () => streamed(['id: 1\nevent: RUN_FINISHED\ndata: {}\n\n']),
    ]);
    expect((await retried.ended).reason).toBe('finished');
    expect(retried.requests).toHaveLength(2);
  });

  it('resumes from the id it was given', async () => {
    const run = follow([() => streamed(['id: 8\nevent: RUN_FINISHED\ndata: {}\n\n'])], { lastEventId: '7' });
    await run.ended;
    expect(run.requests[0]?.['last-event-id']).toBe('7');
  });
});
