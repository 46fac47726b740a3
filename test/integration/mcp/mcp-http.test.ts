import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCP_TOOLS } from '../../../shared/mcp/server.ts';
import { ACCOUNTS, type ApiHarness, type Json, PEOPLE, startApiHarness } from '../api/api-harness.ts';

const NINA_ACCOUNT = ACCOUNTS.nina[1];
const TOM_ACCOUNT = ACCOUNTS.tom[0];

describe('the MCP server over Streamable HTTP (POST /mcp on the local API server)', () => {
  let h: ApiHarness;
  const clients: Client[] = [];

  const connect = async (token: string | null): Promise<Client> => {
    const transport = new StreamableHTTPClientTransport(new URL(`${h.url}/mcp`), {
      requestInit: token ? { headers: { authorization: `Bearer ${token}` } } : {},
    });
    const client = new Client({ name: 'mcp-http-test', version: '1.0.0' });
    await client.connect(transport);
    clients.push(client);
    return client;
  };
  const call = async (client: Client, name: string, args: Record<string, unknown> = {}) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;
  const errorText = (result: CallToolResult) => {
    expect(result.isError).toBe(true);
    return (result.content[0] as { text: string }).text;
  };

  beforeAll(async () => {
    h = await startApiHarness({ analyze: [NINA_ACCOUNT, TOM_ACCOUNT] });
  });
  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    await h?.close();
  });

  it('answers 401 without a token (and the client cannot connect)', async () => {
    const response = await h.call('/mcp', null, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as Json).error.code).toBe('UNAUTHORIZED');
    await expect(connect(null)).rejects.toThrow();
  });

  it('lists the six tools', async () => {
    const client = await connect(await h.token('admin'));
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...MCP_TOOLS].sort());
    expect(tools.every((t) => t.inputSchema && t.outputSchema)).toBe(true);
  });

  it('lists at-risk accounts, reads an analysis, approves once (the run resumes), refuses a second approval', async () => {
    const client = await connect(await h.token('manager', PEOPLE.rachel));
    const risky = await call(client, 'list_at_risk_accounts', { risk_level: 'low', limit: 10 });
    expect(risky.isError, JSON.stringify(risky.content)).toBeFalsy();
    const accounts = (risky.structuredContent as Json).accounts as Json[];
    expect(accounts.length).toBeGreaterThan(0);
    expect(accounts.every((a) => a.risk_level !== 'none')).toBe(true);
    expect(accounts[0]).toMatchObject({
      id: expect.any(String),
      health: expect.anything(),
      top_signals: expect.any(Array),
    });

    const analysisResult = await call(client, 'get_account_analysis', { account_id: NINA_ACCOUNT });
    expect(analysisResult.isError, JSON.stringify(analysisResult.content)).toBeFalsy();
    const analysis = analysisResult.structuredContent as Json;
    expect(analysis).toMatchObject({ account_id: NINA_ACCOUNT, run: { status: 'AWAITING_APPROVAL' } });
    expect((analysisResult.content[0] as { text: string }).text).toContain(analysis.account_name);

    const pending = (await call(client, 'list_pending_approvals', { account_id: NINA_ACCOUNT }))
      .structuredContent as Json;
    const ids = (pending.approvals as Json[]).map((a) => a.id).sort();
    expect(ids).toEqual((analysis.recommendations as Json[]).map((r) => r.approval_id).sort());
    const recs = (await call(client, 'list_recommendations', { account_id: NINA_ACCOUNT })).structuredContent as Json;
    expect((recs.recommendations as Json[]).length).toBe(ids.length);

    const [first, ...others] = ids as string[];
    const approved = await call(client, 'approve_recommendation', { approval_id: first });
    expect(approved.isError, JSON.stringify(approved.content)).toBeFalsy();
    expect(approved.structuredContent).toMatchObject({ status: 'approved', approvalId: first, runId: analysis.run.id });
    const again = await call(client, 'approve_recommendation', { approval_id: first });
    expect(errorText(again)).toMatch(/already decided/);

    const missingReason = await call(client, 'reject_recommendation', { approval_id: others[0] ?? first });
    expect(missingReason.isError).toBe(true);
    for (const other of others) {
      expect(
        (await call(client, 'reject_recommendation', { approval_id: other, reason: 'not now' })).isError,
      ).toBeFalsy();
    }
    await h.deps.engine!.idle();
    const run = await h.deps.runs.get(analysis.run.id);
    expect(run?.status).toBe('COMPLETED');
    const after = (await call(client, 'get_account_analysis', { account_id: NINA_ACCOUNT })).structuredContent as Json;
    expect(after.run.status).toBe('COMPLETED');
  });

  it("keeps a rep to their own accounts: another owner's analysis is not found, its approval forbidden", async () => {
    const tom = await connect(await h.token('rep', PEOPLE.tom));
    const risky = (await call(tom, 'list_at_risk_accounts', { risk_level: 'none' })).structuredContent as Json;
    expect((risky.accounts as Json[]).every((a) => a.owner.id === PEOPLE.tom)).toBe(true);
    expect(errorText(await call(tom, 'get_account_analysis', { account_id: NINA_ACCOUNT }))).toMatch(/not found/);

    const admin = await connect(await h.token('admin'));
    const tomAnalysis = (await call(admin, 'get_account_analysis', { account_id: TOM_ACCOUNT }))
      .structuredContent as Json;
    const approvalId = (tomAnalysis.recommendations as Json[])[0]?.approval_id as string;
    expect(approvalId).toBeTruthy();
    const nina = await connect(await h.token('rep', PEOPLE.nina));
    expect(errorText(await call(nina, 'approve_recommendation', { approval_id: approvalId }))).toMatch(/FORBIDDEN/);
    expect((await call(nina, 'list_pending_approvals')).structuredContent).toMatchObject({ approvals: [] });
  });
});
