import type { APIGatewayProxyResult } from 'aws-lambda';
import { openApiDocument } from '../../shared/api/openapi.ts';

const body = JSON.stringify(openApiDocument());

/**
 * `GET /api/v1/openapi.json`: the OpenAPI 3.1 document, built from the handlers' zod schemas once per cold
 * start. It needs no container (no database, no session): it is the same public document for everyone.
 */
export const handler = async (): Promise<APIGatewayProxyResult> => ({
  statusCode: 200,
  headers: {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'public, max-age=300',
    'access-control-allow-origin': '*',
    'x-content-type-options': 'nosniff',
  },
  body,
});
