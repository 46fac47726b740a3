import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadSandboxFile, type SandboxOrg } from '../../../local/zoho-sandbox/sandbox-org.ts';
import { MemoryCache } from '../../../shared/adapters/cache/memory-cache.ts';
import { RedisCache } from '../../../shared/adapters/cache/redis-cache.ts';
import { ZohoOAuth } from '../../../shared/adapters/zoho/zoho-oauth.ts';
import { ZohoRestClient } from '../../../shared/adapters/zoho/zoho-rest-client.ts';
import { CrmRequestError } from '../../../shared/errors.ts';
import type { CrmModule } from '../../../shared/ports/crm-client.ts';
import { type RunningSandbox, SMALL_ORG_FILE, startSandbox } from './sandbox-harness.ts';

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let org: SandboxOrg;
let sandbox: RunningSandbox;

beforeAll(async () => {
  org = await loadSandboxFile(SMALL_ORG_FILE);
});

afterEach(async () => {
  await sandbox?.close();
});

const byId = (a: { id: string }, b: { id: string }) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1);

describe('the Zoho REST client against the sandbox', () => {
  it('gets a token with the refresh grant and calls the api_domain that came with it', async () => {
    sandbox = await startSandbox(org);
    const { client, oauth } = sandbox.client();
    const users = await client.listUsers();
    expect(users.map((u) => u.id).sort()).toEqual(org.users.map((u) => u.id).sort());
    expect(oauth.tokenRequests).toBe(1);
    expect((await oauth.accessToken()).apiDomain).toBe(sandbox.url);
  });

  it('lists a page with only the requested fields, sorted by id, saying whether more records follow', async () => {
    sandbox = await startSandbox(org);
    const { client } = sandbox.client();
    const page = await client.listRecords('Accounts', {
      fields: ['Account_Name', 'Owner'],
      perPage: 2,
      sortBy: 'id',
      sortOrder: 'asc',
    });
    const expected = [...org.Accounts].sort(byId).slice(0, 2);
    expect(page.records.map((r) => r.id)).toEqual(expected.map((a) => a.id));
    expect(Object.keys(page.records[0] ?? {}).sort()).toEqual(['Account_Name', 'Owner', 'id']);
    expect(page.moreRecords).toBe(org.Accounts.length > 2);
  });

  it('lists an empty page past the last record as no records', async () => {
    sandbox = await startSandbox(org);
    const { client } = sandbox.client();
    const page = await client.listRecords('Accounts', { fields: ['Account_Name'], page: 9 });
    expect(page).toMatchObject({ records: [], moreRecords: false });
  });

  it('gets one record, and null for an id that does not exist', async () => {
    sandbox = await startSandbox(org);
    const { client } = sandbox.client();
    const account = org.Accounts[0]!;
    expect(await client.getRecord('Accounts', account.id)).toMatchObject({ Account_Name: account.Account_Name });
    expect(await client.getRecord('Accounts', '5725767999999999999')).toBeNull();
  });

  it('reads a deal’s whole Stage_History related list', async () => {
    sandbox = await startSandbox(org);
    const { client } = sandbox.client();
    const entry = org.Stage_History[0];
    expect(entry, 'the fixture has stage history').toBeDefined();
    const dealId = entry!.Deal.id;
    const history = await client.relatedRecords('Deals', dealId, 'Stage_History', ['Stage', 'Modified_Time']);
    const expected = org.Stage_History.filter((h) => h.Deal.id === dealId);
    expect(history.map((h) => h.Stage).sort()).toEqual(expected.map((h) => h.Stage).sort());
  });

  it('reads a related list with no records as empty', async () => {
    sandbox = await startSandbox(org);
    const { client } = sandbox.client();
    expect(await client.relatedRecords('Deals', '5725767999999999999', 'Stage_History', ['Stage'])).toEqual([]);
  });

  it('finds records by search criteria', async () => {
    sandbox = await startSandbox(org);
    const { client } = sandbox.client();
    const account = org.Accounts[0]!;
    const found = await client.searchRecords('Accounts', `(Account_Name:equals:${account.Account_Name})`, [
      'Account_Name',
    ]);
    expect(found.map((r) => r.id)).toContain(account.id);
  });

  it('creates a task and a note, answering their new ids, and they can be read back', async () => {
    sandbox = await startSandbox(org);
    const { client } = sandbox.client();
    const account = org.Accounts[0]!;
    const key = `sergas-${randomBytes(4).toString('hex')}`;
    const [task] = await client.createRecords('Tasks', [
      {
        Subject: 'Call back about the renewal',
        Due_Date: '2026-12-01',
        Status: 'Not Started',
        What_Id: { id: account.id },
        $se_module: 'Accounts',
        Sergas_Key: key,
      },
    ]);
    const [note] = await client.createRecords('Notes', [
      {
        Note_Title: 'Sergas',
        Note_Content: 'Renewal risk discussed.',
        Parent_Id: { module: { api_name: 'Accounts' }, id: account.id },
      },
    ]);
    expect(task).toMatchObject({ status: 'success', code: 'SUCCESS' });
    expect(note).toMatchObject({ status: 'success', code: 'SUCCESS' });
    expect(await client.getRecord('Tasks', task!.id!)).toMatchObject({
      Subject: 'Call back about the renewal',
      Sergas_Key: key,
    });
    expect(await client.searchRecords('Tasks', `(Sergas_Key:equals:${key})`)).toHaveLength(1);
  });

  it('answers a per-record error for the record Zoho refuses and success for the others', async () => {
    sandbox = await startSandbox(org);
    const { client } = sandbox.client();
    const results = await client.createRecords('Tasks', [{ Subject: 'Valid' }, { Due_Date: '2026-12-01' }]);
    expect(results.map((r) => [r.status, r.code])).toEqual([
      ['success', 'SUCCESS'],
      ['error', 'MANDATORY_NOT_FOUND'],
    ]);
    expect(results[1]?.details).toMatchObject({ api_name: 'Subject' });
  });

  it('maps a refused request to CrmRequestError with Zoho’s code', async () => {
    sandbox = await startSandbox(org);
    const { client } = sandbox.client();
    const missingFields = await client.listRecords('Accounts', { fields: [] }).catch((e: unknown) => e);
    expect(missingFields).toBeInstanceOf(CrmRequestError);
    expect((missingFields as CrmRequestError).details).toMatchObject({
      httpStatus: 400,
      code: 'REQUIRED_PARAM_MISSING',
    });
    const badModule = await client.listRecords('Leeds' as CrmModule, { fields: ['id'] }).catch((e: unknown) => e);
    expect((badModule as CrmRequestError).details).toMatchObject({ code: 'INVALID_MODULE' });
  });

  it('refreshes an expired token once and retries the call', async () => {
    sandbox = await startSandbox(org, { accessTokenTtlSeconds: 60 });
    const { client, oauth } = sandbox.client();
    await client.listUsers();
    // Our cache still trusts the token (54 s by the real clock); the sandbox's clock says it died.
    sandbox.advanceClock(61);
    const account = org.Accounts[0]!;
    expect(await client.getRecord('Accounts', account.id)).toMatchObject({ id: account.id });
    expect(oauth.tokenRequests).toBe(2);
  });

  it('fails with the OAuth error when the client credentials are wrong', async () => {
    sandbox = await startSandbox(org);
    const oauth = new ZohoOAuth(sandbox.oauthConfig({ clientSecret: 'wrong' }), { cache: new MemoryCache() });
    const client = new ZohoRestClient({ tokens: oauth });
    const error = await client.listUsers().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CrmRequestError);
    expect((error as Error).message).toContain('invalid_client');
  });

  it('counts every API call it makes', async () => {
    sandbox = await startSandbox(org);
    const { client } = sandbox.client();
    await client.listUsers();
    await client.getRecord('Accounts', org.Accounts[0]!.id);
    expect(client.apiCalls).toBe(2);
  });
});

describe('tokens shared through Redis', () => {
  const caches: RedisCache[] = [];
  afterAll(async () => {
    await Promise.all(caches.map((cache) => cache.close()));
  });

  it('lets a second process reuse the first one’s token instead of minting its own', async () => {
    sandbox = await startSandbox(org);
    const prefix = `sergas-test:${randomBytes(4).toString('hex')}:`;
    const processes = [RedisCache.connect(redisUrl, prefix), RedisCache.connect(redisUrl, prefix)];
    caches.push(...processes);
    const [first, second] = processes.map((cache) => sandbox.client({ cache }));
    await first!.client.listUsers();
    await second!.client.listUsers();
    expect([first!.oauth.tokenRequests, second!.oauth.tokenRequests]).toEqual([1, 0]);
  });

  function fiveProcesses() {
    const prefix = `sergas-test:${randomBytes(4).toString('hex')}:`;
    const processes = Array.from({ length: 5 }, () => RedisCache.connect(redisUrl, prefix));
    caches.push(...processes);
    return processes.map((cache) => sandbox.client({ cache, retries: 0 }));
  }
  const tokenRequestsOf = (clients: { oauth: ZohoOAuth }[]) =>
    clients.reduce((sum, { oauth }) => sum + oauth.tokenRequests, 0);

  it('mints one token between five processes that all start at once', async () => {
    sandbox = await startSandbox(org);
    const clients = fiveProcesses();
    await Promise.all(clients.map(({ client }) => client.listUsers()));
    expect(tokenRequestsOf(clients)).toBe(1);
  });

  it('refreshes once between five processes that all see the same token rejected', async () => {
    sandbox = await startSandbox(org, { accessTokenTtlSeconds: 60 });
    const clients = fiveProcesses();
    await Promise.all(clients.map(({ client }) => client.listUsers()));
    sandbox.advanceClock(61);
    const account = org.Accounts[0]!;
    const records = await Promise.all(clients.map(({ client }) => client.getRecord('Accounts', account.id)));
    expect(records.map((record) => record?.id)).toEqual(Array(5).fill(account.id));
    expect(tokenRequestsOf(clients)).toBe(2);
  });
});
