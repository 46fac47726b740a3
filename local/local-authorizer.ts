import type { IncomingHttpHeaders } from 'node:http';
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { RouteAuth } from '../infra/function-catalog.ts';
import { authorizerClaims, tokenOf } from '../shared/auth/session.ts';
import { UnauthorizedError } from '../shared/errors.ts';
import { getContainer } from '../shared/runtime/current-container.ts';
import { errorResult, preflightResult } from '../shared/runtime/http-handler.ts';

const flat = (headers: IncomingHttpHeaders): Record<string, string> =>
  Object.fromEntries(
    Object.entries(headers).map(([key, value]) => [key, Array.isArray(value) ? value.join(',') : (value ?? '')]),
  );

/**
 * What API Gateway's Cognito authorizer does on AWS, for the tokens `sergas user create` issues: verifies
 * the bearer header or session cookie and hands the function the claims (as strings, like API Gateway).
 * A `cognito` route without a valid token is refused before its function runs; any other route gets the
 * claims when the token is valid and runs anonymously otherwise.
 */
export async function authorizeLocally(
  headers: IncomingHttpHeaders,
  auth: RouteAuth,
): Promise<{ claims: Record<string, string> | null; refusal: APIGatewayProxyResult | null }> {
  const found = tokenOf(flat(headers));
  if (found) {
    try {
      const claims = await (await getContainer()).auth.verify(found.token);
      return { claims: authorizerClaims(claims), refusal: null };
    } catch (error) {
      if (auth === 'cognito') return { claims: null, refusal: errorResult(error) };
      return { claims: null, refusal: null };
    }
  }
  if (auth === 'cognito') return { claims: null, refusal: errorResult(new UnauthorizedError()) };
  return { claims: null, refusal: null };
}

/** A CORS preflight, answered from the same configuration the functions use (API Gateway does it on AWS). */
export async function localPreflight(headers: IncomingHttpHeaders): Promise<APIGatewayProxyResult> {
  return preflightResult(flat(headers), (await getContainer()).config);
}
