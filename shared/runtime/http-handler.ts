import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { ZodError, type z } from 'zod';
import type { AccessScope } from '../auth/access-scope.ts';
import { type Claims, type Principal, principalFromClaims } from '../auth/principal.ts';
import { headerOf, tokenOf } from '../auth/session.ts';
import type { Config } from '../config/config.ts';
import {
  AppError,
  ForbiddenError,
  PayloadTooLargeError,
  RateLimitedError,
  UnauthorizedError,
  ValidationError,
} from '../errors.ts';
import { resolveAccessScope } from '../use-cases/access.ts';
import type { Container } from './container.ts';
import { getContainer } from './current-container.ts';
import { logger, publishMetrics, tracer } from './observability.ts';

export const MAX_BODY_BYTES = 64 * 1024;
const RATE_WINDOW_SECONDS = 60;

export const json = (statusCode: number, body: unknown): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

/**
 * An HTML page. `connectSrc`: origins besides our own the page's script may call (only Cognito's endpoint,
 * for pages that sign in or refresh tokens in the browser); everything else stays 'self'.
 */
export const html = (
  statusCode: number,
  body: string,
  options: { connectSrc?: readonly string[] } = {},
): APIGatewayProxyResult => ({
  statusCode,
  headers: {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': `default-src 'self'; script-src 'unsafe-inline' 'self'; style-src 'unsafe-inline' 'self'${
      options.connectSrc?.length ? `; connect-src 'self' ${options.connectSrc.join(' ')}` : ''
    }; frame-ancestors 'none'`,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  },
  body,
});

/** The CONTRACTS.md error shape; unexpected errors are logged and never leak their message. */
export function errorResult(error: unknown): APIGatewayProxyResult {
  if (error instanceof ZodError) {
    return json(400, {
      error: {
        code: 'VALIDATION_FAILED',
        message: error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
        details: error.issues,
      },
    });
  }
  if (error instanceof AppError && error.expose) {
    return json(error.status, { error: { code: error.code, message: error.message, details: error.details ?? null } });
  }
  logger.error('Unhandled error', error as Error);
  return json(500, { error: { code: 'INTERNAL', message: 'Something went wrong on our side', details: null } });
}

const rawBody = (event: APIGatewayProxyEvent): string =>
  event.body ? (event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body) : '';

/** Parses a JSON or form-encoded body with `schema`; bad input is a 4xx naming the field. */
export function parseBody<S extends z.ZodType>(event: APIGatewayProxyEvent, schema: S): z.output<S> {
  const raw = rawBody(event);
  if (Buffer.byteLength(raw) > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  const type = (headerOf(event.headers, 'content-type') ?? '').toLowerCase();
  let data: unknown = {};
  if (type.startsWith('application/x-www-form-urlencoded')) data = Object.fromEntries(new URLSearchParams(raw));
  else if (raw.trim()) {
    try {
      data = JSON.parse(raw);
    } catch {
      throw new ValidationError('body: not valid JSON');
    }
  }
  return schema.parse(data);
}

/** Parses the query string with `schema` (400 naming the parameter). */
export function parseQuery<S extends z.ZodType>(event: APIGatewayProxyEvent, schema: S): z.output<S> {
  return schema.parse(event.queryStringParameters ?? {});
}

export function pathParameter(event: APIGatewayProxyEvent, name: string): string {
  const value = event.pathParameters?.[name];
  if (!value) throw new ValidationError(`${name}: missing from the path`);
  return decodeURIComponent(value);
}

/** What a handler knows about the caller besides the event. */
export interface RequestContext {
  /** The signed-in person, or null. */
  principal: Principal | null;
  /** Where their token came from: API Gateway's authorizer (or the local one), the header, the cookie. */
  credential: 'authorizer' | 'header' | 'cookie' | null;
  /** The principal, or a 401. */
  requirePrincipal(): Principal;
  /** Whose accounts they may see (read once per request); nobody's for an anonymous caller. */
  scope(): Promise<AccessScope>;
}

export interface HttpHandlerOptions {
  /**
   * `required`: a 401 without a principal (every `cognito` route: API Gateway checks first on AWS, the
   * local API server locally, and the handler again). `optional`: anonymous callers are served too.
   */
  auth?: 'required' | 'optional';
  /** The answer to an error; `deps` is there unless the container itself failed (pages read the config). */
  onError?: (error: unknown, event: APIGatewayProxyEvent, deps: Container | undefined) => APIGatewayProxyResult;
}

type Handle = (event: APIGatewayProxyEvent, deps: Container, request: RequestContext) => Promise<APIGatewayProxyResult>;

/**
 * The principal: from the claims API Gateway's Cognito authorizer (or the local API server) verified, else
 * from a bearer header or session cookie this function verifies itself (routes without the authorizer:
 * the approval pages, sign-in). A bad token is a 401 where a principal is required, anonymous elsewhere.
 */
async function authenticate(
  event: APIGatewayProxyEvent,
  deps: Container,
  required: boolean,
): Promise<Pick<RequestContext, 'principal' | 'credential'>> {
  const found = tokenOf(event.headers);
  const claims = (event.requestContext?.authorizer as { claims?: Claims } | null | undefined)?.claims;
  // The local authorizer also accepts the session cookie: a cookie stays a cookie for the same-origin check.
  if (claims) {
    return { principal: principalFromClaims(claims), credential: found?.from === 'cookie' ? 'cookie' : 'authorizer' };
  }
  if (!found) return { principal: null, credential: null };
  try {
    return { principal: principalFromClaims(await deps.auth.verify(found.token)), credential: found.from };
  } catch (error) {
    if (required) throw error;
    return { principal: null, credential: null };
  }
}

/** A fixed one-minute window per principal, counted in the cache (Redis on AWS, shared by every function). */
async function enforceRateLimit(deps: Container, principal: Principal): Promise<void> {
  const now = deps.clock.now().getTime();
  const window = Math.floor(now / (RATE_WINDOW_SECONDS * 1000));
  let count: number;
  try {
    count = await deps.cache.increment(`ratelimit:${principal.userId}:${window}`, RATE_WINDOW_SECONDS + 5);
  } catch (error) {
    // A cache outage must not take the API down with it; API Gateway's throttling and the WAF still apply.
    logger.warn('rate limit not checked: the cache failed', { error: (error as Error).message });
    return;
  }
  const limit = deps.config.api.rateLimitPerMinute;
  if (count > limit) {
    const resetAt = (window + 1) * RATE_WINDOW_SECONDS * 1000;
    throw new RateLimitedError(limit, Math.max(1, Math.ceil((resetAt - now) / 1000)));
  }
}

const requestOrigin = (event: APIGatewayProxyEvent): string | null => {
  const host = headerOf(event.headers, 'host');
  return host ? `${headerOf(event.headers, 'x-forwarded-proto') ?? 'http'}://${host}` : null;
};

/**
 * A cookie rides along with any request the browser makes, so a state-changing request authenticated by
 * it must come from our own pages (SameSite=Strict already stops other sites; this also covers browsers
 * that ignore it). `Origin: null` is what a page with `no-referrer` sends for its own form posts.
 */
export function assertSameOrigin(event: APIGatewayProxyEvent, config: Config): void {
  const origin = headerOf(event.headers, 'origin');
  if (!origin || origin === 'null' || origin === requestOrigin(event) || config.api.corsOrigins.includes(origin)) {
    return;
  }
  throw new ForbiddenError(`A request from ${origin} may not use the session cookie`);
}

const CORS_METHODS = 'GET,POST,OPTIONS';
const CORS_HEADERS = 'authorization,content-type,last-event-id';

/** CORS response headers for an allowed origin (config SERGAS_CORS_ORIGINS, by default the public URL's). */
export function corsHeaders(
  headers: APIGatewayProxyEvent['headers'] | null | undefined,
  config: Config,
): Record<string, string> {
  const origin = headerOf(headers, 'origin');
  if (!origin || !config.api.corsOrigins.includes(origin)) return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-expose-headers': 'retry-after',
    vary: 'Origin',
  };
}

/** The answer to a CORS preflight (API Gateway answers it on AWS; the local API server asks this). */
export function preflightResult(
  headers: APIGatewayProxyEvent['headers'] | null | undefined,
  config: Config,
): APIGatewayProxyResult {
  const allowed = corsHeaders(headers, config);
  if (!allowed['access-control-allow-origin']) {
    return json(403, {
      error: { code: 'CORS_ORIGIN_REFUSED', message: 'This origin may not call the API', details: null },
    });
  }
  return {
    statusCode: 204,
    headers: {
      ...allowed,
      'access-control-allow-methods': CORS_METHODS,
      'access-control-allow-headers': CORS_HEADERS,
      'access-control-max-age': '600',
    },
    body: '',
  };
}

/**
 * An API Gateway proxy handler: authenticate, limit, parse, call one use case, map the result and errors.
 * Every answer, errors included, carries the CORS headers its origin is allowed.
 */
export function httpHandler(handle: Handle, options: HttpHandlerOptions | HttpHandlerOptions['onError'] = {}) {
  const { auth = 'optional', onError = errorResult } = typeof options === 'function' ? { onError: options } : options;
  return middy(async (event: APIGatewayProxyEvent, _context: Context) => {
    let deps: Container | undefined;
    let result: APIGatewayProxyResult;
    try {
      deps = await getContainer();
      if (Buffer.byteLength(rawBody(event)) > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
      const { principal, credential } = await authenticate(event, deps, auth === 'required');
      if (auth === 'required' && !principal) throw new UnauthorizedError();
      if (principal) await enforceRateLimit(deps, principal);
      if (credential === 'cookie' && event.httpMethod !== 'GET' && event.httpMethod !== 'HEAD') {
        assertSameOrigin(event, deps.config);
      }
      const container = deps;
      let scope: Promise<AccessScope> | undefined;
      result = await handle(event, deps, {
        principal,
        credential,
        requirePrincipal: () => {
          if (!principal) throw new UnauthorizedError();
          return principal;
        },
        scope: () => {
          scope ??= principal
            ? resolveAccessScope(container, principal)
            : Promise.resolve({ kind: 'owners', ownerIds: new Set<string>() });
          return scope;
        },
      });
    } catch (error) {
      result = onError(error, event, deps);
      if (error instanceof RateLimitedError) {
        result = { ...result, headers: { ...result.headers, 'retry-after': String(error.retryAfterSeconds) } };
      }
      if (error instanceof UnauthorizedError) {
        result = { ...result, headers: { ...result.headers, 'www-authenticate': 'Bearer' } };
      }
    }
    return deps ? { ...result, headers: { ...result.headers, ...corsHeaders(event.headers, deps.config) } } : result;
  })
    .use(captureLambdaHandler(tracer))
    .use(injectLambdaContext(logger))
    .use(publishMetrics());
}
