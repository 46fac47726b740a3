import { mkdir } from 'node:fs/promises';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SANDBOX_CREDENTIALS } from '../../local/zoho-sandbox/sandbox-server.ts';
import { sergas, type sergasServer } from '../support/cli.ts';
import type { tempHome } from '../support/local-home.ts';
import { type StartReport, startStackWithAdmin } from '../support/running-stack.ts';

/** Debian's Chromium; the test drives it with playwright-core (no downloaded browsers). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname;

interface PendingApproval {
  id: string;
  run_id: string;
  recommendation: { id: string };
}

describe('a person approves a recommendation in the browser, end to end', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let server: ReturnType<typeof sergasServer>;
  let report: StartReport;
  let env: Record<string, string>;
  let base: string;
  let token: string;
  let browser: Browser;
  let page: Page;
  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status, path).toBe(200);
    return (await response.json()) as T;
  };

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    ({ home, env, server, report, base, token } = await startStackWithAdmin(12));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    expect(await server?.stop()).toBe(0);
    await home?.remove();
  });

  let approvalId: string;
  let runId: string;
  /** The pending queue as the API saw it before the decision. */
  let queue: PendingApproval[];

  it('signs in through the sign-in page and lands on the dashboard', async () => {
    await page.goto(`${base}/sign-in?next=/`);
    await page.getByLabel('Your token').fill(token);
    await Promise.all([page.waitForURL(`${base}/`), page.getByRole('button', { name: 'Sign in' }).click()]);
    await page.locator('[data-testid="account-row"]').first().waitFor();
    expect(await page.locator('[data-testid="account-row"]').count()).toBe(12);
    await page.getByRole('heading', { level: 1, name: 'Accounts' }).waitFor();
  });

  it('shows the pending approvals queue', async () => {
    const queue = page.getByTestId('pending-approvals');
    await queue.locator('[data-testid="approval-link"]').first().waitFor();
    expect(await queue.locator('[data-testid="approval-link"]').count()).toBeGreaterThan(0);
  });

  it('opens the approval from the queue, shows the evidence and the draft, and approves it', async () => {
    const link = page.getByTestId('pending-approvals').locator('[data-testid="approval-link"]').first();
    const href = (await link.getAttribute('href')) ?? '';
    approvalId = decodeURIComponent(href.split('/').pop() ?? '');
    queue = (await api<{ approvals: PendingApproval[] }>('/api/v1/approvals?limit=100')).approvals;
    expect(queue.map((a) => a.id)).toContain(approvalId);
    await Promise.all([page.waitForURL(`${base}${href}`), link.click()]);
    await page.getByRole('heading', { name: 'Evidence from Zoho' }).waitFor();
    await page.locator('#draft-heading').waitFor();
    expect(await page.getByTestId('approval-status').textContent()).toBe('Awaiting decision');
    await page.screenshot({ path: `${ARTIFACTS}approval-page.png`, fullPage: true });

    await Promise.all([
      page.waitForLoadState('load'),
      page.getByRole('button', { name: 'Approve', exact: true }).click(),
    ]);
    const result = page.getByTestId('decision-result');
    await result.waitFor();
    expect(await result.getAttribute('data-outcome')).toBe('approved');
    await page.screenshot({ path: `${ARTIFACTS}approval-flow.png`, fullPage: true });
    // The approval's own page now shows the decided state (and no form).
    await page.goto(`${base}${href}`);
    await page.getByTestId('decision-notice').waitFor();
    expect(await page.getByTestId('decision-notice').textContent()).toMatch(/Approved\s+by\s+lee@example\.com/);
    expect(await page.getByRole('button', { name: 'Approve', exact: true }).count()).toBe(0);
  });

  it('shows the run on its timeline page with EXECUTING and COMPLETED once the rest are rejected', async () => {
    runId = chosen().run_id;
    const siblings = queue.filter((a) => a.run_id === runId && a.id !== approvalId);
    // The stack's runner executes the approval in the background: the timeline below shows it written while
    // its siblings still waited only if it was, so wait until it is (and the run waits again) rather than race
    // it with the first rejection.
    const executed = async () => {
      const run = await api<{ status: string; audit: { action: string }[] }>(`/api/v1/runs/${runId}`);
      return (
        run.audit.some((entry) => entry.action === 'recommendation.executed') &&
        (siblings.length === 0 || run.status === 'AWAITING_APPROVAL')
      );
    };
    await expect.poll(executed, { timeout: 30_000 }).toBe(true);
    for (const sibling of siblings) {
      expect((await sergas(['approvals', 'reject', sibling.id, '--reason', 'handled by phone'], env)).code).toBe(0);
    }
    let status = '';
    for (let i = 0; i < 100 && status !== 'COMPLETED'; i++) {
      status = (await api<{ status: string }>(`/api/v1/runs/${runId}`)).status;
      if (status !== 'COMPLETED') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe('COMPLETED');

    await page.goto(`${base}/runs/${encodeURIComponent(runId)}`);
    const timeline = page.getByTestId('run-timeline');
    await timeline.locator('tr[data-state="COMPLETED"]').waitFor();
    await timeline.locator('tr[data-state="EXECUTING"]').waitFor();
    const states = await timeline
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-state')));
    // Executed while its siblings still waited on people, then completed once they were decided.
    expect(states.slice(-4)).toEqual(
      siblings.length > 0
        ? ['EXECUTING', 'AWAITING_APPROVAL', 'MEMORY_SYNC', 'COMPLETED']
        : ['AWAITING_APPROVAL', 'EXECUTING', 'MEMORY_SYNC', 'COMPLETED'],
    );
    expect(await page.getByTestId('run-status').textContent()).toBe('Completed');
    await page.screenshot({ path: `${ARTIFACTS}run-timeline.png`, fullPage: true });
  });

  it('has written exactly one Task to the CRM', async () => {
    const recommendationId = chosen().recommendation.id;
    const grant = await fetch(`${report.sandbox_url}/oauth/v2/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: DEFAULT_SANDBOX_CREDENTIALS.clientId,
        client_secret: DEFAULT_SANDBOX_CREDENTIALS.clientSecret,
        refresh_token: DEFAULT_SANDBOX_CREDENTIALS.refreshToken,
      }),
    });
    const { access_token } = (await grant.json()) as { access_token: string };
    const found = await Promise.all(
      ['Tasks', 'Notes'].map(async (module) => {
        const response = await fetch(
          `${report.sandbox_url}/crm/v8/${module}/search?criteria=${encodeURIComponent(`(Sergas_Key:equals:${recommendationId}:create)`)}`,
          { headers: { authorization: `Zoho-oauthtoken ${access_token}` } },
        );
        return response.status === 204 ? [] : ((await response.json()) as { data: unknown[] }).data;
      }),
    );
    expect(found.flat()).toHaveLength(1);
  });

  const chosen = () => queue.find((a) => a.id === approvalId) as PendingApproval;
});
