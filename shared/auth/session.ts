import type { Claims } from './principal.ts';

/**
 * How a browser carries its token: the sign-in page stores it in this cookie (HttpOnly, so page scripts
 * never read it; SameSite=Strict, so no other site's page or link sends it), and the API accepts it like
 * an `Authorization: Bearer` header.
 */
export const SESSION_COOKIE = 'sergas_session';

type Headers = Readonly<Record<string, string | undefined>> | null | undefined;

export function headerOf(headers: Headers, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

export function cookieOf(headers: Headers, name: string): string | undefined {
  for (const part of (headerOf(headers, 'cookie') ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return decodeURIComponent(part.slice(at + 1).trim());
  }
  return undefined;
}

/** The request's token and where it came from: the Authorization header wins over the cookie. */
export function tokenOf(headers: Headers): { token: string; from: 'header' | 'cookie' } | null {
  const authorization = headerOf(headers, 'authorization')?.trim();
  const bearer = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (bearer) return { token: bearer, from: 'header' };
  const cookie = cookieOf(headers, SESSION_COOKIE);
  return cookie ? { token: cookie, from: 'cookie' } : null;
}

/** `path`: where the site is served (`/prod/` under API Gateway's stage URL), so the cookie goes nowhere else. */
export function sessionCookie(
  token: string,
  options: { maxAgeSeconds: number; secure: boolean; path?: string },
): string {
  const maxAge = Math.max(0, Math.floor(options.maxAgeSeconds));
  return `${SESSION_COOKIE}=${encodeURIComponent(token)}; Path=${options.path ?? '/'}; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${options.secure ? '; Secure' : ''}`;
}

export function clearedSessionCookie(options: { secure: boolean; path?: string }): string {
  return `${SESSION_COOKIE}=; Path=${options.path ?? '/'}; Max-Age=0; HttpOnly; SameSite=Strict${options.secure ? '; Secure' : ''}`;
}

/** Claims as API Gateway's Cognito authorizer hands them to a function: every value a string. */
export function authorizerClaims(claims: Claims): Record<string, string> {
  return Object.fromEntries(
    Object.entries(claims).map(([key, value]) => [
      key,
      Array.isArray(value) ? value.join(',') : typeof value === 'string' ? value : JSON.stringify(value),
    ]),
  );
}
