import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { StreamHandler } from '../functions/streams/event-stream.ts';
import { FUNCTIONS, type RouteAuth } from '../infra/function-catalog.ts';
import { lambdaContextFor } from './lambda-context.ts';
import { authorizeLocally, localPreflight } from './local-authorizer.ts';

type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

interface Route {
  method: string;
  pattern: RegExp;
  params: string[];
  resource: string;
  functionId: string;
  auth: RouteAuth;
  load: () => Promise<ProxyHandler>;
  /** A streaming route (SSE): its module's `streamHandler` writes to the response as events come. */
  streaming: boolean;
  loadStream: () => Promise<StreamHandler>;
}

const MAX_BODY_BYTES = 1024 * 1024;

/** The API Gateway routes of the deployed app (infra/function-catalog.ts), each served by the same handler module. */
function routes(): Route[] {
  return FUNCTIONS.flatMap((fn) => {
    if (!fn.route) return [];
    const params: string[] = [];
    const pattern = new RegExp(
      `^${fn.route.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
        params.push(name);
        return '([^/]+)';
      })}/?$`,
    );
    let loaded: Promise<ProxyHandler> | undefined;
    let loadedStream: Promise<StreamHandler> | undefined;
    return [
      {
        method: fn.route.method,
        pattern,
        params,
        resource: fn.route.path,
        functionId: fn.id,
        auth: fn.route.auth,
        load: () => {
          loaded ??= import(new URL(`../${fn.entry}`, import.meta.url).href).then(
            (m: { handler: ProxyHandler }) => m.handler,
          );
          return loaded;
        },
        streaming: fn.route.streaming === true,
        loadStream: () => {
          loadedStream ??= import(new URL(`../${fn.entry}`, import.meta.url).href).then(
            (m: { streamHandler: StreamHandler }) => m.streamHandler,
          );
          return loadedStream;
        },
      },
    ];
  });
}

async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return chunks.length > 0 ? Buffer.concat(chunks).toString('utf8') : null;
}

/** An API Gateway REST proxy event, as the deployed stage would build it. */
function toEvent(
  req: IncomingMessage,
  url: URL,
  route: Route,
  match: RegExpMatchArray,
  body: string | null,
  claims: Record<string, string> | null = null,
): APIGatewayProxyEvent {
  const headers = Object.fromEntries(
    Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(',') : (v ?? '')]),
  );
  const query = url.searchParams.size > 0 ? Object.fromEntries(url.searchParams) : null;
  return {
    resource: route.resource,
    path: url.pathname,
    httpMethod: req.method ?? 'GET',
    headers,
    multiValueHeaders: {},
    queryStringParameters: query,
    multiValueQueryStringParameters: null,
    pathParameters:
      route.params.length > 0 ? Object.fromEntries(route.params.map((p, i) => [p, match[i + 1] ?? ''])) : null,
    stageVariables: null,
    body,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: claims ? { claims } : null,
      httpMethod: req.method ?? 'GET',
      path: url.pathname,
      protocol: 'HTTP/1.1',
      requestId: crypto.randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: route.functionId,
      resourcePath: route.resource,
      stage: 'local',
      identity: {
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? null,
      } as APIGatewayProxyEvent['requestContext']['identity'],
    },
  };
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string) {
  res.writeHead(status, headers);
  res.end(body);
}

const sendResult = (res: ServerResponse, result: APIGatewayProxyResult) =>
  send(
    res,
    result.statusCode,
    Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)])),
    result.body,
  );

const jsonError = (code: string, message: string) => JSON.stringify({ error: { code, message, details: null } });

/** A streaming route: the handler writes status, headers and events to the response as they come. */
async function serveStream(route: Route, event: APIGatewayProxyEvent, res: ServerResponse, signal: AbortSignal) {
  try {
    const serve = await route.loadStream();
    await serve(
      event,
      ({ statusCode, headers }) => {
        res.writeHead(statusCode, headers);
        res.flushHeaders();
        return res;
      },
      { signal },
    );
  } catch (error) {
    process.stderr.write(`local api: ${route.functionId} failed: ${(error as Error).stack}\n`);
    if (!res.headersSent) {
      send(res, 500, { 'content-type': 'application/json' }, jsonError('INTERNAL', 'Something went wrong on our side'));
    } else res.end();
  }
}

/** Serves the API Gateway routes on 127.0.0.1 through the Lambda handlers, like the deployed stage. */
export async function startLocalApiServer(
  options: { port?: number; host?: string } = {},
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const table = routes();
  // Ends open event streams when the server closes (they would otherwise keep it open).
  const closing = new AbortController();
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const candidates = table.filter((r) => r.pattern.test(url.pathname));
    const route = candidates.find((r) => r.method === req.method);
    if (!route && req.method === 'OPTIONS' && candidates.length > 0)
      return sendResult(res, await localPreflight(req.headers));
    if (!route) {
      const status = candidates.length > 0 ? 405 : 404;
      return send(
        res,
        status,
        { 'content-type': 'application/json' },
        jsonError(status === 405 ? 'METHOD_NOT_ALLOWED' : 'NOT_FOUND', `${req.method} ${url.pathname} is not a route`),
      );
    }
    let body: string | null;
    try {
      body = await readBody(req);
    } catch {
      return send(
        res,
        413,
        { 'content-type': 'application/json' },
        jsonError('PAYLOAD_TOO_LARGE', 'Body is too large'),
      );
    }
    // API Gateway's Cognito authorizer, locally: `cognito` routes need a valid token; others get its claims.
    const { claims, refusal } = await authorizeLocally(req.headers, route.auth);
    if (refusal) return sendResult(res, refusal);
    if (route.streaming) {
      return serveStream(
        route,
        toEvent(req, url, route, url.pathname.match(route.pattern)!, body, claims),
        res,
        closing.signal,
      );
    }
    try {
      const handler = await route.load();
      const result = await handler(
        toEvent(req, url, route, url.pathname.match(route.pattern)!, body, claims),
        lambdaContextFor(route.functionId, 29_000),
      );
      const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)]));
      send(
        res,
        result.statusCode,
        headers,
        result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString() : result.body,
      );
    } catch (error) {
      process.stderr.write(`local api: ${route.functionId} failed: ${(error as Error).stack}\n`);
      send(res, 500, { 'content-type': 'application/json' }, jsonError('INTERNAL', 'Something went wrong on our side'));
    }
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        closing.abort();
        server.close(() => resolve());
      }),
  };
}
