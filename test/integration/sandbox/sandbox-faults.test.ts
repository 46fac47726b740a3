import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SANDBOX_ADMIN_SECRET, NO_FAULTS } from '../../../local/zoho-sandbox/sandbox-faults.ts';
import { DEFAULT_SANDBOX_CREDENTIALS } from '../../../local/zoho-sandbox/sandbox-server.ts';
import { MemoryCache } from '../../../shared/adapters/cache/memory-cache.ts';
import { TieredCrmClient, type TierFailure } from '../../../shared/adapters/zoho/tiered-crm-client.ts';
import { ZohoMcpClient } from '../../../shared/adapters/zoho/zoho-mcp-client.ts';
import { ZohoOAuth, type ZohoTokenSource } from '../../../shared/adapters/zoho/zoho-oauth.ts';
import { ZohoRestClient } from '../../../shared/adapters/zoho/zoho-rest-client.ts';
import { CrmRateLimitedError } from '../../../shared/errors.ts';
import { startTestSandbox, type TestSandbox } from './sandbox-test-server.ts';

// The faults an admin can switch on while the sandbox runs, each watched from the clients the copilot
// uses: the REST and MCP tiers alone and composed by TieredCrmClient.

const sandboxes: TestSandbox[] = [];
const mcpClients: ZohoMcpClient[] = [];

afterEach(async () => {
  await Promise.all(mcpClients.splice(0).map((client) => client.close()));
  await Promise.all(sandboxes.splice(0).map((running) => running.close()));
});

async function sandbox(options: Parameters<typeof startTestSandbox>[0] = {}): Promise<TestSandbox> {
  const started = await startTestSandbox(options);
  sandboxes.push(started);
  return started;
}

/** A REST tier as the composition root builds one (no retries of its own), counting token refreshes. */
function restClient(running: TestSandbox) {
  const oauth = new ZohoOAuth(
    { accountsUrl: running.server.url, ...DEFAULT_SANDBOX_CREDENTIALS },
    { cache: new MemoryCache() },
  );
  const counted = { refreshes: 0 };
  const tokens: ZohoTokenSource = {
    accessToken: () => oauth.accessToken(),
    refresh: (stale) => {
      counted.refreshes++;
      return oauth.refresh(stale);
    },
  };
  return { client: new ZohoRestClient({ tokens, retries: 0 }), counted };
}

function mcpClient(running: TestSandbox): ZohoMcpClient {
  const client = new ZohoMcpClient({ url: running.server.mcpUrl, timeoutMs: 5000 });
  mcpClients.push(client);
  return client;
}

/** The tiers in the order given, one attempt each, recording which tier failed over. */
function tiered(tiers: Array<{ name: string; client: ZohoRestClient | ZohoMcpClient }>) {
  const failures: TierFailure[] = [];
  const client = new TieredCrmClient({ tiers, readAttempts: 1, onTierFailure: (failure) => failures.push(failure) });
  return { client, failures };
}

const LIST = { fields: ['Account_Name'], perPage: 2, sortBy: 'id', sortOrder: 'asc' } as const;

function admin(running: TestSandbox, init: RequestInit & { secret?: string | null } = {}) {
  const { secret = DEFAULT_SANDBOX_ADMIN_SECRET, headers, ...rest } = init;
  return fetch(`${running.server.url}/sandbox/admin/faults`, {
    ...rest,
    headers: {
      'content-type': 'application/json',
      ...(secret === null ? {} : { 'x-sandbox-admin': secret }),
      ...headers,
    },
  });
}

const put = (running: TestSandbox, change: Record<string, unknown>) =>
  admin(running, { method: 'PUT', body: JSON.stringify(change) });

describe('the sandbox fault admin endpoint', () => {
  it('refuses callers without the admin header, or with the wrong secret', async () => {
    const running = await sandbox();
    const without = await admin(running, { secret: null });
    expect(without.status).toBe(401);
    expect(await without.json()).toMatchObject({ code: 'AUTHENTICATION_FAILURE', status: 'error' });
    expect((await admin(running, { secret: 'guess' })).status).toBe(401);
    expect((await admin(running, { method: 'PUT', secret: null, body: '{"restOutage":true}' })).status).toBe(401);
    expect(running.server.faults.current().restOutage).toBe(false);
  });

  it('accepts a secret of its own instead of the default', async () => {
    const running = await sandbox({ adminSecret: 'own-secret' });
    expect((await admin(running)).status).toBe(401);
    expect((await admin(running, { secret: 'own-secret' })).status).toBe(200);
  });

  it('reports no faults at first, merges changes, and clears them', async () => {
    const running = await sandbox();
    expect(await (await admin(running)).json()).toEqual(NO_FAULTS);
    await put(running, { latencyMs: 5, mcpOutage: true });
    const merged = await (await put(running, { errorRate: 0.25 })).json();
    expect(merged).toEqual({ ...NO_FAULTS, latencyMs: 5, mcpOutage: true, errorRate: 0.25 });
    expect(await (await put(running, { clear: true })).json()).toEqual(NO_FAULTS);
  });

  it('refuses a bad value with 400 INVALID_DATA naming the field', async () => {
    const running = await sandbox();
    const bad = await put(running, { errorRate: 2 });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'INVALID_DATA', details: { param_name: 'errorRate' } });
    expect((await put(running, { restOutage: 'yes' })).status).toBe(400);
    expect((await put(running, { surprise: true })).status).toBe(400);
  });
});

describe('the sandbox faults as the CRM clients meet them', () => {
  it('has a REST outage answered with 503, and a tiered client with REST first serving from MCP', async () => {
    const running = await sandbox();
    await put(running, { restOutage: true });
    expect((await running.crm('Accounts?fields=Account_Name')).status).toBe(503);

    // REST first, so the page can only come from MCP if the tier fails over.
    const { client, failures } = tiered([
      { name: 'rest', client: restClient(running).client },
      { name: 'mcp', client: mcpClient(running) },
    ]);
    const page = await client.listRecords('Accounts', LIST);
    expect(page.records).toHaveLength(2);
    expect(failures.map(({ tier, failingOver }) => ({ tier, failingOver }))).toEqual([
      { tier: 'rest', failingOver: true },
    ]);

    // And the [mcp, rest] order the copilot uses never notices.
    const preferred = tiered([
      { name: 'mcp', client: mcpClient(running) },
      { name: 'rest', client: restClient(running).client },
    ]);
    expect((await preferred.client.listRecords('Accounts', LIST)).records).toHaveLength(2);
    expect(preferred.failures).toEqual([]);
  });

  it('has an MCP outage served by REST through a tiered client with MCP first', async () => {
    const running = await sandbox();
    await put(running, { mcpOutage: true });
    const { client, failures } = tiered([
      { name: 'mcp', client: mcpClient(running) },
      { name: 'rest', client: restClient(running).client },
    ]);
    const page = await client.listRecords('Accounts', LIST);
    expect(page.records).toHaveLength(2);
    expect(failures.map(({ tier, failingOver }) => ({ tier, failingOver }))).toEqual([
      { tier: 'mcp', failingOver: true },
    ]);
  });

  it('expires the access tokens issued so far, so the REST client refreshes once and succeeds', async () => {
    const running = await sandbox();
    const { client, counted } = restClient(running);
    await client.listRecords('Accounts', LIST);
    expect(counted.refreshes).toBe(0);

    const applied = await (await put(running, { expireTokensEarly: true })).json();
    // It is an action, not a state: the set reads back without it.
    expect(applied).toEqual(NO_FAULTS);
    expect((await client.listRecords('Accounts', LIST)).records).toHaveLength(2);
    expect(counted.refreshes).toBe(1);
    await client.listRecords('Accounts', LIST);
    expect(counted.refreshes).toBe(1);
  });

  it('answers every CRM call with 429 in a rate-limit storm, which both tiers report as CrmRateLimitedError', async () => {
    const running = await sandbox();
    await put(running, { rateLimitStorm: true });
    const rest = restClient(running).client;
    await expect(rest.listRecords('Accounts', LIST)).rejects.toBeInstanceOf(CrmRateLimitedError);
    await expect(mcpClient(running).listRecords('Accounts', LIST)).rejects.toBeInstanceOf(CrmRateLimitedError);
    const { client } = tiered([
      { name: 'mcp', client: mcpClient(running) },
      { name: 'rest', client: rest },
    ]);
    await expect(client.listRecords('Accounts', LIST)).rejects.toBeInstanceOf(CrmRateLimitedError);
    // Refused calls are not charged.
    expect(running.server.limits.used()).toBe(0);

    await put(running, { rateLimitStorm: false });
    expect((await rest.listRecords('Accounts', LIST)).records).toHaveLength(2);
  });

  it('fails the share of calls the error rate asks for, as the injected randomness picks them', async () => {
    const draws = [0.1, 0.9, 0.4, 0.6];
    const running = await sandbox({ faultRandom: () => draws.shift() ?? 1 });
    await put(running, { errorRate: 0.5 });
    const statuses: number[] = [];
    for (let call = 0; call < 4; call++) statuses.push((await running.crm('Accounts?fields=Account_Name')).status);
    expect(statuses).toEqual([500, 200, 500, 200]);
  });

  it('fails the same calls on every run for the same seed', async () => {
    const runStatuses = async () => {
      const running = await sandbox({ faultSeed: 42 });
      await put(running, { errorRate: 0.5 });
      const statuses: number[] = [];
      for (let call = 0; call < 8; call++) statuses.push((await running.crm('Accounts?fields=Account_Name')).status);
      return statuses;
    };
    const first = await runStatuses();
    expect(first).toContain(500);
    expect(await runStatuses()).toEqual(first);
  });

  it("answers an injected error as 500 INTERNAL_ERROR in Zoho's shape", async () => {
    const running = await sandbox();
    await put(running, { errorRate: 1 });
    const failed = await running.crm('Accounts?fields=Account_Name');
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({
      code: 'INTERNAL_ERROR',
      details: {},
      message: 'Internal Server Error',
      status: 'error',
    });
  });
});
