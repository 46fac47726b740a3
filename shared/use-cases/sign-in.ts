import { type Principal, principalFromClaims } from '../auth/principal.ts';
import type { TokenVerifier } from '../auth/tokens.ts';
import { UnauthorizedError } from '../errors.ts';

export interface SignInDeps {
  auth: TokenVerifier;
  clock: { now(): Date };
}

/**
 * Someone signs in with a token (the web pages keep it in a session cookie).
 * 1. the token must verify (signature, issuer, audience, expiry) and name a subject
 * 2. the session lasts exactly as long as the token
 */
export async function signIn(
  deps: SignInDeps,
  token: string,
): Promise<{ principal: Principal; expiresInSeconds: number }> {
  const claims = await deps.auth.verify(token);
  const principal = principalFromClaims(claims);
  if (!principal) throw new UnauthorizedError('The token names nobody');
  const expiresAt = typeof claims.exp === 'number' ? claims.exp * 1000 : deps.clock.now().getTime();
  return { principal, expiresInSeconds: Math.floor((expiresAt - deps.clock.now().getTime()) / 1000) };
}
