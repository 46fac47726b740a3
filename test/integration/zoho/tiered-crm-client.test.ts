import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadSandboxFile, type SandboxOrg } from '../../../local/zoho-sandbox/sandbox-org.ts';
import { CreditBudget } from '../../../shared/adapters/zoho/credit-budget.ts';
import { TieredCrmClient } from '../../../shared/adapters/zoho/tiered-crm-client.ts';
import { CrmRateLimitedError, RetryableUpstreamError } from '../../../shared/errors.ts';
import { type RunningSandbox, SMALL_ORG_FILE, startSandbox } from './sandbox-harness.ts';

// Two ZohoRestClient tiers over real HTTP: a preferred tier on a local server that misbehaves on demand
// (503, 429, dropped or refused connections) and the sandbox behind it. Tokens for both come from the
// sandbox; the first tier's API domain is the misbehaving server.

type Mode = '503' | '429' | 'hang-up' | 'healthy';

interface FlakyZoho {
  url: string;
  mode: Mode;
  /** API requests it received, as `METHOD /path`. */
  seen: string[];
  close(): Promise<void>;
}

async function flakyZoho(mode: Mode): Promise<FlakyZoho> {
  const flaky = { mode, seen: [] as string[] } as FlakyZoho;
  const server = createServer(async (request, response) => {
    for await (const _ of request); // the whole body arrives before we answer, as with a real Zoho
    flaky.seen.push(`${request.method} ${new URL(request.url ?? '/', 'http://x').pathname}`);
    switch (flaky.mode) {
      case '503':
        return json(response, 503, { code: 'INTERNAL_ERROR', message: 'Service Unavailable', status: 'error' });
      case '429':
        return json(response, 429, { code: 'TOO_MANY_REQUESTS', message: 'limit exceeded', status: 'error' });
      case 'hang-up':
        return request.socket.destroy();
      case 'healthy':
        return json(
          response,
          200,
          { users: [{ id: '1', full_name: 'Healed' }], info: { more_records: false } },
          {
            'X-API-CREDITS-REMAINING': '120',
          },
        );
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  flaky.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  flaky.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return flaky;
}

/** An address nothing listens on: a port that was just freed. */
async function refusingAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  response
    .writeHead(status, { 'content-type': 'application/json;charset=UTF-8', ...headers })
    .end(JSON.stringify(body));
}

let org: SandboxOrg;
let sandbox: RunningSandbox;
let flaky: FlakyZoho | undefined;

beforeAll(async () => {
  org = await loadSandboxFile(SMALL_ORG_FILE);
  sandbox = await startSandbox(org);
});

afterAll(async () => {
  await sandbox.close();
});

afterEach(async () => {
  await flaky?.close();
  flaky = undefined;
});

/** The tiered client as the composition root would build it, with a hand-moved clock and no real waiting. */
function tieredOver(firstApiDomain: string, options: { budget?: CreditBudget } = {}) {
  let now = 1_700_000_000_000;
  const wrap = options.budget ? { fetch: options.budget.wrap(fetch) } : {};
  const first = sandbox.client({ apiDomain: firstApiDomain, retries: 0, timeoutMs: 5000, ...wrap }).client;
  const second = sandbox.client({ retries: 0, ...wrap }).client;
  const client = new TieredCrmClient({
    tiers: [
      { name: 'flaky', client: first },
      { name: 'sandbox', client: second },
    ],
    failureThreshold: 2,
    coolDownMs: 30_000,
    readAttempts: 2,
    now: () => now,
    sleep: async () => {},
    random: () => 0.5,
  });
  return {
    client,
    first,
    second,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const expectedUserIds = () => org.users.map((u) => u.id).sort();

describe('a tiered CRM client over real HTTP', () => {
  for (const mode of ['503', '429', 'hang-up'] as const) {
    it(`fails reads over to the sandbox when the first tier answers ${mode}, and opens that tier’s breaker`, async () => {
      flaky = await flakyZoho(mode);
      const { client } = tieredOver(flaky.url);
      const users = await client.listUsers();
      expect(users.map((u) => u.id).sort()).toEqual(expectedUserIds());
      expect(flaky.seen).toEqual(['GET /crm/v8/users', 'GET /crm/v8/users']);
      expect(client.tierStatus()).toMatchObject([
        { name: 'flaky', state: 'open', failures: 2 },
        { name: 'sandbox', state: 'closed', failures: 0 },
      ]);

      const account = org.Accounts[0]!;
      expect(await client.getRecord('Accounts', account.id)).toMatchObject({ Account_Name: account.Account_Name });
      expect(flaky.seen, 'an open tier is not called').toHaveLength(2);
    });
  }

  it('probes the first tier again after the cool-down and returns to it once it is healthy', async () => {
    flaky = await flakyZoho('503');
    const { client, advance } = tieredOver(flaky.url);
    await client.listUsers();
    flaky.mode = 'healthy';
    advance(30_000);
    expect(client.tierStatus()[0]?.state).toBe('half-open');
    expect(await client.listUsers()).toEqual([{ id: '1', full_name: 'Healed' }]);
    expect(client.tierStatus()[0]).toMatchObject({ state: 'closed', failures: 0 });
  });

  it('sends a create to a tier answering 503 exactly once, and not to the sandbox either', async () => {
    flaky = await flakyZoho('503');
    const { client, second } = tieredOver(flaky.url);
    const key = `sergas-503-${Date.now()}`;
    const create = client.createRecords('Tasks', [{ Subject: 'Call back', Sergas_Key: key }]);
    await expect(create).rejects.toBeInstanceOf(RetryableUpstreamError);
    await expect(create).rejects.toThrow(/HTTP 503/);
    expect(flaky.seen).toEqual(['POST /crm/v8/Tasks']);
    expect(second.apiCalls).toBe(0);
    expect(sandbox.store.search('Tasks', `(Sergas_Key:equals:${key})`)).toEqual([]);
  });

  it('sends a create to the sandbox when the first tier refuses the connection, since nothing was sent', async () => {
    const { client } = tieredOver(await refusingAddress());
    const key = `sergas-refused-${Date.now()}`;
    const [result] = await client.createRecords('Tasks', [{ Subject: 'Call back', Sergas_Key: key }]);
    expect(result).toMatchObject({ status: 'success', code: 'SUCCESS' });
    expect(sandbox.store.search('Tasks', `(Sergas_Key:equals:${key})`)).toHaveLength(1);
  });

  it('throws RetryableUpstreamError naming both tiers when neither answers', async () => {
    flaky = await flakyZoho('503');
    const refusing = await refusingAddress();
    let now = 0;
    const client = new TieredCrmClient({
      tiers: [
        { name: 'flaky', client: sandbox.client({ apiDomain: flaky.url, retries: 0 }).client },
        { name: 'refusing', client: sandbox.client({ apiDomain: refusing, retries: 0 }).client },
      ],
      now: () => now++,
      sleep: async () => {},
    });
    const read = client.listRecords('Accounts', { fields: ['Account_Name'] });
    await expect(read).rejects.toBeInstanceOf(RetryableUpstreamError);
    await expect(read).rejects.toThrow(/every tier \(flaky: .*HTTP 503; refusing: .*ECONNREFUSED/);
  });

  it('feeds the credit budget from the X-API-CREDITS-REMAINING of real responses', async () => {
    flaky = await flakyZoho('healthy');
    const budget = new CreditBudget({ dailyCredits: 5000, backgroundReserve: 500, maxWaitMs: 0 });
    const { client } = tieredOver(flaky.url, { budget });
    await client.listUsers();
    expect((await budget.snapshot()).remaining).toBe(120);
    await expect(budget.admit('background')).rejects.toBeInstanceOf(CrmRateLimitedError);
    await expect(budget.admit('urgent')).resolves.toBeUndefined();
  });
});
