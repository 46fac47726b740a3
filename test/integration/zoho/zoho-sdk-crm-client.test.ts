import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SANDBOX_ADMIN_SECRET, SANDBOX_ADMIN_HEADER } from '../../../local/zoho-sandbox/sandbox-faults.ts';
import { loadSandboxFile, type SandboxOrg } from '../../../local/zoho-sandbox/sandbox-org.ts';
import { DEFAULT_SANDBOX_CREDENTIALS } from '../../../local/zoho-sandbox/sandbox-server.ts';
import { MemoryCache } from '../../../shared/adapters/cache/memory-cache.ts';
import { lazyZohoSdkCrmClient } from '../../../shared/adapters/zoho/lazy-crm-client.ts';
import { TieredCrmClient, type TierFailure } from '../../../shared/adapters/zoho/tiered-crm-client.ts';
import { ZohoMcpClient } from '../../../shared/adapters/zoho/zoho-mcp-client.ts';
import { ZohoSdkCrmClient } from '../../../shared/adapters/zoho/zoho-sdk-crm-client.ts';
import { loadConfig } from '../../../shared/config/config.ts';
import { CrmRequestError, RetryableUpstreamError } from '../../../shared/errors.ts';
import type { CrmModule } from '../../../shared/ports/crm-client.ts';
import type { Db } from '../../../shared/ports/db.ts';
import type { WorkflowEngine } from '../../../shared/ports/workflow-engine.ts';
import { assembleContainer } from '../../../shared/runtime/container.ts';
import { type RunningSandbox, SMALL_ORG_FILE, startSandbox } from './sandbox-harness.ts';

let org: SandboxOrg;
let sandbox: RunningSandbox;
let resources: string;

beforeAll(async () => {
  org = await loadSandboxFile(SMALL_ORG_FILE);
  resources = await mkdtemp(join(tmpdir(), 'sergas-zoho-sdk-'));
});

const mcpClients: ZohoMcpClient[] = [];

afterEach(async () => {
  await Promise.all(mcpClients.splice(0).map((client) => client.close()));
  await sandbox?.close();
});

afterAll(async () => {
  await rm(resources, { recursive: true, force: true });
});

const byId = (a: { id: string }, b: { id: string }) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1);

/** A client with a cache directory of its own, so each test sees the SDK fetch metadata afresh. */
function sdkClient(): ZohoSdkCrmClient {
  return new ZohoSdkCrmClient({
    apiDomain: sandbox.url,
    accountsUrl: sandbox.url,
    ...DEFAULT_SANDBOX_CREDENTIALS,
    resourcePath: join(resources, randomBytes(4).toString('hex')),
  });
}

/** Switches the sandbox's MCP endpoint off (503) while its REST API keeps answering. */
async function mcpOutage(): Promise<void> {
  const response = await fetch(`${sandbox.url}/sandbox/admin/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', [SANDBOX_ADMIN_HEADER]: DEFAULT_SANDBOX_ADMIN_SECRET },
    body: JSON.stringify({ mcpOutage: true }),
  });
  expect(response.status).toBe(200);
}

function mcpClient(): ZohoMcpClient {
  const client = new ZohoMcpClient({ url: sandbox.mcpUrl, timeoutMs: 5000 });
  mcpClients.push(client);
  return client;
}

const LIST = { fields: ['Account_Name', 'Owner'], perPage: 3, sortBy: 'id', sortOrder: 'asc' } as const;

// The SDK keeps one Initializer per process; tests in a file run one after another.
describe('the Zoho SDK client against the sandbox', () => {
  it('lists a page with only the requested fields, sorted by id, saying whether more records follow', async () => {
    sandbox = await startSandbox(org);
    const client = sdkClient();
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

  it('pages through a module with page_token', async () => {
    sandbox = await startSandbox(org);
    const client = sdkClient();
    const ids: string[] = [];
    let pageToken: string | undefined;
    for (let pages = 0; pages < 10; pages += 1) {
      const page = await client.listRecords('Accounts', {
        fields: ['Account_Name'],
        perPage: 2,
        sortBy: 'id',
        sortOrder: 'asc',
        ...(pageToken ? { pageToken } : {}),
      });
      ids.push(...page.records.map((r) => r.id));
      if (!page.nextPageToken) break;
      pageToken = page.nextPageToken;
    }
    expect(ids).toEqual([...org.Accounts].sort(byId).map((a) => a.id));
  });

  it('answers notModified for If-Modified-Since after the last change', async () => {
    sandbox = await startSandbox(org);
    const page = await sdkClient().listRecords('Accounts', {
      fields: ['Account_Name'],
      ifModifiedSince: new Date('2099-01-01'),
    });
    expect(page).toMatchObject({ records: [], notModified: true });
  });

  it('gets one record, and null for an id that does not exist', async () => {
    sandbox = await startSandbox(org);
    const client = sdkClient();
    const account = org.Accounts[0]!;
    expect(await client.getRecord('Accounts', account.id)).toMatchObject({ Account_Name: account.Account_Name });
    expect(await client.getRecord('Accounts', '5725767999999999999')).toBeNull();
  });

  it('reads an account’s contacts and a deal’s Stage_History related lists', async () => {
    sandbox = await startSandbox(org);
    const client = sdkClient();
    const account = org.Accounts[0]!;
    const contacts = await client.relatedRecords('Accounts', account.id, 'Contacts', ['Last_Name', 'Account_Name']);
    const expected = org.Contacts.filter((c) => (c.Account_Name as { id?: string } | null)?.id === account.id);
    expect(contacts.map((c) => c.id).sort()).toEqual(expected.map((c) => c.id).sort());
    const entry = org.Stage_History[0]!;
    const history = await client.relatedRecords('Deals', entry.Deal.id, 'Stage_History', ['Stage', 'Modified_Time']);
    const stages = org.Stage_History.filter((h) => h.Deal.id === entry.Deal.id).map((h) => h.Stage);
    expect(history.map((h) => h.Stage).sort()).toEqual(stages.sort());
    expect(await client.relatedRecords('Deals', '5725767999999999999', 'Stage_History', ['Stage'])).toEqual([]);
  });

  it('finds records by search criteria, and none as empty', async () => {
    sandbox = await startSandbox(org);
    const client = sdkClient();
    const account = org.Accounts[0]!;
    const found = await client.searchRecords('Accounts', `(Account_Name:equals:${account.Account_Name})`, [
      'Account_Name',
    ]);
    expect(found.map((r) => r.id)).toContain(account.id);
    expect(await client.searchRecords('Accounts', '(Account_Name:equals:No such account)')).toEqual([]);
  });

  it('answers the same plain JSON as the REST client', async () => {
    sandbox = await startSandbox(org);
    const sdk = sdkClient();
    const { client: rest } = sandbox.client();
    const fields = ['Account_Name', 'Owner', 'Industry', 'Modified_Time', 'Parent_Account', 'Annual_Revenue'];
    const options = { fields, perPage: 3, sortBy: 'id' as const, sortOrder: 'asc' as const };
    const [a, b] = [await sdk.listRecords('Accounts', options), await rest.listRecords('Accounts', options)];
    expect(a.records).toEqual(b.records);
    const account = org.Accounts[0]!;
    expect(await sdk.getRecord('Accounts', account.id, fields)).toEqual(
      await rest.getRecord('Accounts', account.id, fields),
    );
    expect(await sdk.relatedRecords('Accounts', account.id, 'Contacts', ['Full_Name', 'Email'])).toEqual(
      await rest.relatedRecords('Accounts', account.id, 'Contacts', ['Full_Name', 'Email']),
    );
    expect((await sdk.listUsers()).sort(byId)).toEqual((await rest.listUsers()).sort(byId));
  });

  it('creates a task and a note from plain Zoho JSON, and they can be read back', async () => {
    sandbox = await startSandbox(org);
    const client = sdkClient();
    const account = org.Accounts[0]!;
    const key = `sergas-${randomBytes(4).toString('hex')}`;
    const [task] = await client.createRecords('Tasks', [
      {
        Subject: 'Call back about the renewal',
        Description: 'From the SDK tier',
        Due_Date: '2026-12-01',
        Status: 'Not Started',
        Priority: 'High',
        Owner: { id: org.users[0]!.id },
        What_Id: { id: account.id, name: account.Account_Name },
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
      Due_Date: '2026-12-01',
      Status: 'Not Started',
      Priority: 'High',
      Owner: { id: org.users[0]!.id },
      What_Id: { id: account.id },
      Sergas_Key: key,
    });
    expect(await client.searchRecords('Tasks', `(Sergas_Key:equals:${key})`)).toHaveLength(1);
  });

  it('answers a per-record error for the record Zoho refuses and success for the others', async () => {
    sandbox = await startSandbox(org);
    const results = await sdkClient().createRecords('Tasks', [{ Subject: 'Valid' }, { Due_Date: '2026-12-01' }]);
    expect(results.map((r) => [r.status, r.code])).toEqual([
      ['success', 'SUCCESS'],
      ['error', 'MANDATORY_NOT_FOUND'],
    ]);
  });

  it('maps a refused request to CrmRequestError with Zoho’s code', async () => {
    sandbox = await startSandbox(org);
    const client = sdkClient();
    const badModule = await client.listRecords('Leeds' as CrmModule, { fields: ['id'] }).catch((e: unknown) => e);
    expect(badModule).toBeInstanceOf(CrmRequestError);
  });

  it('reports Zoho answering 5xx as retryable, so the tiered client fails over instead of giving up', async () => {
    sandbox = await startSandbox(org);
    const client = sdkClient();
    await fetch(`${sandbox.url}/sandbox/admin/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', [SANDBOX_ADMIN_HEADER]: DEFAULT_SANDBOX_ADMIN_SECRET },
      body: JSON.stringify({ errorRate: 1 }),
    });
    const error = await client.getRecord('Accounts', org.Accounts[0]!.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableUpstreamError);
  });

  it('refreshes a token the server no longer accepts once, and retries the call', async () => {
    sandbox = await startSandbox(org, { accessTokenTtlSeconds: 60 });
    const client = sdkClient();
    await client.listUsers();
    // The SDK still trusts the token by the real clock; the sandbox's clock says it died.
    sandbox.advanceClock(61);
    const account = org.Accounts[0]!;
    expect(await client.getRecord('Accounts', account.id)).toMatchObject({ id: account.id });
  });

  it('counts the metadata calls the SDK makes besides the one asked for', async () => {
    sandbox = await startSandbox(org);
    const client = sdkClient();
    await client.listRecords('Accounts', { fields: ['Account_Name'] });
    expect(client.apiCalls).toBe(2); // GET /settings/fields?module=Accounts, then GET /Accounts
    await client.listRecords('Accounts', { fields: ['Account_Name'] });
    expect(client.apiCalls).toBe(3); // the field metadata is cached under resourcePath
    const account = org.Accounts[0]!;
    await client.relatedRecords('Accounts', account.id, 'Contacts', ['Last_Name']);
    // GET /settings/related_lists?module=Accounts, /settings/fields?module=Contacts, then the list itself.
    expect(client.apiCalls).toBe(6);
    await client.relatedRecords('Accounts', account.id, 'Contacts', ['Last_Name']);
    expect(client.apiCalls).toBe(7);
  });
});

describe('the SDK as the tier between MCP and REST', () => {
  it('serves the reads of an MCP outage, loaded on its first call, so REST is not reached', async () => {
    sandbox = await startSandbox(org);
    const sdk = lazyZohoSdkCrmClient({
      apiDomain: sandbox.url,
      accountsUrl: sandbox.url,
      ...DEFAULT_SANDBOX_CREDENTIALS,
      resourcePath: join(resources, randomBytes(4).toString('hex')),
    });
    const { client: rest } = sandbox.client({ retries: 0 });
    const failures: TierFailure[] = [];
    const tiered = new TieredCrmClient({
      tiers: [
        { name: 'mcp', client: mcpClient() },
        { name: 'sdk', client: sdk },
        { name: 'rest', client: rest },
      ],
      sleep: async () => {},
      onTierFailure: (failure) => failures.push(failure),
    });
    await mcpOutage();
    expect(sdk.loaded).toBe(false);

    const page = await tiered.listRecords('Accounts', LIST);
    const account = org.Accounts[0]!;
    const contacts = await tiered.relatedRecords('Accounts', account.id, 'Contacts', ['Last_Name']);

    expect(sdk.loaded).toBe(true);
    expect(sdk.apiCalls).toBeGreaterThan(0);
    expect(rest.apiCalls).toBe(0);
    expect(new Set(failures.map(({ tier, failingOver }) => `${tier} ${failingOver}`))).toEqual(new Set(['mcp true']));
    expect(page.records).toEqual((await rest.listRecords('Accounts', LIST)).records);
    expect(contacts.map((c) => c.id).sort()).toEqual(
      (await rest.relatedRecords('Accounts', account.id, 'Contacts', ['Last_Name'])).map((c) => c.id).sort(),
    );
  });

  it('is put between MCP and REST by the container when ZOHO_SDK_TIER is true, and only then', async () => {
    sandbox = await startSandbox(org);
    const home = join(resources, randomBytes(4).toString('hex'));
    const container = (ZOHO_SDK_TIER: string) =>
      assembleContainer({
        config: loadConfig({ SERGAS_HOME: home, ZOHO_SDK_TIER }),
        // The CRM tiers never touch the database or the workflow engine.
        db: {} as Db,
        cache: new MemoryCache(),
        zoho: {
          accountsUrl: sandbox.url,
          apiDomain: sandbox.url,
          mcpUrl: sandbox.mcpUrl,
          ...DEFAULT_SANDBOX_CREDENTIALS,
        },
        workflow: () => ({}) as WorkflowEngine,
      });
    const tierNames = (c: ReturnType<typeof container>) =>
      c
        .crmTiers()
        .map((tier) => tier.name)
        .filter((name) => name !== 'bulk-read');
    const off = container('false');
    expect(tierNames(off)).toEqual(['mcp', 'rest']);
    await off.close();

    const on = container('true');
    expect(tierNames(on)).toEqual(['mcp', 'sdk', 'rest']);
    await mcpOutage();
    expect((await on.crm.listRecords('Accounts', LIST)).records).toHaveLength(3);
    const [mcp, sdk, rest] = on.crmTiers();
    expect(mcp).toMatchObject({ name: 'mcp', lastError: expect.any(String) });
    expect(sdk).toMatchObject({ name: 'sdk', failures: 0, lastError: null });
    expect(rest).toMatchObject({ name: 'rest', failures: 0, lastError: null });
    // The SDK answered: it cached the org's field metadata under the home directory.
    expect((await readdir(join(home, 'zoho-sdk', 'resources'))).length).toBeGreaterThan(0);
    await on.close();
  });
});
