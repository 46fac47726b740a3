import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from './sandbox-test-server.ts';

// Zoho's API limits over real HTTP (reference §4): credits per rolling 24 h by the store clock, writes
// billed per 10 records, a concurrency cap per user, and 429 TOO_MANY_REQUESTS for either.

const DAY_MS = 24 * 60 * 60 * 1000;
const TOO_MANY_REQUESTS = {
  code: 'TOO_MANY_REQUESTS',
  details: {},
  message: expect.any(String),
  status: 'error',
};

const sandboxes: TestSandbox[] = [];
const mcpClients: Client[] = [];

async function sandbox(options: Parameters<typeof startTestSandbox>[0]): Promise<TestSandbox> {
  const started = await startTestSandbox(options);
  sandboxes.push(started);
  return started;
}

async function mcp(url: string): Promise<Client> {
  const client = new Client({ name: 'sandbox-limits-test', version: '0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  mcpClients.push(client);
  return client;
}

afterEach(async () => {
  await Promise.all(mcpClients.splice(0).map((client) => client.close()));
  await Promise.all(sandboxes.splice(0).map((running) => running.close()));
});

const accounts = (n: number) => ({
  data: Array.from({ length: n }, (_, i) => ({ Account_Name: `Limits Test ${i}` })),
});

describe('the sandbox API credits', () => {
  it('sends X-API-CREDITS-REMAINING once half the allowance is used, then refuses with 429 when it is spent', async () => {
    const running = await sandbox({ limits: { dailyCredits: 10 } });
    const token = await running.token();
    const headers: Array<string | null> = [];
    for (let call = 1; call <= 10; call++) {
      const response = await running.crm('Accounts?fields=Account_Name', { token });
      expect(response.status).toBe(200);
      headers.push(response.headers.get('x-api-credits-remaining'));
    }
    expect(headers).toEqual([null, null, null, null, '5', '4', '3', '2', '1', '0']);

    const refused = await running.crm('Accounts?fields=Account_Name', { token });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBeNull();
    expect(refused.headers.get('x-api-credits-remaining')).toBe('0');
    expect(await refused.json()).toEqual(TOO_MANY_REQUESTS);
  });

  it('gives credits back 24 hours after they were spent, by the store clock', async () => {
    const running = await sandbox({ limits: { dailyCredits: 2 } });
    // A fresh token for every call: the clock moves past an access token's hour.
    expect((await running.crm('Accounts?fields=Account_Name')).status).toBe(200);
    running.advanceClock(60 * 60 * 1000);
    expect((await running.crm('Accounts?fields=Account_Name')).status).toBe(200);
    expect((await running.crm('Accounts?fields=Account_Name')).status).toBe(429);

    // The first credit comes back one day after it was spent, the second an hour after that.
    running.advanceClock(DAY_MS - 60 * 60 * 1000 - 1);
    expect((await running.crm('Accounts?fields=Account_Name')).status).toBe(429);
    running.advanceClock(1);
    expect((await running.crm('Accounts?fields=Account_Name')).status).toBe(200);
    expect((await running.crm('Accounts?fields=Account_Name')).status).toBe(429);
    running.advanceClock(60 * 60 * 1000);
    expect((await running.crm('Accounts?fields=Account_Name')).status).toBe(200);
  });

  it('does not charge for access tokens', async () => {
    const running = await sandbox({ limits: { dailyCredits: 10 } });
    await running.token();
    await running.token();
    expect(running.server.limits.used()).toBe(0);
  });

  it('bills inserts per 10 records, over REST and over MCP alike', async () => {
    const running = await sandbox({ limits: { dailyCredits: 100 } });
    const inserted = await running.crm('Accounts', { method: 'POST', body: JSON.stringify(accounts(25)) });
    expect(inserted.status).toBe(201);
    expect(running.server.limits.used()).toBe(3);

    const client = await mcp(running.server.mcpUrl);
    const result = await client.callTool({
      name: 'ZohoCRM_createRecords',
      arguments: { path_variables: { module: 'Accounts' }, body: accounts(10) },
    });
    expect(result.isError).toBeFalsy();
    expect(running.server.limits.used()).toBe(4);
  });

  it('answers an MCP tool call with the same TOO_MANY_REQUESTS JSON once the credits are spent', async () => {
    const running = await sandbox({ limits: { dailyCredits: 1 } });
    expect((await running.crm('Accounts?fields=Account_Name')).status).toBe(200);
    const client = await mcp(running.server.mcpUrl);
    const result = await client.callTool({
      name: 'ZohoCRM_getRecords',
      arguments: { path_variables: { module: 'Accounts' }, query_params: { fields: 'Account_Name' } },
    });
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toEqual(TOO_MANY_REQUESTS);
  });

  it('takes its allowance from the edition and the number of users when none is given', async () => {
    const running = await sandbox({ limits: { edition: 'professional', users: 4 } });
    expect(running.server.limits.dailyCredits).toBe(50_000 + 4 * 500);
    expect(running.server.limits.concurrency).toBe(15);
  });
});

describe('the sandbox concurrency limit', () => {
  it('refuses exactly the one call beyond the edition limit while the others are still in flight', async () => {
    const running = await sandbox({ limits: { edition: 'free' } });
    expect(running.server.limits.concurrency).toBe(5);
    const token = await running.token();
    // Latency keeps every call in flight while the next ones arrive.
    running.server.faults.apply({ latencyMs: 400 });
    const responses = await Promise.all(
      Array.from({ length: 6 }, () => running.crm('Accounts?fields=Account_Name', { token })),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const refused = responses.find((response) => response.status === 429);
    expect(await refused?.json()).toEqual(TOO_MANY_REQUESTS);

    running.server.faults.apply({ latencyMs: 0 });
    expect((await running.crm('Accounts?fields=Account_Name', { token })).status).toBe(200);
  });
});
