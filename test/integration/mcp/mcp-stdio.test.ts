import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCP_TOOLS } from '../../../shared/mcp/server.ts';
import { sergas } from '../../support/cli.ts';
import { tempHome } from '../../support/local-home.ts';

const bin = new URL('../../../bin/sergas.js', import.meta.url).pathname;
const fixture = new URL('../../fixtures/sandbox/small-org.json', import.meta.url).pathname;
const NINA_ACCOUNT = '4876876000000001006';
const TOM = '4876876000000000102';
const AS_OF = '2026-11-24T00:00:00Z';

// biome-ignore lint/suspicious/noExplicitAny: tool results are whatever the server sent; the assertions check them.
type Json = Record<string, any>;

describe('`sergas mcp`: the MCP server over stdio in a prepared home', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let env: Record<string, string>;
  let tomToken: string;

  const open = async (extra: Record<string, string> = {}) => {
    const client = new Client({ name: 'mcp-stdio-test', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [bin, 'mcp'],
        env: { ...(process.env as Record<string, string>), ...env, ...extra },
        stderr: 'pipe',
      }),
    );
    return client;
  };
  const call = async (client: Client, name: string, args: Record<string, unknown> = {}) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;
  const textOf = (result: CallToolResult) => (result.content[0] as { text: string }).text;

  beforeAll(async () => {
    home = await tempHome();
    env = { SERGAS_HOME: home.home, SERGAS_USER: 'maria' };
    expect((await sergas(['sandbox', 'load', fixture], env)).code).toBe(0);
    const sync = await sergas(['sync', '--full'], env);
    expect(sync.code, sync.stderr).toBe(0);
    const analyzed = await sergas(['analyze', NINA_ACCOUNT, '--json', '--as-of', AS_OF], env);
    expect(analyzed.code, analyzed.stderr).toBe(0);
    const user = await sergas(['user', 'create', '--role', 'rep', '--zoho-user', TOM, '--json'], env);
    expect(user.code, user.stderr).toBe(0);
    tomToken = (JSON.parse(user.stdout) as { token: string }).token;
  });
  afterAll(async () => home?.remove());

  it('acts as the local CLI principal (admin): lists tools, at-risk accounts, an analysis, and approves once', async () => {
    const client = await open();
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual([...MCP_TOOLS].sort());

      const risky = await call(client, 'list_at_risk_accounts', {});
      expect(risky.isError, textOf(risky)).toBeFalsy();
      expect((risky.structuredContent as Json).accounts.map((a: Json) => a.id)).toContain(NINA_ACCOUNT);

      const analysis = (await call(client, 'get_account_analysis', { account_id: NINA_ACCOUNT }))
        .structuredContent as Json;
      expect(analysis).toMatchObject({ account_id: NINA_ACCOUNT, run: { status: 'AWAITING_APPROVAL' } });

      const pending = (await call(client, 'list_pending_approvals')).structuredContent as Json;
      const [first, ...others] = (pending.approvals as Json[]).map((a) => a.id as string);
      expect(first).toBeTruthy();
      const approved = await call(client, 'approve_recommendation', { approval_id: first });
      expect(approved.isError, textOf(approved)).toBeFalsy();
      expect(approved.structuredContent).toMatchObject({ status: 'approved', runId: analysis.run.id });
      const again = await call(client, 'approve_recommendation', { approval_id: first });
      expect(again.isError).toBe(true);
      expect(textOf(again)).toMatch(/already decided/);
      for (const other of others) {
        const rejected = await call(client, 'reject_recommendation', { approval_id: other, reason: 'not now' });
        expect(rejected.isError, textOf(rejected)).toBeFalsy();
      }
      const after = (await call(client, 'get_account_analysis', { account_id: NINA_ACCOUNT }))
        .structuredContent as Json;
      expect(after.run.status).toBe('COMPLETED');
    } finally {
      await client.close();
    }
  });

  it("acts as SERGAS_TOKEN's rep: another owner's account is not found, its recommendations invisible", async () => {
    const client = await open({ SERGAS_TOKEN: tomToken });
    try {
      const result = await call(client, 'get_account_analysis', { account_id: NINA_ACCOUNT });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/not found/);
      const recs = (await call(client, 'list_recommendations', { account_id: NINA_ACCOUNT })).structuredContent as Json;
      expect(recs.recommendations).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('refuses a bad SERGAS_TOKEN', async () => {
    await expect(open({ SERGAS_TOKEN: 'not-a-jwt' })).rejects.toThrow();
  });
});
