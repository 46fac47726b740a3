import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../shared/config/config.ts';
import { UnauthorizedError } from '../../../shared/errors.ts';
import type { Container } from '../../../shared/runtime/container.ts';
import { useContainer } from '../../../shared/runtime/current-container.ts';
import { type ApprovalPageModel, approvalPage, decisionResultPage } from '../../../web/approval-page.ts';
import { basePathOf } from '../../../web/base-path.ts';
import { AUTH_CLIENT } from '../../../web/client-helpers.ts';
import { DASHBOARD_SCRIPT, dashboardPage } from '../../../web/dashboard-page.ts';
import { BRIEF_SCRIPT, ownerBriefPage } from '../../../web/owner-brief-page.ts';
import type { PageAuth } from '../../../web/page-auth.ts';
import { RUN_SCRIPT, runTimelinePage } from '../../../web/run-page.ts';
import { signInPage } from '../../../web/sign-in-page.ts';
import { FakeDocument, type FakeElement, staticIdsOf } from './fake-dom.ts';
import { expectAccessibleShell } from './page-checks.ts';

/**
 * Deployed without a custom domain, the site lives under API Gateway's stage (`/prod/…`) while the
 * functions see paths without it; locally and behind a custom domain it lives at the root. Every URL a
 * page hands the browser must carry the prefix, and none may when there is none.
 */

const COGNITO: PageAuth = {
  auth: 'cognito',
  region: 'eu-west-1',
  userPoolClientId: 'client-1',
  endpoint: 'https://cognito-idp.eu-west-1.amazonaws.com/',
};

const ENTITIES: Record<string, string> = { '&quot;': '"', '&lt;': '<', '&gt;': '>', '&#39;': "'", '&amp;': '&' };
const unescapeHtml = (text: string) =>
  text.replace(/&(?:quot|lt|gt|#39|amp);/g, (entity) => ENTITIES[entity] ?? entity);

/** The page's static elements, with `<meta name="sergas-config">` carrying the content the server wrote. */
function documentOf(html: string): FakeDocument {
  const doc = new FakeDocument(staticIdsOf(html));
  const content = html.match(/<meta name="sergas-config" id="sergas-config" content="([^"]*)">/)?.[1];
  if (content !== undefined) doc.element('sergas-config').setAttribute('content', unescapeHtml(content));
  return doc;
}

/** Where the page's links lead (its `<a>` elements'; the icon's is checked on its own). */
const hrefsOf = (html: string) =>
  [...html.matchAll(/<a\b[^>]*\shref="([^"]*)"/g)].map((m) => unescapeHtml(m[1] as string));
const actionsOf = (html: string) => [...html.matchAll(/\saction="([^"]*)"/g)].map((m) => unescapeHtml(m[1] as string));
const linksIn = (element: FakeElement) =>
  element
    .descendants()
    .filter((e) => e.tagName === 'A')
    .map((a) => a.getAttribute('href'));

/** Runs a page's script against a fake fetch answering `routes` (401 for anything else). */
async function runScript(html: string, script: string, pathname: string, routes: Record<string, unknown>) {
  const doc = documentOf(html);
  const calls: string[] = [];
  const fetch = (url: string) => {
    calls.push(url);
    const body = routes[url];
    return Promise.resolve({
      ok: body !== undefined,
      status: body === undefined ? 401 : 200,
      headers: new Headers(),
      json: () => Promise.resolve(body ?? null),
    });
  };
  const history = { replaceState: () => undefined };
  new Function('document', 'fetch', 'location', 'history', script)(
    doc,
    fetch,
    { pathname, search: '', hash: '' },
    history,
  );
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
  return { doc, calls };
}

describe('the base path the site is served under', () => {
  it.each([
    [null, ''],
    ['http://127.0.0.1:4280', ''],
    ['https://sergas.example.com/', ''],
    ['https://abc123.execute-api.eu-west-1.amazonaws.com/prod', '/prod'],
    ['https://abc123.execute-api.eu-west-1.amazonaws.com/prod/', '/prod'],
    ['https://example.com/team/sergas//', '/team/sergas'],
    // A browser would read `//evil.example/…` as another host.
    ['https://example.com//evil.example/', '/evil.example'],
  ])('of %s is %j', (publicUrl, basePath) => {
    expect(basePathOf(publicUrl)).toBe(basePath);
  });
});

describe.each([
  ['at the root', ''],
  ['under /prod', '/prod'],
])('pages %s', (_where, base) => {
  it('link the brand and breadcrumbs to the dashboard and tell their scripts the base path', () => {
    for (const html of [
      dashboardPage(undefined, base),
      runTimelinePage(undefined, base),
      ownerBriefPage(undefined, base),
    ]) {
      expectAccessibleShell(html);
      const hrefs = hrefsOf(html).filter((href) => !href.startsWith('#'));
      expect(hrefs.length).toBeGreaterThan(0);
      for (const href of hrefs) expect(href).toBe(`${base}/`);
      expect(html).toContain(`&quot;basePath&quot;:&quot;${base}&quot;`);
      // Browsers ask for an icon on their own: inside the site, never at the host's root.
      expect(html).toContain(`<link rel="icon" href="${base}/favicon.ico">`);
    }
    expect(decisionResultPage({ outcome: 'not_found', message: 'x', approvalId: '' }, base)).toContain(
      `<link rel="icon" href="${base}/favicon.ico">`,
    );
  });

  it('dashboard: reads the API and links runs, briefs and approvals under the base path', async () => {
    const account = {
      id: 'a1',
      name: 'Acme',
      owner: { id: 'u 1', name: 'Jane' },
      risk_level: 'high',
      health: { score: 40, band: 'at_risk' },
      priority_score: 50,
      needs_review: false,
      signals: [],
      recommendations: [
        {
          id: 'r1',
          type: 'x',
          priority: 'high',
          confidence: 0.5,
          action: 'Call',
          status: 'pending',
          approval_id: 'ap 1',
        },
      ],
      run: { id: 'run 1', status: 'AWAITING_APPROVAL' },
    };
    const approval = {
      id: 'ap 1',
      url: '/approvals/ap%201',
      recommendation: { id: 'r1', type: 'x', priority: 'high', action: 'Call', confidence: 0.5 },
      account: { id: 'a1', name: 'Acme' },
      owner: { id: 'u 1', name: 'Jane' },
      created_at: '2025-03-01T09:00:00Z',
      expires_at: '2025-03-08T09:00:00Z',
    };
    const html = dashboardPage(undefined, base);
    const { doc, calls } = await runScript(html, DASHBOARD_SCRIPT, `${base}/`, {
      [`${base}/api/v1/accounts?limit=100`]: { accounts: [account], summary: { by_risk: {}, accounts: 1 } },
      [`${base}/api/v1/approvals?limit=100`]: { approvals: [approval] },
    });
    expect(calls).toEqual([`${base}/api/v1/accounts?limit=100`, `${base}/api/v1/approvals?limit=100`]);
    expect(linksIn(doc.element('account-list'))).toEqual([
      `${base}/approvals/ap%201`,
      `${base}/runs/run%201`,
      `${base}/owners/u%201/brief`,
    ]);
    expect(linksIn(doc.element('approval-list'))).toEqual([`${base}/approvals/ap%201`]);
  });

  it('dashboard: offers to sign in under the base path, coming back to the dashboard', async () => {
    const { doc, calls } = await runScript(dashboardPage(undefined, base), DASHBOARD_SCRIPT, `${base}/`, {});
    expect(calls).toEqual([`${base}/api/v1/accounts?limit=100`, `${base}/api/v1/approvals?limit=100`]);
    expect(linksIn(doc.element('accounts-state'))).toEqual([`${base}/sign-in?next=%2F`]);
  });

  it('run page: finds the run id after the base path and reads the run and its event stream under it', async () => {
    const run = { id: 'run 1', status: 'RUNNING', started_at: '2025-03-01T09:00:00Z', timings: [], history: [] };
    const { calls } = await runScript(runTimelinePage(undefined, base), RUN_SCRIPT, `${base}/runs/run%201`, {
      [`${base}/api/v1/runs/run%201`]: run,
    });
    expect(calls).toEqual([`${base}/api/v1/runs/run%201`, `${base}/api/v1/runs/run%201/events`]);
  });

  it('run page: links an approval the stream announces under the base path', async () => {
    const html = runTimelinePage(undefined, base);
    const doc = documentOf(html);
    const stream = `id: 1\nevent: CUSTOM\ndata: {"type":"CUSTOM","name":"approval_required","value":{"approvalId":"ap 1"}}\n\nid: 2\nevent: RUN_FINISHED\ndata: {"type":"RUN_FINISHED"}\n\n`;
    const fetch = (url: string) =>
      Promise.resolve(
        url.endsWith('/events')
          ? new Response(stream, { headers: { 'content-type': 'text/event-stream' } })
          : new Response(JSON.stringify({ id: 'r', status: 'RUNNING', timings: [], history: [] })),
      );
    new Function('document', 'fetch', 'location', RUN_SCRIPT)(doc, fetch, { pathname: `${base}/runs/r` });
    await expect.poll(() => (doc.element('event-list').children as FakeElement[]).length, { timeout: 2000 }).toBe(2);
    expect(linksIn(doc.element('event-list'))).toEqual([`${base}/approvals/ap%201`]);
  });

  it('run page: offers to sign in under the base path, coming back to this run', async () => {
    const { doc } = await runScript(runTimelinePage(undefined, base), RUN_SCRIPT, `${base}/runs/r%201`, {});
    expect(linksIn(doc.element('run-state'))).toEqual([`${base}/sign-in?next=%2Fruns%2Fr%25201`]);
  });

  it('owner brief: reads the brief and links approvals under the base path', async () => {
    const brief = {
      owner: { id: 'u1', name: 'Jane' },
      accounts: [],
      pending_approvals: [{ id: 'ap 1', account: { name: 'Acme' }, action: 'Call' }],
    };
    const { doc, calls } = await runScript(ownerBriefPage(undefined, base), BRIEF_SCRIPT, `${base}/owners/u1/brief`, {
      [`${base}/api/v1/owners/u1/brief`]: brief,
    });
    expect(calls).toEqual([`${base}/api/v1/owners/u1/brief`]);
    expect(linksIn(doc.element('brief-approval-list'))).toEqual([`${base}/approvals/ap%201`]);
  });

  it('sign-in page: posts to /sign-in under the base path and keeps `next` a path on the site', () => {
    const local = signInPage({ next: '/runs/r1', signedInAs: 'Lee', basePath: base });
    expectAccessibleShell(local);
    expect(actionsOf(local)).toEqual([`${base}/sign-in`, `${base}/sign-in`]);
    expect(local).toContain('<input type="hidden" name="next" value="/runs/r1">');
    expect(hrefsOf(local).filter((href) => !href.startsWith('#'))).toEqual([`${base}/`]);

    const cognito = signInPage({ next: '/runs/r1', signedInAs: null, auth: COGNITO, basePath: base });
    expect(cognito).toContain('data-next="/runs/r1"');
    expect(hrefsOf(cognito)).toContain(`${base}/runs/r1`);
    expect(actionsOf(cognito)).toEqual([]);
  });

  it('approval page: decides, signs in and goes back under the base path', () => {
    const pending = approvalPage(anApproval(), undefined, base);
    expect(actionsOf(pending)).toEqual([`${base}/approvals/ap%201`]);
    expect(hrefsOf(pending).filter((href) => !href.startsWith('#'))).toEqual([`${base}/`, `${base}/`]);
    expect(hrefsOf(approvalPage(anApproval(null), undefined, base))).toContain(
      `${base}/sign-in?next=%2Fapprovals%2Fap%25201`,
    );
    const result = decisionResultPage(
      { outcome: 'unauthorized', message: 'Sign in', approvalId: 'ap 1', runId: 'run 1' },
      base,
    );
    expect(hrefsOf(result).filter((href) => !href.startsWith('#'))).toEqual([
      `${base}/`,
      `${base}/sign-in?next=%2Fapprovals%2Fap%25201`,
      `${base}/`,
      `${base}/runs/run%201`,
      `${base}/approvals/ap%201`,
    ]);
  });
});

describe('the pages’ scripts', () => {
  const helpers = (config: unknown, pathname: string) =>
    new Function('document', 'location', `${AUTH_CLIENT}; return { siteUrl: siteUrl, sitePathname: sitePathname };`)(
      { getElementById: () => ({ getAttribute: () => JSON.stringify(config) }) },
      { pathname },
    ) as {
      siteUrl(path: string): string;
      sitePathname(): string;
    };

  it('put the base path in front of every URL and take it off the page’s own path', () => {
    const prod = helpers({ auth: 'local', basePath: '/prod' }, '/prod/runs/r1');
    expect(prod.siteUrl('/api/v1/runs/r1')).toBe('/prod/api/v1/runs/r1');
    expect(prod.sitePathname()).toBe('/runs/r1');
    expect(helpers({ auth: 'local', basePath: '/prod' }, '/prod').sitePathname()).toBe('/');
    // A path that merely starts with the same letters is not under it.
    expect(helpers({ auth: 'local', basePath: '/prod' }, '/production/x').sitePathname()).toBe('/production/x');
    const root = helpers({ auth: 'local', basePath: '' }, '/runs/r1');
    expect(root.siteUrl('/api/v1/runs/r1')).toBe('/api/v1/runs/r1');
    expect(root.sitePathname()).toBe('/runs/r1');
  });

  it.each(['//evil.example', '/prod/', 'prod', '/a?b', '/a#b', 'javascript:alert(1)', 42])(
    'ignore a base path that could leave the site or the path: %j',
    (basePath) => {
      expect(helpers({ auth: 'local', basePath }, '/x').siteUrl('/api/v1/accounts')).toBe('/api/v1/accounts');
    },
  );
});

function anApproval(viewer: ApprovalPageModel['viewer'] = { name: 'Lee', mayDecide: true }): ApprovalPageModel {
  return {
    approval: {
      id: 'ap 1',
      status: 'pending',
      expiresAt: '2025-03-08T09:00:00Z',
      decidedBy: null,
      decidedAt: null,
      reason: null,
    },
    recommendation: {
      id: 'rec_1',
      type: 're_engagement',
      priority: 'high',
      confidence: 0.7,
      action: 'Call the champion',
      rationale: 'Silence',
      evidence: [{ module: 'Calls', id: 'c1', field: 'Call_Start_Time', value: '2025-01-15' }],
      draft: null,
      compliance: null,
    },
    account: { id: 'acc_1', name: 'Acme', ownerId: 'usr_1', ownerName: 'Jane' },
    payload: { module: 'Tasks', record: { Subject: 'Call' } },
    payloadHash: 'ab12',
    runId: 'run 1',
    viewer,
  };
}

describe('the page functions under API Gateway’s stage', () => {
  const home = mkdtempSync(join(tmpdir(), 'sergas-base-path-'));
  const EXPIRES = Math.floor(Date.now() / 1000) + 3600;
  const context = { functionName: 'sergas-test-pages', awsRequestId: 'request-1' } as Context;

  function serve(env: Record<string, string>) {
    const config = loadConfig({ SERGAS_HOME: home, ...env });
    useContainer({
      config,
      clock: { now: () => new Date() },
      cache: { increment: async () => 1 },
      auth: {
        verify: async (token: string) => {
          if (token !== 'good') throw new UnauthorizedError('That token is not valid');
          return { sub: 'u1', email: 'lee@example.com', name: 'Lee', exp: EXPIRES };
        },
      },
    } as unknown as Container);
  }

  const event = (method: string, path: string, body: Record<string, string> | null = null) =>
    ({
      httpMethod: method,
      path,
      resource: path,
      headers: {
        host: 'abc123.execute-api.eu-west-1.amazonaws.com',
        'content-type': 'application/x-www-form-urlencoded',
      },
      queryStringParameters: null,
      pathParameters: null,
      body: body ? new URLSearchParams(body).toString() : null,
      isBase64Encoded: false,
      requestContext: { path: `/prod${path}`, stage: 'prod' },
    }) as unknown as APIGatewayProxyEvent;

  const call = async (entry: string, e: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const module = (await import(`../../../functions/api/${entry}.ts`)) as {
      handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
    };
    return module.handler(e, context);
  };

  const PROD = { SERGAS_PUBLIC_URL: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod' };
  const COGNITO_ENV = { COGNITO_USER_POOL_ID: 'eu-west-1_AbC123', COGNITO_CLIENT_ID: 'client-1' };

  beforeEach(() => serve(PROD));

  it.each([
    ['under /prod', PROD, '/prod'],
    ['at the root', {}, ''],
  ])('POST /sign-in %s redirects to `next` and scopes the cookie to the site', async (_where, env, base) => {
    serve(env);
    const signedIn = await call(
      'sign-in',
      event('POST', '/sign-in', { action: 'sign_in', token: 'good', next: '/runs/r1' }),
    );
    expect(signedIn.statusCode).toBe(303);
    expect(signedIn.headers?.location).toBe(`${base}/runs/r1`);
    expect(String(signedIn.headers?.['set-cookie'])).toMatch(
      new RegExp(`^sergas_session=good; Path=${base}/; Max-Age=\\d+; HttpOnly; SameSite=Strict`),
    );
    const home = await call('sign-in', event('POST', '/sign-in', { action: 'sign_in', token: 'good' }));
    expect(home.headers?.location).toBe(`${base}/`);
    const signedOut = await call('sign-in', event('POST', '/sign-in', { action: 'sign_out' }));
    expect(signedOut.headers?.location).toBe(`${base}/sign-in`);
    expect(String(signedOut.headers?.['set-cookie'])).toContain(`; Path=${base}/; Max-Age=0;`);
  });

  it('answers a failed POST /sign-in with the sign-in page this deployment uses, under /prod', async () => {
    const local = await call('sign-in', event('POST', '/sign-in', { action: 'sign_in', token: 'forged' }));
    expect(local.statusCode).toBe(401);
    expect(local.body).toContain('That token is not valid');
    expect(actionsOf(local.body)).toEqual(['/prod/sign-in']);

    serve({ ...PROD, ...COGNITO_ENV });
    const cognito = await call('sign-in', event('POST', '/sign-in', { action: 'sign_in', token: 'forged' }));
    expect(cognito.statusCode).toBe(401);
    expect(cognito.body).not.toContain('name="token"');
    expect(cognito.body).toContain('id="email"');
    expect(cognito.body).toMatch(/id="sign-in-error" data-testid="sign-in-error"><p>That token is not valid<\/p>/);
    expect(cognito.headers?.['content-security-policy']).toContain(
      "connect-src 'self' https://cognito-idp.eu-west-1.amazonaws.com",
    );
  });

  it('serves the dashboard and the sign-in page with the base path in their links and configuration', async () => {
    const dashboard = await call('dashboard', event('GET', '/'));
    expect(dashboard.statusCode).toBe(200);
    expect(dashboard.body).toContain('<a class="brand" href="/prod/">');
    expect(dashboard.body).toContain('&quot;basePath&quot;:&quot;/prod&quot;');
    const signIn = await call('sign-in-page', {
      ...event('GET', '/sign-in'),
      queryStringParameters: { next: '/approvals/ap1' },
    });
    expect(signIn.statusCode).toBe(200);
    expect(actionsOf(signIn.body)).toEqual(['/prod/sign-in']);
    expect(signIn.body).toContain('name="next" value="/approvals/ap1"');
  });
});
