import { describe, expect, it } from 'vitest';
import { AUTH_CLIENT } from '../../../web/client-helpers.ts';
import type { PageAuth } from '../../../web/page-auth.ts';

const ENDPOINT = 'https://cognito-idp.eu-west-1.amazonaws.com/';
const COGNITO: PageAuth = { auth: 'cognito', region: 'eu-west-1', userPoolClientId: 'client-1', endpoint: ENDPOINT };

/** An unsigned JWT with these claims: the client only reads `exp` and the name, the API checks signatures. */
const jwt = (claims: Record<string, unknown>) => `h.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.s`;
const inSeconds = (seconds: number) => Math.floor(Date.now() / 1000) + seconds;

interface Call {
  url: string;
  init: { credentials?: string; headers?: Record<string, string>; body?: string };
}

type Answer = { status: number; body: unknown };

function page(auth: PageAuth | null, cognitoAnswers: Answer[] = [], apiStatuses: number[] = []) {
  const store = new Map<string, string>();
  const sessionStorage = {
    getItem: (key: string) => store.get(key) ?? null,
    setItem: (key: string, value: string) => store.set(key, value),
    removeItem: (key: string) => store.delete(key),
  };
  const document = {
    getElementById: (id: string) =>
      id === 'sergas-config' && auth ? { getAttribute: () => JSON.stringify(auth) } : null,
  };
  const calls: Call[] = [];
  const fetch = (url: string, init: Call['init']) => {
    calls.push({ url, init });
    const answer =
      url === ENDPOINT
        ? (cognitoAnswers.shift() ?? { status: 500, body: {} })
        : { status: apiStatuses.shift() ?? 200, body: {} };
    return Promise.resolve(new Response(JSON.stringify(answer.body), { status: answer.status }));
  };
  const api = new Function(
    'document',
    'fetch',
    'sessionStorage',
    `${AUTH_CLIENT}; return { apiFetch: apiFetch, saveSession: saveSession, loadSession: loadSession, signOut: signOut, signedInName: signedInName };`,
  )(document, fetch, sessionStorage) as {
    apiFetch(url: string, init?: { headers?: Record<string, string> }): Promise<Response>;
    saveSession(result: Record<string, unknown>, previous: unknown): unknown;
    loadSession(): { idToken: string; refreshToken: string | null; expiresAt: number; name: string } | null;
    signOut(): Promise<void>;
    signedInName(): string;
  };
  return { api, calls, store };
}

const cognitoCalls = (calls: Call[]) =>
  calls
    .filter((c) => c.url === ENDPOINT)
    .map((c) => ({ target: c.init.headers?.['x-amz-target'], body: JSON.parse(c.init.body ?? '{}') }));

describe('the pages’ API client', () => {
  it('sends the session cookie and no Authorization header with local sign-in', async () => {
    for (const auth of [null, { auth: 'local' } as PageAuth]) {
      const { api, calls } = page(auth);
      await api.apiFetch('/api/v1/accounts', { headers: { accept: 'application/json' } });
      expect(calls).toEqual([
        { url: '/api/v1/accounts', init: { headers: { accept: 'application/json' }, credentials: 'same-origin' } },
      ]);
    }
  });

  it('sends the ID token as a bearer header and no cookie with Cognito', async () => {
    const { api, calls } = page(COGNITO);
    const idToken = jwt({ exp: inSeconds(3600), email: 'lee@example.com' });
    api.saveSession({ IdToken: idToken, RefreshToken: 'refresh-1' }, null);
    await api.apiFetch('/api/v1/accounts', { headers: { accept: 'application/json' } });
    expect(calls).toEqual([
      {
        url: '/api/v1/accounts',
        init: { credentials: 'omit', headers: { accept: 'application/json', authorization: `Bearer ${idToken}` } },
      },
    ]);
    expect(api.signedInName()).toBe('lee@example.com');
  });

  it('refreshes an ID token with under five minutes left once, for concurrent requests, and keeps the refresh token', async () => {
    const fresh = jwt({ exp: inSeconds(3600), name: 'Lee' });
    const { api, calls } = page(COGNITO, [
      { status: 200, body: { AuthenticationResult: { IdToken: fresh, ExpiresIn: 3600, TokenType: 'Bearer' } } },
    ]);
    api.saveSession({ IdToken: jwt({ exp: inSeconds(120) }), RefreshToken: 'refresh-1' }, null);
    await Promise.all([api.apiFetch('/api/v1/accounts'), api.apiFetch('/api/v1/approvals')]);
    expect(cognitoCalls(calls)).toEqual([
      {
        target: 'AWSCognitoIdentityProviderService.InitiateAuth',
        body: { AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: 'client-1', AuthParameters: { REFRESH_TOKEN: 'refresh-1' } },
      },
    ]);
    expect(calls.find((c) => c.url === ENDPOINT)?.init.headers?.['content-type']).toBe('application/x-amz-json-1.1');
    const apiCalls = calls.filter((c) => c.url !== ENDPOINT);
    expect(apiCalls.map((c) => c.init.headers?.authorization)).toEqual([`Bearer ${fresh}`, `Bearer ${fresh}`]);
    expect(api.loadSession()).toMatchObject({ idToken: fresh, refreshToken: 'refresh-1', name: 'Lee' });
  });

  it('refreshes and retries once when the API answers 401', async () => {
    const stale = jwt({ exp: inSeconds(3600) });
    const fresh = jwt({ exp: inSeconds(3600), sub: 'again' });
    const { api, calls } = page(
      COGNITO,
      [{ status: 200, body: { AuthenticationResult: { IdToken: fresh } } }],
      [401, 200],
    );
    api.saveSession({ IdToken: stale, RefreshToken: 'refresh-1' }, null);
    expect((await api.apiFetch('/api/v1/runs/r1')).status).toBe(200);
    expect(calls.filter((c) => c.url !== ENDPOINT).map((c) => c.init.headers?.authorization)).toEqual([
      `Bearer ${stale}`,
      `Bearer ${fresh}`,
    ]);
  });

  it('forgets a session whose refresh token Cognito refuses, and then sends no token', async () => {
    const { api, calls } = page(COGNITO, [
      { status: 400, body: { __type: 'NotAuthorizedException', message: 'Refresh Token has been revoked' } },
    ]);
    api.saveSession({ IdToken: jwt({ exp: inSeconds(60) }), RefreshToken: 'revoked' }, null);
    await api.apiFetch('/api/v1/accounts');
    expect(api.loadSession()).toBeNull();
    expect(calls.at(-1)?.init.headers?.authorization).toBeUndefined();
  });

  it('signs out by forgetting the tokens and revoking the refresh token', async () => {
    const { api, calls, store } = page(COGNITO, [{ status: 200, body: {} }]);
    api.saveSession({ IdToken: jwt({ exp: inSeconds(3600) }), RefreshToken: 'refresh-1' }, null);
    await api.signOut();
    expect(store.size).toBe(0);
    expect(cognitoCalls(calls)).toEqual([
      { target: 'AWSCognitoIdentityProviderService.RevokeToken', body: { ClientId: 'client-1', Token: 'refresh-1' } },
    ]);
  });
});
