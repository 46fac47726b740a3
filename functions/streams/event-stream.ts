import { Writable } from 'node:stream';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { type Principal, principalFromClaims } from '../../shared/auth/principal.ts';
import { tokenOf } from '../../shared/auth/session.ts';
import { NotFoundError, UnauthorizedError, ValidationError } from '../../shared/errors.ts';
import type { Container } from '../../shared/runtime/container.ts';
import { getContainer } from '../../shared/runtime/current-container.ts';
import { corsHeaders, errorResult, pathParameter } from '../../shared/runtime/http-handler.ts';
import { logger } from '../../shared/runtime/observability.ts';
import { assertCanSeeAccount, resolveAccessScope } from '../../shared/use-cases/access.ts';
import { type EventSink, type StreamEventsInput, streamRunEvents } from '../../shared/use-cases/run-events.ts';

/** The status line and headers of a streamed response (Lambda's HttpResponseStream prelude). */
export type ResponseMetadata = {
  statusCode: number;
  headers: Record<string, string>;
};

/** Starts the response with `metadata` and returns where its body goes. */
export type OpenResponse = (metadata: ResponseMetadata) => Writable;

export interface StreamOptions {
  /** Ends the stream (the client reconnects with Last-Event-ID): the server closing, or the caller's own limit. */
  signal?: AbortSignal;
  /** Epoch ms at which to end the stream; on Lambda, before the function's timeout. */
  deadline?: number;
  /** false: write what is stored and end (buffered invocations). */
  follow?: boolean;
  heartbeatMs?: number;
  pollMs?: number;
}

/** A streaming route's core: the same function behind Lambda response streaming and the local API server. */
export type StreamHandler = (event: APIGatewayProxyEvent, open: OpenResponse, options?: StreamOptions) => Promise<void>;

export type StreamScope = 'run' | 'all';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-store',
  // Reverse proxies (nginx and friends) must pass each event on as it comes.
  'x-accel-buffering': 'no',
  'x-content-type-options': 'nosniff',
};

/**
 * Who is asking, as the API's http-handler reads it: the claims API Gateway's Cognito authorizer (or the
 * local API server) verified, else a bearer header or session cookie verified here. Null when anonymous.
 */
export async function principalOf(
  event: APIGatewayProxyEvent,
  deps: Pick<Container, 'auth'>,
): Promise<Principal | null> {
  const claims = (event.requestContext?.authorizer as { claims?: Record<string, unknown> } | null | undefined)?.claims;
  if (claims) return principalFromClaims(claims);
  const found = tokenOf(event.headers ?? {});
  return found ? principalFromClaims(await deps.auth.verify(found.token)) : null;
}

const header = (event: APIGatewayProxyEvent, name: string): string | undefined => {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
};

/** Where to resume: the Last-Event-ID header (EventSource's reconnect) wins over `?after=`. */
export function resumeAfter(event: APIGatewayProxyEvent): number | null {
  const fromHeader = header(event, 'last-event-id')?.trim();
  const raw = fromHeader || event.queryStringParameters?.after?.trim();
  if (!raw) return null;
  if (!/^\d{1,15}$/.test(raw)) {
    throw new ValidationError(
      `${fromHeader ? 'Last-Event-ID' : 'after'}: must be the id of an event (a non-negative integer)`,
    );
  }
  return Number(raw);
}

function respond(open: OpenResponse, result: APIGatewayProxyResult): void {
  const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)]));
  open({ statusCode: result.statusCode, headers }).end(result.body);
}

/** The sink over a writable: waits for drain, and aborts when the client goes, on `signal` or at `deadline`. */
function sinkOver(body: Writable, options: StreamOptions): { sink: EventSink; dispose(): void } {
  const controller = new AbortController();
  const stop = () => controller.abort();
  body.once('close', stop);
  body.once('error', stop);
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.signal?.aborted) stop();
  const timer =
    options.deadline === undefined ? undefined : setTimeout(stop, Math.max(0, options.deadline - Date.now()));
  const sink: EventSink = {
    signal: controller.signal,
    write: (chunk) =>
      new Promise<void>((resolve) => {
        if (controller.signal.aborted || body.destroyed || body.writableEnded) return resolve();
        if (body.write(chunk)) return resolve();
        const done = () => {
          body.off('drain', done);
          controller.signal.removeEventListener('abort', done);
          resolve();
        };
        body.once('drain', done);
        controller.signal.addEventListener('abort', done, { once: true });
      }),
  };
  return {
    sink,
    dispose() {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', stop);
      body.off('close', stop);
      body.off('error', stop);
    },
  };
}

/**
 * GET /api/v1/runs/{id}/events (scope `run`) and GET /api/v1/events (scope `all`, the firehose): AG-UI
 * events as server-sent events, resumable with Last-Event-ID.
 * 1. who is asking; where to resume
 * 2. a run that does not exist is a 404; one whose stream the client has read to its end a 204 (which
 *    tells EventSource to stop reconnecting)
 * 3. stream until the run ends, the client goes, or the deadline passes
 */
export async function serveEventStream(
  scope: StreamScope,
  event: APIGatewayProxyEvent,
  open: OpenResponse,
  options: StreamOptions = {},
): Promise<void> {
  let input: StreamEventsInput;
  let deps: Container | undefined;
  let cors: Record<string, string> = {};
  try {
    deps = await getContainer();
    cors = corsHeaders(event.headers, deps.config);
    const principal = await principalOf(event, deps);
    if (!principal) throw new UnauthorizedError();
    const access = await resolveAccessScope(deps, principal);
    const after = resumeAfter(event);
    const runId = scope === 'run' ? pathParameter(event, 'id') : null;
    if (runId) {
      // Run ids are UUIDs: anything else names no run (and is never sent to the database). Another
      // person's run answers like one that does not exist.
      const run = UUID.test(runId) ? await deps.runs.get(runId) : null;
      if (!run) throw new NotFoundError('Run', runId);
      await assertCanSeeAccount(deps, access, run.accountId, () => new NotFoundError('Run', runId));
      const state = await deps.events.state(runId);
      if (state?.ended && (await deps.events.readRun(runId, after ?? 0, 1)).length === 0) {
        open({ statusCode: 204, headers: { 'cache-control': 'no-store', ...cors } }).end();
        return;
      }
    }
    input = {
      runId,
      after,
      scope: access,
      ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
      ...(options.pollMs ? { pollMs: options.pollMs } : {}),
    };
  } catch (error) {
    const result = errorResult(error);
    const challenge: Record<string, string> =
      error instanceof UnauthorizedError ? { 'www-authenticate': 'Bearer' } : {};
    respond(open, { ...result, headers: { ...result.headers, ...cors, ...challenge } });
    return;
  }

  const body = open({ statusCode: 200, headers: { ...SSE_HEADERS, ...cors } });
  const { sink, dispose } = sinkOver(body, options);
  try {
    await streamRunEvents(deps, { ...input, follow: options.follow ?? true }, sink);
  } catch (error) {
    // The status line is gone already: log, and end the stream so the client reconnects where it was.
    logger.error('event stream failed', error as Error);
  } finally {
    dispose();
    if (!body.destroyed && !body.writableEnded) body.end();
  }
}

// Ends the stream this long before the function's timeout, so it closes cleanly and the client resumes.
const DEADLINE_MARGIN_MS = 10_000;

/**
 * The Lambda handler for a streaming route: `awslambda.streamifyResponse` when the runtime has it (API
 * Gateway calls it with InvokeWithResponseStream); elsewhere a buffered handler that returns the events
 * stored so far, so the module loads and answers outside Lambda too.
 */
export function lambdaStreamingHandler(serve: StreamHandler): unknown {
  // `awslambda` is a global of Lambda's Node runtime (typed by @types/aws-lambda); elsewhere the AWS SDK's
  // invoke store may define it as an empty object, so look for the function itself.
  if (typeof awslambda !== 'undefined' && typeof awslambda.streamifyResponse === 'function') {
    return awslambda.streamifyResponse(async (event: APIGatewayProxyEvent, responseStream, context: Context) => {
      await serve(event, (metadata) => awslambda.HttpResponseStream.from(responseStream, metadata), {
        deadline: Date.now() + context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS,
      });
    });
  }
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    let metadata: ResponseMetadata = { statusCode: 500, headers: {} };
    const chunks: Buffer[] = [];
    const collector = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(Buffer.from(chunk));
        callback();
      },
    });
    await serve(
      event,
      (m) => {
        metadata = m;
        return collector;
      },
      { follow: false },
    );
    return { statusCode: metadata.statusCode, headers: metadata.headers, body: Buffer.concat(chunks).toString('utf8') };
  };
}

/** One streaming route: `streamHandler` for the local API server, `handler` for Lambda. */
export function eventStreamFunction(scope: StreamScope): { streamHandler: StreamHandler; handler: unknown } {
  const streamHandler: StreamHandler = (event, open, options) => serveEventStream(scope, event, open, options);
  return { streamHandler, handler: lambdaStreamingHandler(streamHandler) };
}
