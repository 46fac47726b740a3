import { mkdir } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sergas, type sergasServer } from '../support/cli.ts';
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
const STAGE = 'prod';

interface PendingApproval {
  id: string;
  run_id: string;
  account: { id: string };
}

/**
 * API Gateway's default URL, in miniature: the site is reachable only under `/<stage>/`, and each request
 * reaches the server with the stage taken off its path (as API Gateway hands a function `event.path`).
 * Anything else gets API Gateway's 403. Host and every other header pass through unchanged.
 */
async function startStageProxy(stage: string) {
  const prefix = `/${stage}`;
  let targetPort = 0;
  const refused: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/';
    const underStage = url === prefix || url.startsWith(`${prefix}/`) || url.startsWith(`${prefix}?`);
    if (!underStage || !targetPort) {
      refused.push(`${req.method} ${url}`);
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Missing Authentication Token' }));
      return;
    }
    const rest = url.slice(prefix.length);
    const upstream = httpRequest(
      {
        host: '127.0.0.1',
        port: targetPort,
        method: req.method,
        path: rest.startsWith('/') ? rest : `/${rest}`,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Bad Gateway' }));
    });
    // A closed event stream on the browser's side closes it upstream too.
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    refused,
    forwardTo(port: number) {
      targetPort = port;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nobody listens on right now, for the stack's API server (the proxy must know it up front). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/**
 * The deployed site without a custom domain is served under API Gateway's stage path
 * (`https://<id>.execute-api.<region>.amazonaws.com/prod/`) while the functions see paths without it. Here
 * the local stack runs behind a proxy doing the same, told its public URL (SERGAS_PUBLIC_URL, as the CDK
 * stack sets it), and a person uses every page through it: nothing may step outside `/prod/`.
 */
describe('the site works under API Gateway’s stage path', () => {
  let proxy: Awaited<ReturnType<typeof startStageProxy>>;
  let home: Awaited<ReturnType<typeof tempHome>>;
  let server: ReturnType<typeof sergasServer>;
  let env: Record<string, string>;
  /** `http://127.0.0.1:<proxy>/prod`: where the browser finds the site. */
  let base: string;
  let token: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Every request the pages made, navigations and scripts alike. */
  const requested: string[] = [];
  /** What the browser refused under the pages' CSP (nothing: the prefix changes no origin). */
  const cspViolations: string[] = [];

  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status, path).toBe(200);
    return (await response.json()) as T;
  };

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    proxy = await startStageProxy(STAGE);
    const apiPort = await freePort();
    proxy.forwardTo(apiPort);
    ({ home, env, server, base, token } = await startStackWithAdmin(12, {
      SERGAS_PORT: String(apiPort),
      SERGAS_PUBLIC_URL: `${proxy.origin}/${STAGE}`,
    }));
    expect(base).toBe(`${proxy.origin}/${STAGE}`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('request', (request) => {
      requested.push(request.url());
    });
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    expect(await server?.stop()).toBe(0);
    await home?.remove();
    await proxy?.close();
  });

  let chosen: PendingApproval[];

  it('signs in from the dashboard and comes back to it, with the session cookie scoped to /prod/', async () => {
    await page.goto(`${base}/`);
    await page.getByTestId('sign-in-link').first().waitFor();
    await Promise.all([page.waitForURL(`${base}/sign-in?next=%2F`), page.getByTestId('sign-in-link').first().click()]);
    await page.getByLabel('Your token').fill(token);
    await Promise.all([page.waitForURL(`${base}/`), page.getByRole('button', { name: 'Sign in' }).click()]);
    const cookies = await context.cookies();
    expect(cookies.map((c) => [c.name, c.path])).toEqual([['sergas_session', `/${STAGE}/`]]);

    await page.locator('[data-testid="account-row"]').first().waitFor();
    expect(await page.locator('[data-testid="account-row"]').count()).toBe(12);
    const queue = page.getByTestId('pending-approvals');
    await queue.locator('[data-testid="approval-link"]').first().waitFor();
    for (const href of await queue
      .locator('[data-testid="approval-link"]')
      .evaluateAll((links) => links.map((a) => a.getAttribute('href')))) {
      expect(href).toMatch(new RegExp(`^/${STAGE}/approvals/`));
    }
    await page.screenshot({ path: `${ARTIFACTS}base-path-dashboard.png`, fullPage: true });
  });

  it('opens a waiting run from its account row and follows its event stream', async () => {
    const pending = (await api<{ approvals: PendingApproval[] }>('/api/v1/approvals?limit=100')).approvals;
    // A run with two or more approvals still waits after one decision, so its stream stays open.
    chosen = [...Map.groupBy(pending, (a) => a.run_id).values()].sort((a, b) => b.length - a.length)[0]!;
    expect(chosen.length).toBeGreaterThan(1);
    const runId = chosen[0]!.run_id;

    const row = page.locator(`[data-testid="account-row"][data-account-id="${chosen[0]!.account.id}"]`);
    await row.locator('summary').click();
    await Promise.all([
      page.waitForURL(`${base}/runs/${encodeURIComponent(runId)}`),
      row.getByTestId('run-link').click(),
    ]);
    const events = page.getByTestId('run-events');
    await events.locator('li[data-type="RUN_STARTED"]').waitFor();
    await events.locator('li[data-type="CUSTOM"]').first().waitFor();
    await expect.poll(() => page.getByTestId('stream-status').textContent(), PAGE_POLL).toBe('Live');
    expect(await page.getByTestId('run-status').textContent()).not.toBe('Completed');
  });

  it('opens an approval from the stream and approves it', async () => {
    const review = page.getByTestId('run-events').getByRole('link', { name: 'Review' }).first();
    const href = (await review.getAttribute('href')) ?? '';
    expect(href).toMatch(new RegExp(`^/${STAGE}/approvals/`));
    const approvalId = decodeURIComponent(href.split('/').pop() ?? '');
    expect(chosen.map((a) => a.id)).toContain(approvalId);
    await Promise.all([page.waitForURL(`${base}/approvals/${encodeURIComponent(approvalId)}`), review.click()]);
    await page.getByRole('heading', { name: 'Evidence from Zoho' }).waitFor();
    expect(await page.getByTestId('decider').textContent()).toBe('Lee');

    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    const result = page.getByTestId('decision-result');
    await result.waitFor();
    expect(await result.getAttribute('data-outcome')).toBe('approved');
    await Promise.all([page.waitForURL(`${base}/`), page.getByRole('link', { name: 'Back to the dashboard' }).click()]);
    await page.locator('[data-testid="account-row"]').first().waitFor();
    chosen = chosen.filter((a) => a.id !== approvalId);
  });

  it('watches the run finish on its page once the rest are decided, without leaving /prod/', async () => {
    const runId = chosen[0]!.run_id;
    await page.goto(`${base}/runs/${encodeURIComponent(runId)}`);
    const events = page.getByTestId('run-events');
    await expect.poll(() => page.getByTestId('stream-status').textContent(), PAGE_POLL).toBe('Live');
    for (const sibling of chosen) {
      const rejected = await sergas(['approvals', 'reject', sibling.id, '--reason', 'handled by phone'], env);
      expect(rejected.code, rejected.stderr).toBe(0);
    }
    await events.locator('li[data-type="RUN_FINISHED"]').waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByTestId('stream-status').textContent(), PAGE_POLL).toBe('Run ended');
    await expect.poll(() => page.getByTestId('run-status').textContent(), PAGE_POLL).toBe('Completed');
    await page.screenshot({ path: `${ARTIFACTS}base-path-run-stream.png`, fullPage: true });

    const stageRoot = `${proxy.origin}/${STAGE}/`;
    expect(requested.length).toBeGreaterThan(10);
    expect(requested.filter((url) => !url.startsWith(stageRoot))).toEqual([]);
    expect(requested.some((url) => url.startsWith(`${stageRoot}api/v1/runs/`) && url.endsWith('/events'))).toBe(true);
    // …and nothing else (the browser's own requests, the server's webhooks) reached the proxy outside it either.
    expect(proxy.refused).toEqual([]);
    expect(cspViolations).toEqual([]);
  });
});
