import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SANDBOX_CREDENTIALS } from '../../local/zoho-sandbox/sandbox-server.ts';
import { sergas, type sergasServer } from '../support/cli.ts';
import type { tempHome } from '../support/local-home.ts';
import { type StartReport, startStackWithAdmin } from '../support/running-stack.ts';

interface PendingApproval {
  id: string;
  url: string;
  run_id: string;
  recommendation: { id: string };
}

const form = (fields: Record<string, string>, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body: new URLSearchParams(fields).toString(),
  redirect: 'manual' as const,
});

describe('sergas start, used through the browser-facing HTTP routes and the CLI at once', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let server: ReturnType<typeof sergasServer>;
  let report: StartReport;
  let env: Record<string, string>;
  let base: string;
  let chosen: PendingApproval;
  let siblings: PendingApproval[];
  /** The token `sergas user create --admin` printed, and the session cookie /sign-in made of it. */
  let token: string;
  let session: string;
  /** `fetch` as the signed-in admin (the bearer header, as a script would send it). */
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    ({ home, env, server, report, base, token } = await startStackWithAdmin(20));
    const signedIn = await fetch(`${base}/sign-in`, form({ action: 'sign_in', token, next: '/' }));
    expect(signedIn.status).toBe(303);
    session = signedIn.headers.get('set-cookie')!.split(';')[0]!;
  }, 180_000);
  afterAll(async () => {
    expect(await server?.stop()).toBe(0);
    await home?.remove();
  });

  it('seeds, syncs and analyzes the demo org on first run and reports it', () => {
    expect(report.accounts).toBe(20);
    expect(Object.values(report.by_risk).reduce((a, b) => a + b, 0)).toBe(20);
    expect(report.pending_approvals).toBeGreaterThan(0);
  });

  it('serves the dashboard and the accounts by risk, to a signed-in person only', async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect((await fetch(`${base}/api/v1/accounts`)).status).toBe(401);
    const accounts = (await (await api('/api/v1/accounts')).json()) as { accounts: { risk_level: string }[] };
    expect(accounts.accounts).toHaveLength(20);
    const withCookie = await fetch(`${base}/api/v1/accounts`, { headers: { cookie: session } });
    expect(((await withCookie.json()) as { accounts: unknown[] }).accounts).toHaveLength(20);
    const risky = await (await api('/api/v1/accounts?risk=critical')).json();
    expect((risky as { accounts: { risk_level: string }[] }).accounts.every((a) => a.risk_level === 'critical')).toBe(
      true,
    );
  });

  it('hears of a change made in the CRM within seconds, through the notification channel it registered at start', async () => {
    const grant = new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: DEFAULT_SANDBOX_CREDENTIALS.clientId,
      client_secret: DEFAULT_SANDBOX_CREDENTIALS.clientSecret,
      refresh_token: DEFAULT_SANDBOX_CREDENTIALS.refreshToken,
    });
    const token = await fetch(`${report.sandbox_url}/oauth/v2/token`, { method: 'POST', body: grant });
    const { access_token } = (await token.json()) as { access_token: string };
    const { accounts } = (await (await api('/api/v1/accounts')).json()) as { accounts: { id: string }[] };
    const renamed = { id: accounts[0]!.id, Account_Name: 'Renamed In Zoho Ltd' };
    const update = await fetch(`${report.sandbox_url}/crm/v8/Accounts`, {
      method: 'PUT',
      headers: { authorization: `Zoho-oauthtoken ${access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ data: [renamed] }),
    });
    expect(update.status).toBe(200);
    let name: string | undefined;
    for (let attempt = 0; attempt < 50 && name !== renamed.Account_Name; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const listed = (await (await api('/api/v1/accounts')).json()) as {
        accounts: { id: string; name: string }[];
      };
      name = listed.accounts.find((account) => account.id === renamed.id)?.name;
    }
    expect(name).toBe(renamed.Account_Name);
  });

  it("gives an owner's daily brief through the API and the CLI alike", async () => {
    const { accounts } = (await (await api('/api/v1/accounts')).json()) as {
      accounts: { id: string; owner: { id: string } }[];
    };
    const ownerId = accounts[0]!.owner.id;
    const response = await api(`/api/v1/owners/${ownerId}/brief`);
    expect(response.status).toBe(200);
    const brief = (await response.json()) as {
      owner: { id: string };
      accounts: { id: string; actions: unknown[] }[];
      total_accounts: number;
      estimated_review_minutes: number;
    };
    expect(brief.owner.id).toBe(ownerId);
    expect(brief.total_accounts).toBe(accounts.filter((a) => a.owner.id === ownerId).length);
    expect(brief.accounts.length).toBeLessThanOrEqual(10);
    expect(brief.accounts.every((a) => a.actions.length <= 3)).toBe(true);
    const cli = await sergas(['brief', ownerId, '--json'], env);
    expect(cli.code).toBe(0);
    const { date: _apiDate, deliver_by: _apiDeliver, ...apiRest } = brief as unknown as Record<string, unknown>;
    const { date: _cliDate, deliver_by: _cliDeliver, ...cliRest } = JSON.parse(cli.stdout) as Record<string, unknown>;
    expect(cliRest).toEqual(apiRest);
    expect((await api('/api/v1/owners/no-such-owner/brief')).status).toBe(404);
  });

  it('answers bad input with a 4xx in the error shape', async () => {
    const bad = await api('/api/v1/accounts?risk=extreme');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
    expect((await api('/api/v1/accounts/nope/status')).status).toBe(404);
  });

  it('shows an approval on GET without deciding it', async () => {
    const { approvals } = (await (await api('/api/v1/approvals?limit=100')).json()) as {
      approvals: PendingApproval[];
    };
    chosen = approvals[0]!;
    siblings = approvals.filter((a) => a.run_id === chosen.run_id && a.id !== chosen.id);
    const page = await fetch(`${base}${chosen.url}`, { headers: { cookie: session } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<form[^>]+method="post"/i);
    const still = (await (await api('/api/v1/approvals?limit=100')).json()) as { approvals: PendingApproval[] };
    expect(still.approvals.map((a) => a.id)).toContain(chosen.id);
  });

  it('lets another process see the same queue', async () => {
    const listed = await sergas(['approvals', 'list', '--json'], env);
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as { approvals: { id: string }[] }).approvals.map((a) => a.id)).toContain(
      chosen.id,
    );
  });

  it('decides on POST as the signed-in person, and the run completes once the CLI rejects the rest', async () => {
    expect((await fetch(`${base}${chosen.url}`, form({ decision: 'approve' }))).status).toBe(401);
    const decided = await fetch(`${base}${chosen.url}`, form({ decision: 'approve' }, { cookie: session }));
    expect(decided.status).toBe(200);
    for (const sibling of siblings) {
      expect((await sergas(['approvals', 'reject', sibling.id, '--reason', 'handled by phone'], env)).code).toBe(0);
    }
    let run: { status: string; states: string[] } | undefined;
    // The stack's runner finishes the run in the background; 50 tries of 100 ms were 5 s, too few on a busy machine.
    const deadline = Date.now() + 30_000;
    while (run?.status !== 'COMPLETED' && Date.now() < deadline) {
      run = (await (await api(`/api/v1/runs/${chosen.run_id}`)).json()) as {
        status: string;
        states: string[];
      };
      if (run.status !== 'COMPLETED') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(run?.status).toBe('COMPLETED');
    expect(run?.states.slice(-4)).toEqual(['AWAITING_APPROVAL', 'EXECUTING', 'MEMORY_SYNC', 'COMPLETED']);
    const audit = (
      (await (await api(`/api/v1/runs/${chosen.run_id}`)).json()) as { audit: { action: string; userId: string }[] }
    ).audit;
    expect(audit).toEqual(
      expect.arrayContaining([expect.objectContaining({ action: 'approval.approved', userId: 'lee@example.com' })]),
    );
  });

  it('has written the approved task to the CRM exactly once', async () => {
    const token = (await (
      await fetch(`${report.sandbox_url}/oauth/v2/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          client_id: 'sandbox-client',
          client_secret: 'sandbox-secret',
          refresh_token: 'sandbox-refresh-token',
        }),
      })
    ).json()) as { access_token: string };
    const found = await Promise.all(
      ['Tasks', 'Notes'].map(async (module) => {
        const response = await fetch(
          `${report.sandbox_url}/crm/v8/${module}/search?criteria=${encodeURIComponent(`(Sergas_Key:equals:${chosen.recommendation.id}:create)`)}`,
          { headers: { authorization: `Zoho-oauthtoken ${token.access_token}` } },
        );
        return response.status === 204 ? [] : ((await response.json()) as { data: unknown[] }).data;
      }),
    );
    expect(found.flat()).toHaveLength(1);
  });

  it('refuses a second decision with 409 and a clear message', async () => {
    const again = await fetch(`${base}${chosen.url}`, form({ decision: 'approve' }, { cookie: session }));
    expect(again.status).toBe(409);
    expect(await again.text()).toMatch(/already decided/);
  });
});
