import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { type Browser, type BrowserContext, chromium, type Page, type Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sergas, type sergasServer } from '../support/cli.ts';
import { FAKE_TOTP_CODE, type FakeCognito, startFakeCognito } from '../support/fake-cognito.ts';
import type { tempHome } from '../support/local-home.ts';
import { startStackWithAdmin } from '../support/running-stack.ts';

/** Debian's Chromium; the test drives it with playwright-core (no downloaded browsers). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname;
/**
 * For expect.poll on what a page shows: its default of 1 s is too short for a page's own fetch, a 250 ms
 * debounce and a render when Chromium, the stack and the tests share a busy 2-core machine.
 */
const PAGE_POLL = { timeout: 15_000 } as const;
const CLIENT_ID = 'sergas-dashboard-client';
const TEMPORARY_PASSWORD = 'Temporary-Pass-1';
const NEW_PASSWORD = 'Chosen-Passw0rd!';

interface PendingApproval {
  id: string;
  run_id: string;
}

interface SeenRequest {
  url: string;
  resourceType: string;
  headers: Record<string, string>;
}

/**
 * The deployed sign-in, end to end on the local stack: the pages are configured for Cognito
 * (SERGAS_SIGN_IN=cognito) and pointed at a fake Cognito endpoint (COGNITO_ENDPOINT) speaking the JSON
 * protocol, whose ID tokens the local authorizer accepts (signed with the stack's SERGAS_JWT_SECRET), just
 * as API Gateway's authorizer accepts Cognito's. Nothing here uses the session cookie.
 */
describe('a person signs in with Cognito and the pages call the API with the bearer token', () => {
  let cognito: FakeCognito;
  let home: Awaited<ReturnType<typeof tempHome>>;
  let server: ReturnType<typeof sergasServer>;
  let env: Record<string, string>;
  let base: string;
  /** The CLI-issued admin token, for the test's own look at the API. */
  let adminToken: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const seen: SeenRequest[] = [];

  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${adminToken}` } });
    expect(response.status, path).toBe(200);
    return (await response.json()) as T;
  };
  const apiRequests = (path: string) => seen.filter((r) => new URL(r.url).pathname === path);
  const cognitoCalls = () =>
    cognito.requests.map((r) => [r.target, (r.body.AuthFlow ?? r.body.ChallengeName ?? '') as string]);

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    const jwtSecret = randomBytes(32).toString('base64url');
    cognito = await startFakeCognito({
      clientId: CLIENT_ID,
      jwtSecret,
      // Two minutes: inside the pages' five-minute margin, so the first API call refreshes it.
      firstTokenSeconds: 120,
      // Like the deployed pool: no tokens without a TOTP authenticator.
      mfaRequired: true,
      users: [
        {
          email: 'lee@example.com',
          password: TEMPORARY_PASSWORD,
          temporaryPassword: true,
          claims: { userId: 'cognito-sub-lee', email: 'lee@example.com', name: 'Lee', role: 'admin', zohoUserId: null },
        },
      ],
    });
    ({
      home,
      env,
      server,
      base,
      token: adminToken,
    } = await startStackWithAdmin(12, {
      SERGAS_JWT_SECRET: jwtSecret,
      SERGAS_SIGN_IN: 'cognito',
      COGNITO_CLIENT_ID: CLIENT_ID,
      COGNITO_ENDPOINT: cognito.url,
      AWS_REGION: 'eu-west-1',
    }));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // A stale session cookie in the jar: had any page script sent credentials, these requests would carry it.
    await context.addCookies([{ name: 'sergas_session', value: 'stale-cookie', url: base }]);
    page = await context.newPage();
    page.on('request', (request: Request) => {
      const { pathname } = new URL(request.url());
      if (!pathname.startsWith('/api/v1/') && !pathname.startsWith('/approvals/')) return;
      void request.allHeaders().then((headers) => {
        seen.push({ url: request.url(), resourceType: request.resourceType(), headers });
      });
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    expect(await server?.stop()).toBe(0);
    await home?.remove();
    await cognito?.close();
  });

  it('sets a new password and an authenticator on first sign-in and lands on the dashboard, loaded with the bearer token', async () => {
    await page.goto(`${base}/sign-in?next=/`);
    expect(await page.getByLabel('Your token').count()).toBe(0);
    await page.getByLabel('E-mail').fill('lee@example.com');
    await page.getByLabel('Password', { exact: true }).fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect
      .poll(() => page.getByTestId('sign-in-error').textContent(), PAGE_POLL)
      .toBe('Incorrect username or password.');

    await page.getByLabel('Password', { exact: true }).fill(TEMPORARY_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.screenshot({ path: `${ARTIFACTS}cognito-new-password.png` });
    await page.getByLabel('New password again').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set password and sign in' }).click();
    await expect.poll(() => page.getByTestId('mfa-secret').textContent(), PAGE_POLL).toBe('JBSWY3DPEHPK3PXP');
    await page.getByLabel('Code from the app').fill('000000');
    await page.getByRole('button', { name: 'Turn on and sign in' }).click();
    await expect
      .poll(() => page.getByTestId('sign-in-error').textContent(), PAGE_POLL)
      .toBe('Invalid code received for user');
    await page.getByLabel('Code from the app').fill(FAKE_TOTP_CODE);
    await Promise.all([page.waitForURL(`${base}/`), page.getByRole('button', { name: 'Turn on and sign in' }).click()]);
    await page.locator('[data-testid="account-row"]').first().waitFor();
    expect(await page.locator('[data-testid="account-row"]').count()).toBe(12);
    const queue = page.getByTestId('pending-approvals');
    await queue.locator('[data-testid="approval-link"]').first().waitFor();
    await page.screenshot({ path: `${ARTIFACTS}cognito-dashboard.png`, fullPage: true });

    expect(cognitoCalls()).toEqual([
      ['InitiateAuth', 'USER_PASSWORD_AUTH'],
      ['InitiateAuth', 'USER_PASSWORD_AUTH'],
      ['RespondToAuthChallenge', 'NEW_PASSWORD_REQUIRED'],
      ['AssociateSoftwareToken', ''],
      ['VerifySoftwareToken', ''],
      ['VerifySoftwareToken', ''],
      ['RespondToAuthChallenge', 'MFA_SETUP'],
      // The first ID token had two minutes left: refreshed once, before the first API call.
      ['InitiateAuth', 'REFRESH_TOKEN_AUTH'],
    ]);
    const refreshed = cognito.idTokens.at(-1);
    for (const path of ['/api/v1/accounts', '/api/v1/approvals']) {
      const requests = apiRequests(path);
      expect(requests.length, path).toBeGreaterThan(0);
      for (const request of requests) {
        expect(request.headers.authorization, path).toBe(`Bearer ${refreshed}`);
        expect(request.headers.cookie, path).toBeUndefined();
      }
    }
    // The tokens stay in this tab's sessionStorage; the server set no cookie.
    const stored = await page.evaluate(() => JSON.parse(sessionStorage.getItem('sergas.session') ?? 'null'));
    expect(stored).toMatchObject({ idToken: refreshed, name: 'Lee' });
    expect((await context.cookies()).map((c) => c.value)).toEqual(['stale-cookie']);
  });

  let runId: string;
  let siblings: PendingApproval[];

  it('decides an approval on its page with the bearer token', async () => {
    const pending = (await api<{ approvals: PendingApproval[] }>('/api/v1/approvals?limit=100')).approvals;
    const perRun = Map.groupBy(pending, (a) => a.run_id);
    const [chosenRun, approvals] = [...perRun.entries()].sort((a, b) => b[1].length - a[1].length)[0]!;
    // Two or more, so the run still waits after this decision and its page can watch it finish.
    expect(approvals.length).toBeGreaterThan(1);
    runId = chosenRun;
    const [first, ...rest] = approvals;
    siblings = rest;

    await page.goto(`${base}/approvals/${encodeURIComponent(first!.id)}`);
    // Drawn for nobody by the navigation, then again for Lee by the page's script with the bearer token.
    await expect.poll(() => page.getByTestId('decider').textContent(), PAGE_POLL).toBe('Lee');
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    const result = page.getByTestId('decision-result');
    await result.waitFor();
    expect(await result.getAttribute('data-outcome')).toBe('approved');
    // The page's own requests (not the navigation): the re-draw and the decision, both with the bearer token.
    const scripted = () =>
      seen.filter((r) => new URL(r.url).pathname.startsWith('/approvals/') && r.resourceType === 'fetch');
    await expect.poll(() => scripted().length, PAGE_POLL).toBe(2);
    for (const request of scripted()) {
      expect(request.headers.authorization).toMatch(/^Bearer /);
      expect(request.headers.cookie).toBeUndefined();
    }
  });

  it('follows the run on its timeline page through the fetch event-stream reader until it completes', async () => {
    await page.goto(`${base}/runs/${encodeURIComponent(runId)}`);
    const events = page.getByTestId('run-events');
    await events.locator('li[data-type="RUN_STARTED"]').waitFor();
    await events.locator('li[data-type="CUSTOM"]').first().waitFor();
    await expect.poll(() => page.getByTestId('stream-status').textContent(), PAGE_POLL).toBe('Live');
    // The run's other approvals still wait (each is its own branch of the run's approval Map).
    expect(await page.getByTestId('run-status').textContent()).not.toBe('Completed');

    // The rest are decided elsewhere (the CLI): the open stream brings the run to its end.
    for (const sibling of siblings) {
      const rejected = await sergas(['approvals', 'reject', sibling.id, '--reason', 'handled by phone'], env);
      expect(rejected.code, rejected.stderr).toBe(0);
    }
    await events.locator('li[data-type="RUN_FINISHED"]').waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByTestId('stream-status').textContent(), PAGE_POLL).toBe('Run ended');
    await expect.poll(() => page.getByTestId('run-status').textContent(), PAGE_POLL).toBe('Completed');
    await page.getByTestId('run-timeline').locator('tr[data-state="COMPLETED"]').waitFor();
    const types = await events.locator('li').evaluateAll((items) => items.map((li) => li.getAttribute('data-type')));
    expect(types[0]).toBe('RUN_STARTED');
    expect(types.at(-1)).toBe('RUN_FINISHED');
    await page.screenshot({ path: `${ARTIFACTS}cognito-run-stream.png`, fullPage: true });

    const streams = apiRequests(`/api/v1/runs/${runId}/events`);
    expect(streams.length).toBeGreaterThan(0);
    for (const stream of streams) {
      expect(stream.resourceType).toBe('fetch');
      expect(stream.headers.authorization).toMatch(/^Bearer /);
      expect(stream.headers.cookie).toBeUndefined();
      expect(stream.headers.accept).toBe('text/event-stream');
    }
  });

  it('signs out (tokens gone from the tab, refresh token revoked) and back in with the authenticator code', async () => {
    await page.goto(`${base}/sign-in`);
    await expect.poll(() => page.getByTestId('signed-in-as').textContent(), PAGE_POLL).toBe('Lee');
    await page.getByTestId('sign-out').click();
    await page.getByLabel('E-mail').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('sergas.session'))).toBeNull();
    await expect.poll(() => cognitoCalls().at(-1), PAGE_POLL).toEqual(['RevokeToken', '']);
    await page.goto(`${base}/`);
    await page.getByTestId('sign-in-link').first().waitFor();

    await Promise.all([page.waitForURL(/\/sign-in\?next=%2F$/), page.getByTestId('sign-in-link').first().click()]);
    await page.getByLabel('E-mail').fill('lee@example.com');
    await page.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Code from your authenticator app').fill(FAKE_TOTP_CODE);
    await Promise.all([page.waitForURL(`${base}/`), page.getByRole('button', { name: 'Verify' }).click()]);
    await page.locator('[data-testid="account-row"]').first().waitFor();
    expect(cognitoCalls().slice(-2)).toEqual([
      ['InitiateAuth', 'USER_PASSWORD_AUTH'],
      ['RespondToAuthChallenge', 'SOFTWARE_TOKEN_MFA'],
    ]);
  });
});
