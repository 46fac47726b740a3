import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../../infra/function-catalog.ts';
import { AccountList, ApprovalList, RecommendationList, RunList } from '../../../shared/api/schemas.ts';
import { LocalTokens } from '../../../shared/auth/tokens.ts';
import { ACCOUNTS, ALL_ACCOUNTS, type ApiHarness, type Json, PEOPLE, startApiHarness } from './api-harness.ts';

const idsOf = (items: { id: string }[]) => items.map((item) => item.id).sort();

describe('the API signs people in and shows each only what is theirs', () => {
  let h: ApiHarness;
  let admin: string;
  let manager: string;
  let tom: string;
  let nina: string;

  beforeAll(async () => {
    h = await startApiHarness({ env: { SERGAS_CORS_ORIGINS: 'https://app.example.com' } });
    admin = await h.token('admin');
    manager = await h.token('manager', PEOPLE.rachel);
    tom = await h.token('rep', PEOPLE.tom);
    nina = await h.token('rep', PEOPLE.nina);
  });
  afterAll(async () => h?.close());

  const getJson = async (path: string, token: string | null, status = 200): Promise<Json> => {
    const response = await h.call(path, token);
    const body = (await response.json()) as Json;
    expect(response.status, JSON.stringify(body)).toBe(status);
    return body;
  };

  it('answers 401 in the error shape without a token, with a bad one and with an expired one', async () => {
    const expired = await h.token('admin', null, { at: new Date(Date.now() - 3_600_000), lifetimeSeconds: 60 });
    for (const token of [null, 'not-a-jwt', `${admin.slice(0, -4)}AAAA`, expired]) {
      const body = await getJson('/api/v1/accounts', token, 401);
      expect(body.error).toMatchObject({ code: 'UNAUTHORIZED' });
      expect(typeof body.error.message).toBe('string');
    }
    // A token signed with another home's secret is no token here.
    const foreign = await new LocalTokens(async () => new TextEncoder().encode('y'.repeat(48))).issue({
      userId: 'intruder',
      email: null,
      name: 'Intruder',
      role: 'admin',
      zohoUserId: null,
    });
    expect((await h.call('/api/v1/runs', foreign.token)).status).toBe(401);
  });

  it('has every cognito route’s function refuse a request that reached it without claims (no authorizer)', async () => {
    const routes = FUNCTIONS.filter((fn) => fn.route?.auth === 'cognito' && !fn.route.streaming);
    expect(routes.length).toBeGreaterThan(8);
    for (const fn of routes) {
      const module = (await import(`../../../${fn.entry}`)) as {
        handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
      };
      const result = await module.handler(
        {
          httpMethod: fn.route!.method,
          path: fn.route!.path,
          headers: {},
          queryStringParameters: null,
          pathParameters: { id: 'x' },
          body: null,
          isBase64Encoded: false,
          requestContext: { authorizer: null },
        } as unknown as APIGatewayProxyEvent,
        {} as Context,
      );
      expect(result.statusCode, fn.id).toBe(401);
    }
  });

  it('keeps the health probe and the OpenAPI document public', async () => {
    expect((await h.call('/api/v1/health')).status).toBe(200);
    expect((await h.call('/api/v1/openapi.json')).status).toBe(200);
  });

  it('lets an admin see every account, a manager their reports’, a rep only their own', async () => {
    const all = AccountList.parse(await getJson('/api/v1/accounts', admin));
    expect(idsOf(all.accounts)).toEqual([...ALL_ACCOUNTS].sort());
    const managed = AccountList.parse(await getJson('/api/v1/accounts', manager));
    expect(idsOf(managed.accounts)).toEqual([...ALL_ACCOUNTS].sort());
    const own = AccountList.parse(await getJson('/api/v1/accounts', tom));
    expect(idsOf(own.accounts)).toEqual([...ACCOUNTS.tom].sort());
    expect(own.summary.accounts).toBe(2);
    const other = AccountList.parse(await getJson(`/api/v1/accounts?owner=${PEOPLE.nina}`, tom));
    expect(other.accounts).toEqual([]);
  });

  it('filters every list to the rep’s accounts', async () => {
    const mine = new Set<string>(ACCOUNTS.tom);
    const recommendations = RecommendationList.parse(await getJson('/api/v1/recommendations?limit=100', tom));
    expect(recommendations.recommendations.length).toBeGreaterThan(0);
    expect(recommendations.recommendations.every((r) => mine.has(r.account.id))).toBe(true);
    const approvals = ApprovalList.parse(await getJson('/api/v1/approvals?limit=100', tom));
    expect(approvals.approvals.length).toBeGreaterThan(0);
    expect(approvals.approvals.every((a) => mine.has(a.account.id))).toBe(true);
    const runs = RunList.parse(await getJson('/api/v1/runs?limit=100', tom));
    expect(runs.runs.map((r) => r.account.id).sort()).toEqual([...ACCOUNTS.tom].sort());
    const everyone = ApprovalList.parse(await getJson('/api/v1/approvals?limit=100', admin));
    expect(everyone.approvals.length).toBeGreaterThan(approvals.approvals.length);
  });

  it('answers 404 for another owner’s account, recommendation, run and brief, as for ones that do not exist', async () => {
    const [ninas] = ACCOUNTS.nina;
    const runs = RunList.parse(await getJson(`/api/v1/runs?account=${ninas}`, admin));
    const recommendations = RecommendationList.parse(await getJson(`/api/v1/recommendations?account=${ninas}`, admin));
    const run = runs.runs[0]!;
    const recommendation = recommendations.recommendations[0]!;
    for (const path of [
      `/api/v1/accounts/${ninas}/status`,
      `/api/v1/runs/${run.id}`,
      `/api/v1/recommendations/${recommendation.id}`,
      `/api/v1/owners/${PEOPLE.nina}/brief`,
    ]) {
      expect((await getJson(path, tom, 404)).error.code, path).toBe('NOT_FOUND');
      await getJson(path, nina, 200);
      await getJson(path, manager, 200);
    }
    const analyze = await h.call(`/api/v1/accounts/${ninas}/analyze`, tom, { method: 'POST' });
    expect(analyze.status).toBe(404);
    const approve = await h.call(`/api/v1/recommendations/${recommendation.id}/approve`, tom, { method: 'POST' });
    expect(approve.status).toBe(404);
    expect((await getJson(`/api/v1/runs?account=${ninas}`, tom)).runs).toEqual([]);
  });

  it('gives a rep with no CRM user nothing, and an unknown role the least', async () => {
    const orphan = await h.token('rep', null);
    expect((await getJson('/api/v1/accounts', orphan)).accounts).toEqual([]);
    expect((await getJson('/api/v1/approvals', orphan)).approvals).toEqual([]);
  });

  it('takes Cognito’s claims as API Gateway passes them (strings, groups in any of its spellings)', async () => {
    const { handler } = await import('../../../functions/api/list-accounts.ts');
    const context = {} as Parameters<typeof handler>[1];
    const event = (claims: Record<string, string> | null) =>
      ({
        httpMethod: 'GET',
        path: '/api/v1/accounts',
        headers: {},
        queryStringParameters: null,
        pathParameters: null,
        body: null,
        isBase64Encoded: false,
        requestContext: { authorizer: claims ? { claims } : null },
      }) as unknown as Parameters<typeof handler>[0];
    const rep = await handler(
      event({
        sub: 'cognito-sub-1',
        email: 'tom@example.com',
        'cognito:groups': 'rep',
        'custom:zoho_user_id': PEOPLE.tom,
      }),
      context,
    );
    expect(idsOf(JSON.parse(rep.body).accounts)).toEqual([...ACCOUNTS.tom].sort());
    const managerBracketed = await handler(
      event({ sub: 'cognito-sub-2', 'cognito:groups': '[manager rep]', 'custom:zoho_user_id': PEOPLE.rachel }),
      context,
    );
    expect(JSON.parse(managerBracketed.body).accounts).toHaveLength(ALL_ACCOUNTS.length);
    expect((await handler(event(null), context)).statusCode).toBe(401);
  });

  it('signs a browser in with a cookie the API takes like the header, and out again', async () => {
    const form = (fields: Record<string, string>) => ({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
    const page = await h.call('/sign-in?next=%2Fapprovals%2Fabc');
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/name="next" value="\/approvals\/abc"/);

    const signedIn = await h.call('/sign-in', null, form({ action: 'sign_in', token: tom, next: '/approvals/abc' }));
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe('/approvals/abc');
    const cookie = signedIn.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^sergas_session=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict$/);
    const session = cookie.split(';')[0]!;

    const listed = await h.call('/api/v1/accounts', null, { headers: { cookie: session } });
    expect(listed.status).toBe(200);
    expect(idsOf(((await listed.json()) as Json).accounts)).toEqual([...ACCOUNTS.tom].sort());
    expect(await (await h.call('/sign-in', null, { headers: { cookie: session } })).text()).toMatch(/Signed in as/);

    const refused = await h.call('/sign-in', null, form({ action: 'sign_in', token: 'forged' }));
    expect(refused.status).toBe(401);
    expect(refused.headers.get('set-cookie')).toBeNull();
    const elsewhere = await h.call('/sign-in', null, form({ action: 'sign_in', token: tom, next: '//evil.example' }));
    expect(elsewhere.status).toBe(400);
    const crossSite = await h.call('/sign-in', null, {
      ...form({ action: 'sign_in', token: tom }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
    });
    expect(crossSite.status).toBe(403);

    const signedOut = await h.call('/sign-in', null, form({ action: 'sign_out' }));
    expect(signedOut.status).toBe(303);
    expect(signedOut.headers.get('set-cookie')).toMatch(
      /^sergas_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict/,
    );
  });

  it('limits each person to 60 requests a minute, with Retry-After', async () => {
    const busy = await h.token('rep', PEOPLE.oscar);
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) statuses.push((await h.call('/api/v1/runs?limit=1', busy)).status);
    const limited = await h.call('/api/v1/runs?limit=1', busy);
    const retryAfter = Number(limited.headers.get('retry-after'));
    // A minute boundary between the calls starts a new window; then the 61st is simply the first of it.
    if (statuses.every((status) => status === 200) && limited.status === 429) {
      expect(((await limited.json()) as Json).error.code).toBe('RATE_LIMITED');
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
    } else {
      expect(statuses.filter((status) => status === 429).length + (limited.status === 429 ? 1 : 0)).toBeLessThanOrEqual(
        1,
      );
    }
    // Someone else is not affected.
    expect((await h.call('/api/v1/runs?limit=1', await h.token('rep', PEOPLE.oscar))).status).toBe(200);
  });

  it('names the bad parameter in a 400, refuses a body over 64 KB with 413', async () => {
    const cases: [string, RegExp][] = [
      ['/api/v1/accounts?risk=extreme', /risk/],
      ['/api/v1/accounts?health=great', /health/],
      ['/api/v1/accounts?limit=101', /limit/],
      ['/api/v1/accounts?limit=0', /limit/],
      ['/api/v1/recommendations?status=maybe', /status/],
      ['/api/v1/recommendations?type=lunch', /type/],
      ['/api/v1/approvals?status=stale', /status/],
      ['/api/v1/runs?status=RUNNING', /status/],
      ['/api/v1/runs?cursor=garbage', /cursor/],
      ['/api/v1/accounts?cursor=WzEsMl0', /cursor/],
      ['/api/v1/owners/x/brief?as_of=yesterday', /as_of/],
    ];
    for (const [path, field] of cases) {
      const body = await getJson(path, admin, 400);
      expect(body.error.code, path).toBe('VALIDATION_FAILED');
      expect(body.error.message, path).toMatch(field);
    }
    const big = await h.call(`/api/v1/accounts/${ACCOUNTS.tom[0]}/analyze`, admin, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ padding: 'x'.repeat(70 * 1024) }),
    });
    expect(big.status).toBe(413);
    expect(((await big.json()) as Json).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers CORS preflights and requests for the configured origin only', async () => {
    const preflight = await h.call('/api/v1/accounts', null, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    const refused = await h.call('/api/v1/accounts', null, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(refused.status).toBe(403);
    const allowed = await h.call('/api/v1/runs?limit=1', admin, { headers: { origin: 'https://app.example.com' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const denied401 = await h.call('/api/v1/runs', null, { headers: { origin: 'https://app.example.com' } });
    expect(denied401.status).toBe(401);
    const other = await h.call('/api/v1/runs?limit=1', admin, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('reports the database, the cache and each CRM tier on /health, and 503 when the database is down', async () => {
    const health = (await getJson('/api/v1/health', null)) as Json;
    expect(health).toMatchObject({
      status: 'ok',
      db: { status: 'ok' },
      cache: { status: 'ok' },
      crm: { status: 'ok' },
    });
    expect(health.crm.tiers.map((t: Json) => t.name)).toEqual(['mcp', 'rest', 'bulk-read']);
    const { handler } = await import('../../../functions/api/health.ts');
    const query = h.deps.db.query.bind(h.deps.db);
    h.deps.db.query = async () => {
      throw new Error('connection refused');
    };
    try {
      const down = await handler({ httpMethod: 'GET', headers: {}, requestContext: {} } as never, {} as never);
      expect(down.statusCode).toBe(503);
      expect(JSON.parse(down.body)).toMatchObject({ status: 'down', db: { status: 'unavailable' } });
    } finally {
      h.deps.db.query = query;
    }
  });
});
