import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_MCP_TOOLS, startSandboxMcpServer } from '../../../local/zoho-sandbox/sandbox-mcp.ts';
import { loadSandboxFile, type SandboxOrg } from '../../../local/zoho-sandbox/sandbox-org.ts';
import { MemoryCache } from '../../../shared/adapters/cache/memory-cache.ts';
import { TieredCrmClient } from '../../../shared/adapters/zoho/tiered-crm-client.ts';
import { ZohoMcpClient } from '../../../shared/adapters/zoho/zoho-mcp-client.ts';
import { ZohoOAuth } from '../../../shared/adapters/zoho/zoho-oauth.ts';
import { ZohoRestClient } from '../../../shared/adapters/zoho/zoho-rest-client.ts';
import { CrmRateLimitedError, CrmRequestError, RetryableUpstreamError } from '../../../shared/errors.ts';
import { type RunningSandbox, SMALL_ORG_FILE, startSandbox } from './sandbox-harness.ts';

// The MCP client against the sandbox's MCP endpoint, side by side with the REST client against the
// sandbox's REST API: both on one real HTTP origin over one SandboxStore, so whatever one tier answers
// the other must answer too. Tests that take an endpoint down start a standalone MCP server of their own.

const KEY = 'test-mcp-key-0123456789';

let org: SandboxOrg;
let sandbox: RunningSandbox;
let rest: ZohoRestClient;
const clients: ZohoMcpClient[] = [];
const servers: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  org = await loadSandboxFile(SMALL_ORG_FILE);
  sandbox = await startSandbox(org, { mcpKey: KEY });
  rest = restClient();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

afterAll(async () => {
  await sandbox.close();
});

/** A REST tier the way the composition root builds one: OAuth through a cache, no retries of its own. */
function restClient(): ZohoRestClient {
  return new ZohoRestClient({
    tokens: new ZohoOAuth(sandbox.oauthConfig(), { cache: new MemoryCache() }),
    retries: 0,
  });
}

function mcpClient(url: string = sandbox.mcpUrl): ZohoMcpClient {
  const client = new ZohoMcpClient({ url, timeoutMs: 5000 });
  clients.push(client);
  return client;
}

const byId = (a: { id: string }, b: { id: string }) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1);
const uniqueKey = (what: string) => `sergas-mcp-${what}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

describe('the Zoho MCP client against the sandbox MCP endpoint', () => {
  it('lists the same page as the REST client, with only the requested fields and the same paging', async () => {
    const client = mcpClient();
    const options = { fields: ['Account_Name', 'Owner'], perPage: 2, sortBy: 'id', sortOrder: 'asc' } as const;
    for (const page of [1, 2, 3]) {
      const overMcp = await client.listRecords('Accounts', { ...options, page });
      const overRest = await rest.listRecords('Accounts', { ...options, page });
      expect(overMcp.records).toEqual(overRest.records);
      expect(overMcp.moreRecords).toBe(overRest.moreRecords);
    }
    const first = await client.listRecords('Accounts', options);
    expect(first.records.map((r) => r.id)).toEqual(
      [...org.Accounts]
        .sort(byId)
        .slice(0, 2)
        .map((a) => a.id),
    );
    expect(Object.keys(first.records[0] ?? {}).sort()).toEqual(['Account_Name', 'Owner', 'id']);
    expect(client.apiCalls).toBe(4);
  });

  it('hands out page tokens that continue the same listing over REST', async () => {
    const options = { fields: ['Last_Name'], perPage: 5, sortBy: 'Modified_Time', sortOrder: 'desc' } as const;
    const first = await mcpClient().listRecords('Contacts', options);
    expect(first.nextPageToken).toEqual(expect.any(String));
    const next = await rest.listRecords('Contacts', { ...options, pageToken: first.nextPageToken ?? '' });
    const all = await rest.listRecords('Contacts', { ...options, perPage: 200 });
    expect([...first.records, ...next.records]).toEqual(all.records.slice(0, 10));
  });

  it('gets the same record as the REST client, whole or by fields, and null for an unknown id', async () => {
    const client = mcpClient();
    const deal = org.Deals[0]!;
    expect(await client.getRecord('Deals', deal.id)).toEqual(await rest.getRecord('Deals', deal.id));
    expect(await client.getRecord('Deals', deal.id, ['Deal_Name', 'Stage'])).toEqual({
      Deal_Name: deal.Deal_Name,
      Stage: deal.Stage,
      id: deal.id,
    });
    expect(await client.getRecord('Deals', '5725767999999999999')).toBeNull();
  });

  it('reads the same related records as the REST client', async () => {
    const client = mcpClient();
    const account = org.Accounts[0]!;
    const deal = org.Deals[0]!;
    const contacts = await client.relatedRecords('Accounts', account.id, 'Contacts', ['Last_Name', 'Email']);
    expect(contacts).toEqual(await rest.relatedRecords('Accounts', account.id, 'Contacts', ['Last_Name', 'Email']));
    expect(contacts.length).toBeGreaterThan(0);
    const history = await client.relatedRecords('Deals', deal.id, 'Stage_History', ['Stage', 'Modified_Time']);
    expect(history).toEqual(await rest.relatedRecords('Deals', deal.id, 'Stage_History', ['Stage', 'Modified_Time']));
  });

  it('finds the same records as the REST client for a search', async () => {
    const client = mcpClient();
    const account = org.Accounts[0]!;
    const criteria = `(Account_Name:equals:${account.Account_Name})`;
    const found = await client.searchRecords('Accounts', criteria, ['Account_Name']);
    expect(found).toEqual(await rest.searchRecords('Accounts', criteria, ['Account_Name']));
    expect(found.map((r) => r.id)).toContain(account.id);
    expect(await client.searchRecords('Tasks', `(Sergas_Key:equals:${uniqueKey('none')})`)).toEqual([]);
  });

  it('creates a task that lands in the store exactly once and reads back over REST', async () => {
    const client = mcpClient();
    const key = uniqueKey('create');
    const account = org.Accounts[0]!;
    const results = await client.createRecords('Tasks', [
      { Subject: 'Send renewal deck', Sergas_Key: key, What_Id: { id: account.id }, $se_module: 'Accounts' },
    ]);
    expect(results).toEqual([
      {
        status: 'success',
        code: 'SUCCESS',
        id: expect.any(String),
        message: 'record added',
        details: expect.anything(),
      },
    ]);
    const stored = sandbox.store.search('Tasks', `(Sergas_Key:equals:${key})`);
    expect(stored.map((task) => task.id)).toEqual([results[0]?.id]);
    expect(await rest.getRecord('Tasks', results[0]?.id ?? '', ['Subject', 'What_Id'])).toMatchObject({
      Subject: 'Send renewal deck',
      What_Id: { id: account.id, name: account.Account_Name },
    });
  });

  it('answers per-record errors of a create as results, not as a failed call', async () => {
    const results = await mcpClient().createRecords('Tasks', [{ Subject: '' }]);
    expect(results).toMatchObject([{ status: 'error', code: 'MANDATORY_NOT_FOUND', id: null }]);
  });

  it('throws CrmRequestError carrying Zoho’s code when a tool refuses the request', async () => {
    const client = mcpClient();
    const search = client.searchRecords('Accounts', 'not criteria at all');
    await expect(search).rejects.toBeInstanceOf(CrmRequestError);
    await expect(search).rejects.toMatchObject({ details: { code: 'INVALID_QUERY' } });
    await expect(client.relatedRecords('Accounts', org.Accounts[0]!.id, 'Nope', ['id'])).rejects.toMatchObject({
      name: 'CrmRequestError',
      details: { code: 'INVALID_DATA', details: { api_name: 'Nope' } },
    });
  });

  it('says listUsers is not supported, without calling Zoho', async () => {
    const client = mcpClient();
    await expect(client.listUsers()).rejects.toMatchObject({
      name: 'CrmRequestError',
      details: { code: 'NOT_SUPPORTED' },
    });
    expect(client.apiCalls).toBe(0);
  });

  it('connects again once the endpoint is back after a failure', async () => {
    const own = await startSandboxMcpServer({ store: sandbox.store, key: KEY });
    const port = Number(new URL(own.url).port);
    const client = mcpClient(own.url);
    const account = org.Accounts[0]!;
    expect(await client.getRecord('Accounts', account.id, ['Account_Name'])).toMatchObject({ id: account.id });
    await own.close();
    await expect(client.getRecord('Accounts', account.id)).rejects.toBeInstanceOf(RetryableUpstreamError);
    servers.push(await startSandboxMcpServer({ store: sandbox.store, key: KEY, port }));
    expect(await client.getRecord('Accounts', account.id, ['Account_Name'])).toMatchObject({ id: account.id });
  });
});

describe('the sandbox MCP endpoint', () => {
  it('refuses a wrong key with a JSON-RPC error and no data', async () => {
    const wrong = sandbox.mcpUrl.replace(KEY, 'not-the-key');
    const response = await fetch(wrong, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32001 } });
    await expect(mcpClient(wrong).getRecord('Accounts', org.Accounts[0]!.id)).rejects.toMatchObject({
      name: 'CrmRequestError',
      details: { httpStatus: 401, code: 'MCP_ENDPOINT_REFUSED' },
    });
  });

  it('lists Zoho’s tool names and answers COQL and updates with REST’s JSON bodies', async () => {
    const client = new Client({ name: 'test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(sandbox.mcpUrl)));
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual([...SANDBOX_MCP_TOOLS].sort());

      const account = org.Accounts[0]!;
      const coql = await client.callTool({
        name: 'ZohoCRM_executeCOQLQuery',
        arguments: { body: { select_query: `select Account_Name from Accounts where id = '${account.id}'` } },
      });
      expect(coql.structuredContent).toEqual({
        data: [{ Account_Name: account.Account_Name, id: account.id }],
        info: { count: 1, more_records: false },
      });
      expect(JSON.parse((coql.content as Array<{ text: string }>)[0]?.text ?? '')).toEqual(coql.structuredContent);

      const [task] = await mcpClient().createRecords('Tasks', [{ Subject: 'To be renamed' }]);
      const update = await client.callTool({
        name: 'ZohoCRM_updateRecords',
        arguments: { path_variables: { module: 'Tasks' }, body: { data: [{ id: task?.id, Subject: 'Renamed' }] } },
      });
      expect(update.structuredContent).toMatchObject({ data: [{ code: 'SUCCESS', status: 'success' }] });
      expect(sandbox.store.get('Tasks', task?.id ?? '')?.Subject).toBe('Renamed');

      const bad = await client.callTool({
        name: 'ZohoCRM_getRecords',
        arguments: { path_variables: { module: 'Leads' }, query_params: { fields: 'id' } },
      });
      expect(bad).toMatchObject({
        isError: true,
        structuredContent: { code: 'INVALID_MODULE', status: 'error', details: { resource_path_index: 0 } },
      });
    } finally {
      await client.close();
    }
  });
});

describe('a tiered client with the MCP tier first and REST behind it', () => {
  it('serves reads and creates from REST while the MCP endpoint is down', async () => {
    const down = await startSandboxMcpServer({ store: sandbox.store, key: KEY });
    await down.close();
    const mcpTier = mcpClient(down.url);
    const restTier = restClient();
    const tiered = new TieredCrmClient({
      tiers: [
        { name: 'mcp', client: mcpTier },
        { name: 'rest', client: restTier },
      ],
      failureThreshold: 2,
      sleep: async () => {},
    });
    const account = org.Accounts[0]!;
    expect(await tiered.getRecord('Accounts', account.id, ['Account_Name'])).toEqual({
      Account_Name: account.Account_Name,
      id: account.id,
    });
    const page = await tiered.listRecords('Accounts', { fields: ['Account_Name'], sortBy: 'id', sortOrder: 'asc' });
    expect(page.records.map((r) => r.id)).toEqual([...org.Accounts].sort(byId).map((a) => a.id));
    expect(tiered.tierStatus()[0]).toMatchObject({ name: 'mcp', state: 'open' });

    // Refused connections prove nothing was sent, so even a write may move on to REST.
    const key = uniqueKey('tiered');
    const [created] = await tiered.createRecords('Tasks', [{ Subject: 'Follow up', Sergas_Key: key }]);
    expect(created).toMatchObject({ status: 'success' });
    expect(sandbox.store.search('Tasks', `(Sergas_Key:equals:${key})`)).toHaveLength(1);
    expect(restTier.apiCalls).toBeGreaterThanOrEqual(3);
  });

  it('lists users from REST, since the MCP tier has no users tool, with the MCP tier left healthy', async () => {
    const mcpTier = mcpClient();
    const tiered = new TieredCrmClient({
      tiers: [
        { name: 'mcp', client: mcpTier },
        { name: 'rest', client: restClient() },
      ],
      sleep: async () => {},
    });
    const users = await tiered.listUsers();
    expect(users.map((user) => user.id).sort()).toEqual(org.users.map((user) => user.id).sort());
    expect(mcpTier.apiCalls).toBe(0);
    expect(tiered.tierStatus()[0]).toMatchObject({ name: 'mcp', state: 'closed', failures: 0 });
  });

  it('fails reads over to REST when the MCP tool answers INTERNAL_ERROR, and reports TOO_MANY_REQUESTS as rate limiting', async () => {
    const failing = await failingMcpServer();
    const mcpTier = mcpClient(failing.url);
    await expect(mcpTier.getRecord('Accounts', '1')).rejects.toBeInstanceOf(RetryableUpstreamError);
    await expect(mcpTier.searchRecords('Accounts', '(x:equals:y)')).rejects.toBeInstanceOf(CrmRateLimitedError);

    const tiered = new TieredCrmClient({
      tiers: [
        { name: 'mcp', client: mcpTier },
        { name: 'rest', client: restClient() },
      ],
      sleep: async () => {},
    });
    const account = org.Accounts[0]!;
    expect(await tiered.getRecord('Accounts', account.id, ['Account_Name'])).toMatchObject({ id: account.id });
  });
});

/**
 * An MCP server whose Zoho tools fail as Zoho does when it is in trouble: getRecord with INTERNAL_ERROR,
 * search with TOO_MANY_REQUESTS.
 */
async function failingMcpServer(): Promise<{ url: string }> {
  const failure = (code: string, message: string) => {
    const body = { code, details: {}, message, status: 'error' };
    return {
      isError: true,
      content: [{ type: 'text' as const, text: JSON.stringify(body) }],
      structuredContent: body,
    };
  };
  const http: Server = createServer(async (req, res) => {
    if (req.method !== 'POST') return void res.writeHead(405).end();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const server = new McpServer({ name: 'failing-zoho', version: '1' });
    server.registerTool('ZohoCRM_getRecord', {}, () => failure('INTERNAL_ERROR', 'Internal Server Error'));
    server.registerTool('ZohoCRM_Search_Records', {}, () => failure('TOO_MANY_REQUESTS', 'limit exceeded'));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => void server.close());
    await server.connect(transport);
    await transport.handleRequest(req, res, JSON.parse(Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  servers.push({
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  });
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp/any/message` };
}
