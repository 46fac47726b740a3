import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoOrg } from '../../../local/zoho-sandbox/demo-org-generator.ts';
import { emptySandboxOrg, type SandboxOrg } from '../../../local/zoho-sandbox/sandbox-org.ts';
import { type SandboxServer, startSandboxServer } from '../../../local/zoho-sandbox/sandbox-server.ts';
import { SandboxStore } from '../../../local/zoho-sandbox/sandbox-store.ts';
import { zohoDateTime, zohoId } from '../../../local/zoho-sandbox/zoho-formats.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are whatever the sandbox sent; the assertions check them.
type Json = Record<string, any>;

const AS_OF = new Date('2026-11-24T09:00:00Z');
const DAY_MS = 24 * 60 * 60 * 1000;
const GRANT = {
  grant_type: 'refresh_token',
  client_id: 'sandbox-client',
  client_secret: 'sandbox-secret',
  refresh_token: 'sandbox-refresh-token',
};

/** A sandbox over its own store, with a clock the test moves and a bearer token to call it with. */
interface Running {
  server: SandboxServer;
  store: SandboxStore;
  bearer: string;
  close(): Promise<void>;
}

let now = AS_OF;
const opened: Running[] = [];

/** A fresh access token, as a client gets one after the hour-long previous one ran out. */
async function bearerFor(server: SandboxServer): Promise<string> {
  const response = await fetch(`${server.url}/oauth/v2/token`, { method: 'POST', body: new URLSearchParams(GRANT) });
  return ((await response.json()) as Json).access_token;
}

async function open(org: SandboxOrg, options: { pageTokenRecordLimit?: number } = {}): Promise<Running> {
  const dir = await mkdtemp(join(tmpdir(), 'sandbox-pagination-'));
  const store = await SandboxStore.open(dir, { now: () => now });
  await store.replace(org);
  const server = await startSandboxServer({ store, ...options });
  const running = {
    server,
    store,
    bearer: await bearerFor(server),
    async close() {
      await server.close();
      await store.flush();
      await rm(dir, { recursive: true, force: true });
    },
  };
  opened.push(running);
  return running;
}

// 600 accounts give 3,294 calls: well past the 2,000 records page numbers can reach.
let demo: SandboxOrg;
let sandbox: Running;

beforeAll(async () => {
  demo = generateDemoOrg({ accounts: 600, seed: 1, asOf: AS_OF });
  sandbox = await open(demo);
});

afterAll(async () => {
  await Promise.all(opened.map((running) => running.close()));
});

function get(path: string, params: Record<string, string | number>, target = sandbox): Promise<Response> {
  const query = new URLSearchParams(Object.entries(params).map(([key, value]) => [key, String(value)]));
  return fetch(`${target.server.url}/crm/v8/${path}?${query}`, {
    headers: { Authorization: `Zoho-oauthtoken ${target.bearer}` },
  });
}

async function page(path: string, params: Record<string, string | number>, target = sandbox): Promise<Json> {
  const response = await get(path, params, target);
  expect(response.status).toBe(200);
  return (await response.json()) as Json;
}

async function expectError(response: Response, code: string): Promise<Json> {
  expect(response.status).toBe(400);
  const body = (await response.json()) as Json;
  expect(body).toMatchObject({ code, status: 'error' });
  expect(Object.keys(body).sort()).toEqual(['code', 'details', 'message', 'status']);
  return body;
}

/** Every record of a list the way a client must fetch it: pages 1–10, then next_page_token. */
async function listAll(path: string, params: Record<string, string | number>, target = sandbox): Promise<Json[]> {
  const records: Json[] = [];
  let body = await page(path, { ...params, page: 1 }, target);
  records.push(...body.data);
  for (let n = 2; body.info.more_records && n <= 10; n++) {
    body = await page(path, { ...params, page: n }, target);
    records.push(...body.data);
  }
  while (body.info.more_records) {
    body = await page(path, { ...params, page_token: body.info.next_page_token }, target);
    records.push(...body.data);
  }
  expect(body.info).toMatchObject({ more_records: false, next_page_token: null, page_token_expiry: null });
  return records;
}

const CALLS = { fields: 'Subject', per_page: 200, sort_by: 'id', sort_order: 'asc' };

describe('paging past 2,000 records with page numbers', () => {
  it('serves page 10 of 200, the last one page numbers reach', async () => {
    const body = await page('Calls', { ...CALLS, page: 10 });
    expect(body.data).toHaveLength(200);
    expect(body.info).toMatchObject({ page: 10, count: 200, more_records: true, previous_page_token: null });
  });

  it('refuses page 11 of 200 with 400 DISCRETE_PAGINATION_LIMIT_EXCEEDED', async () => {
    const body = await expectError(await get('Calls', { ...CALLS, page: 11 }), 'DISCRETE_PAGINATION_LIMIT_EXCEEDED');
    expect(body.details).toEqual({ limit: 2000 });
  });

  it('refuses any page that would end past record 2,000, whatever per_page is', async () => {
    expect((await get('Calls', { ...CALLS, per_page: 150, page: 13 })).status).toBe(200);
    await expectError(await get('Calls', { ...CALLS, per_page: 150, page: 14 }), 'DISCRETE_PAGINATION_LIMIT_EXCEEDED');
  });

  it('refuses the page even when the list is shorter, since the limit is on the request', async () => {
    await expectError(
      await get('Accounts', { fields: 'Account_Name', page: 11 }),
      'DISCRETE_PAGINATION_LIMIT_EXCEEDED',
    );
  });
});

describe('paging with next_page_token', () => {
  it('hands out a token valid for 24 hours by the store clock on every page with records after it', async () => {
    const body = await page('Calls', { ...CALLS, page: 1 });
    expect(body.info.next_page_token).toEqual(expect.any(String));
    expect(body.info.page_token_expiry).toBe(zohoDateTime(new Date(now.getTime() + DAY_MS)));
  });

  it('continues from page 1 exactly where page 2 starts', async () => {
    const first = await page('Calls', { ...CALLS, page: 1 });
    const viaToken = await page('Calls', { ...CALLS, page_token: first.info.next_page_token });
    const second = await page('Calls', { ...CALLS, page: 2 });
    expect(viaToken.data).toEqual(second.data);
    expect(viaToken.info).toMatchObject({ page: 2, count: 200 });
  });

  it('reaches every record exactly once when followed from page 10', async () => {
    const records = await listAll('Calls', CALLS);
    const ids = records.map((record) => record.id);
    expect(ids).toHaveLength(demo.Calls.length);
    expect(new Set(ids).size).toBe(demo.Calls.length);
    expect([...ids].sort()).toEqual(demo.Calls.map((call) => call.id).sort());
  });

  it('keeps the default id-descending order across the switch to tokens', async () => {
    const ids = (await listAll('Contacts', { fields: 'Last_Name' })).map((record) => record.id);
    expect(ids).toHaveLength(demo.Contacts.length);
    expect(ids).toEqual(demo.Contacts.map((contact) => contact.id).sort((a, b) => (a < b ? 1 : -1)));
  });

  it('sorts ties by id, so records sharing a Modified_Time are neither repeated nor skipped', async () => {
    const owner = { id: zohoId(1), name: 'Ada Admin', email: 'ada@example.com' };
    const stamp = '2026-11-01T12:00:00+00:00';
    const org: SandboxOrg = {
      ...emptySandboxOrg(),
      users: [{ id: owner.id, full_name: owner.name, email: owner.email }],
      Accounts: Array.from({ length: 2500 }, (_, i) => ({
        id: zohoId(1000 + ((i * 7919) % 2500)),
        Owner: owner,
        Account_Name: `Account ${i}`,
        Created_Time: stamp,
        Modified_Time: i % 2 === 0 ? stamp : '2026-11-02T12:00:00+00:00',
      })),
    };
    const tied = await open(org);
    const records = await listAll(
      'Accounts',
      { fields: 'Modified_Time', sort_by: 'Modified_Time', sort_order: 'asc' },
      tied,
    );
    const ids = records.map((record) => record.id);
    expect(new Set(ids).size).toBe(2500);
    const expected = [...org.Accounts]
      .sort((a, b) => Date.parse(a.Modified_Time!) - Date.parse(b.Modified_Time!) || (a.id < b.id ? -1 : 1))
      .map((account) => account.id);
    expect(ids).toEqual(expected);
  });

  it('pages a related list with its own tokens', async () => {
    const account = demo.Accounts.find(
      (candidate) =>
        demo.Calls.filter((call) => call.$se_module === 'Accounts' && call.What_Id?.id === candidate.id).length >= 3,
    )!;
    const params = { fields: 'Subject', per_page: 2 };
    const first = await page(`Accounts/${account.id}/Calls`, { ...params, page: 1 });
    const second = await page(`Accounts/${account.id}/Calls`, { ...params, page_token: first.info.next_page_token });
    expect(second.data).toEqual((await page(`Accounts/${account.id}/Calls`, { ...params, page: 2 })).data);
    await expectError(
      await get('Calls', { ...params, page_token: first.info.next_page_token }),
      'TOKEN_BOUND_DATA_MISMATCH',
    );
  });
});

describe('refusing a page_token', () => {
  async function tokenFromPage10(params: Record<string, string | number> = CALLS): Promise<string> {
    return (await page('Calls', { ...params, page: 10 })).info.next_page_token;
  }

  it('refuses page together with page_token with 400 AMBIGUITY_DURING_PROCESSING', async () => {
    const token = await tokenFromPage10();
    await expectError(await get('Calls', { ...CALLS, page: 11, page_token: token }), 'AMBIGUITY_DURING_PROCESSING');
  });

  it.each([
    ['fields', { ...CALLS, fields: 'Subject,Call_Type' }],
    ['sort_by', { ...CALLS, sort_by: 'Modified_Time' }],
    ['sort_order', { ...CALLS, sort_order: 'desc' }],
    ['per_page', { ...CALLS, per_page: 100 }],
  ])('refuses a token sent with a different %s with 400 TOKEN_BOUND_DATA_MISMATCH', async (_param, changed) => {
    const token = await tokenFromPage10();
    const body = await expectError(await get('Calls', { ...changed, page_token: token }), 'TOKEN_BOUND_DATA_MISMATCH');
    expect(body.details).toEqual({ param_name: 'page_token' });
  });

  it('refuses a token for another module with 400 TOKEN_BOUND_DATA_MISMATCH', async () => {
    const token = await tokenFromPage10();
    await expectError(await get('Tasks', { ...CALLS, page_token: token }), 'TOKEN_BOUND_DATA_MISMATCH');
  });

  it('accepts a token until 24 hours have passed, then refuses it with 400 EXPIRED_VALUE', async () => {
    const token = await tokenFromPage10();
    const issuedAt = now;
    try {
      now = new Date(issuedAt.getTime() + DAY_MS - 1000);
      const later = { ...sandbox, bearer: await bearerFor(sandbox.server) };
      expect((await get('Calls', { ...CALLS, page_token: token }, later)).status).toBe(200);
      now = new Date(issuedAt.getTime() + DAY_MS);
      const body = await expectError(await get('Calls', { ...CALLS, page_token: token }, later), 'EXPIRED_VALUE');
      expect(body.details).toEqual({ param_name: 'page_token' });
    } finally {
      now = issuedAt;
    }
  });

  it.each([
    ['nonsense', () => 'not-a-token'],
    ['a tampered payload', (token: string) => `${token.slice(0, 5)}${token[5] === 'A' ? 'B' : 'A'}${token.slice(6)}`],
    ['a tampered signature', (token: string) => `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`],
    ['an extra part', (token: string) => `${token}.more`],
  ])('refuses %s with 400 INVALID_DATA', async (_what, garble) => {
    const token = await tokenFromPage10();
    const body = await expectError(await get('Calls', { ...CALLS, page_token: garble(token) }), 'INVALID_DATA');
    expect(body.details).toEqual({ param_name: 'page_token' });
  });

  it('refuses a token another sandbox store issued with 400 INVALID_DATA', async () => {
    const other = await open(generateDemoOrg({ accounts: 400, seed: 1, asOf: AS_OF }));
    const foreign = (await page('Calls', { ...CALLS, page: 10 }, other)).info.next_page_token;
    await expectError(await get('Calls', { ...CALLS, page_token: foreign }), 'INVALID_DATA');
  });

  it('honours a token from another server over the same store', async () => {
    const twin = await startSandboxServer({ store: sandbox.store });
    try {
      const token = await tokenFromPage10();
      const viaTwin = { ...sandbox, server: twin, bearer: await bearerFor(twin) };
      const body = await page('Calls', { ...CALLS, page_token: token }, viaTwin);
      expect(body.info).toMatchObject({ page: 11, count: 200 });
    } finally {
      await twin.close();
    }
  });

  it('refuses to go past the token record limit with 400 PAGINATION_LIMIT_EXCEEDED', async () => {
    // Zoho's limit is 100,000; a lower one reaches the same refusal with the demo org.
    const capped = await open(demo, { pageTokenRecordLimit: 2300 });
    let body = await page('Calls', { ...CALLS, page: 10 }, capped);
    body = await page('Calls', { ...CALLS, page_token: body.info.next_page_token }, capped);
    expect(body.info).toMatchObject({ page: 11, count: 200, more_records: true });
    body = await page('Calls', { ...CALLS, page_token: body.info.next_page_token }, capped);
    expect(body.info).toMatchObject({ page: 12, count: 100, more_records: true });
    const refused = await expectError(
      await get('Calls', { ...CALLS, page_token: body.info.next_page_token }, capped),
      'PAGINATION_LIMIT_EXCEEDED',
    );
    expect(refused.details).toEqual({ limit: 2300 });
  });
});
