import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { ZodError, type z } from 'zod';
import { AppError, ValidationError } from '../errors.ts';
import type { Container } from './container.ts';
import { getContainer } from './current-container.ts';
import { logger, tracer } from './observability.ts';

const MAX_BODY_BYTES = 64 * 1024;

export const json = (statusCode: number, body: unknown): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

export const html = (statusCode: number, body: string): APIGatewayProxyResult => ({
  statusCode,
  headers: {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy':
      "default-src 'self'; script-src 'unsafe-inline' 'self'; style-src 'unsafe-inline' 'self'; frame-ancestors 'none'",
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

/** Parses a JSON or form-encoded body with `schema`; bad input is a 4xx naming the field. */
export function parseBody<S extends z.ZodType>(event: APIGatewayProxyEvent, schema: S): z.output<S> {
  const raw = event.body
    ? event.isBase64Encoded
      ? Buffer.from(event.body, 'base64').toString('utf8')
      : event.body
    : '';
  if (Buffer.byteLength(raw) > MAX_BODY_BYTES) {
    throw new AppError('PAYLOAD_TOO_LARGE', `Body is larger than ${MAX_BODY_BYTES} bytes`, {
      expose: true,
      status: 413,
    });
  }
  const type = (event.headers?.['content-type'] ?? event.headers?.['Content-Type'] ?? '').toLowerCase();
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

export function pathParameter(event: APIGatewayProxyEvent, name: string): string {
  const value = event.pathParameters?.[name];
  if (!value) throw new ValidationError(`${name}: missing from the path`);
  return decodeURIComponent(value);
}

/** An API Gateway proxy handler: parse, call one use case, map the result and errors. */
export function httpHandler(
  handle: (event: APIGatewayProxyEvent, deps: Container) => Promise<APIGatewayProxyResult>,
  onError: (error: unknown, event: APIGatewayProxyEvent) => APIGatewayProxyResult = errorResult,
) {
  return middy(async (event: APIGatewayProxyEvent, _context: Context) => {
    try {
      return await handle(event, await getContainer());
    } catch (error) {
      return onError(error, event);
    }
  })
    .use(captureLambdaHandler(tracer))
    .use(injectLambdaContext(logger));
}
