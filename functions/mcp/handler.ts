import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { createMcpServer } from '../../shared/mcp/server.ts';
import { httpHandler } from '../../shared/runtime/http-handler.ts';

/** The API Gateway proxy event as a web Request (the transport speaks Request/Response). */
function requestOf(event: APIGatewayProxyEvent): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers.set(name, value);
  const body = event.body
    ? event.isBase64Encoded
      ? Buffer.from(event.body, 'base64').toString('utf8')
      : event.body
    : null;
  return new Request(`https://${headers.get('host') ?? 'localhost'}${event.path}`, {
    method: event.httpMethod,
    headers,
    ...(body !== null && event.httpMethod !== 'GET' ? { body } : {}),
  });
}

/**
 * `POST /mcp`: the MCP server over Streamable HTTP, stateless (a new server and transport per request, JSON
 * responses, no session), as the signed-in person: the same use cases and access rules as the API.
 */
export const handler = httpHandler(
  async (event, deps, request) => {
    const principal = request.requirePrincipal();
    const server = createMcpServer({ deps, principal, scope: request.scope });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    try {
      await server.connect(transport);
      const response = await transport.handleRequest(requestOf(event));
      const body = await response.text();
      return {
        statusCode: response.status,
        headers: { ...Object.fromEntries(response.headers), 'cache-control': 'no-store' },
        body,
      };
    } finally {
      await server.close().catch(() => undefined);
    }
  },
  { auth: 'required' },
);
