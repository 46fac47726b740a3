import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCP_TOOLS } from '../../../shared/mcp/server.ts';
import {
  CARD_NUMBER,
  CARD_NUMBER_RULE,
  OWNER_SUBJECT,
  SUBJECT_WITH_CARD_NUMBER,
} from '../../fixtures/approvals/draft-edits.ts';
import { ACCOUNTS, type ApiHarness, type Json, PEOPLE, startApiHarness } from '../api/api-harness.ts';

const NINA_ACCOUNT = ACCOUNTS.nina[1];
const TOM_ACCOUNT = ACCOUNTS.tom[0];
/** Oscar's two accounts: three recommendations between them, decided through the new tools. */
const OSCAR_ACCOUNTS = ACCOUNTS.oscar;

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
    h = await startApiHarness({ analyze: [NINA_ACCOUNT, TOM_ACCOUNT, ...OSCAR_ACCOUNTS] });
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

  it('lists the eight tools, each with an input and an output schema', async () => {
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

  describe("approving with edits, rejecting and deferring Oscar's recommendations", () => {
    let oscar: Client;
    /** One to approve with edits, one to reject, one to defer. */
    let edited: string;
    let rejected: string;
    let deferred: string;
    const REASON = 'Renewal handled by the partner this year';

    beforeAll(async () => {
      oscar = await connect(await h.token('rep', PEOPLE.oscar));
      const page = (await call(oscar, 'list_pending_approvals')).structuredContent as { approvals: Json[] };
      expect(page.approvals.map((a) => a.account.id).every((id) => OSCAR_ACCOUNTS.includes(id))).toBe(true);
      [edited, rejected, deferred] = page.approvals.map((a) => a.id as string) as [string, string, string];
      expect(deferred).toBeTruthy();
    });

    it('approves with edits as the account owner: the approval holds the edited payload, recorded with channel mcp', async () => {
      const before = (await h.deps.approvals.get(edited))!;
      const result = await call(oscar, 'edit_and_approve_recommendation', {
        approval_id: edited,
        edits: { subject: OWNER_SUBJECT },
      });
      expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ status: 'approved', edited: true, approvalId: edited });
      const approval = (await h.deps.approvals.get(edited))!;
      expect(approval).toMatchObject({ status: 'approved', channel: 'mcp' });
      expect(String(approval.payload.record.Subject)).toContain(OWNER_SUBJECT);
      expect(approval.payloadHash).not.toBe(before.payloadHash);
      expect((result.structuredContent as Json).payloadHash).toBe(approval.payloadHash);
      await h.deps.engine!.idle();
      expect((await h.deps.recommendations.get(approval.recommendationId))?.status).toBe('executed');
    });

    it('refuses an edit that breaks compliance with a tool error naming the rule, like the API’s 422, and decides nothing', async () => {
      const before = (await h.deps.approvals.get(rejected))!;
      const result = await call(oscar, 'edit_and_approve_recommendation', {
        approval_id: rejected,
        edits: { subject: SUBJECT_WITH_CARD_NUMBER },
      });
      const message = errorText(result);
      expect(message).toMatch(/^COMPLIANCE_VIOLATION: The edited draft breaks compliance: /);
      expect(message).toMatch(CARD_NUMBER_RULE);
      expect(message).not.toContain(CARD_NUMBER);
      expect(await h.deps.approvals.get(rejected)).toMatchObject({
        status: 'pending',
        payloadHash: before.payloadHash,
        channel: null,
      });
    });

    it('rejects with the reason kept, recorded with channel mcp', async () => {
      const result = await call(oscar, 'reject_recommendation', { approval_id: rejected, reason: REASON });
      expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ status: 'rejected', approvalId: rejected });
      expect(await h.deps.approvals.get(rejected)).toMatchObject({
        status: 'rejected',
        channel: 'mcp',
        reason: REASON,
      });
    });

    it('defers by a number of days: still pending, its expiry that much later, audited with channel mcp', async () => {
      const before = (await h.deps.approvals.get(deferred))!;
      const result = await call(oscar, 'defer_approval', { approval_id: deferred, days: 7 });
      expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ status: 'pending', approvalId: deferred });
      const approval = (await h.deps.approvals.get(deferred))!;
      expect(approval.status).toBe('pending');
      expect(approval.expiresAt.getTime() - before.expiresAt.getTime()).toBe(7 * 86_400_000);
      const audit = await h.deps.db.query<{ details: Json }>(
        `SELECT details FROM audit_logs WHERE action = 'approval.deferred' AND details->>'approvalId' = $1`,
        [deferred],
      );
      expect(audit.map((a) => a.details)).toEqual([expect.objectContaining({ channel: 'mcp', days: 7 })]);
    });

    it("keeps a rep to their own accounts: Nina may not approve with edits, reject or defer Oscar's approval", async () => {
      const nina = await connect(await h.token('rep', PEOPLE.nina));
      const before = (await h.deps.approvals.get(deferred))!;
      for (const [tool, args] of [
        ['edit_and_approve_recommendation', { edits: { subject: OWNER_SUBJECT } }],
        ['reject_recommendation', { reason: 'not mine to keep' }],
        ['defer_approval', { days: 5 }],
      ] as const) {
        const message = errorText(await call(nina, tool, { approval_id: deferred, ...args }));
        expect(message, tool).toMatch(/^FORBIDDEN: .*only the account owner, their manager or an admin/);
      }
      expect(await h.deps.approvals.get(deferred)).toMatchObject({ status: 'pending', expiresAt: before.expiresAt });
    });

    it('lets their manager decide: Rachel rejects the deferred approval', async () => {
      const rachel = await connect(await h.token('manager', PEOPLE.rachel));
      const result = await call(rachel, 'reject_recommendation', { approval_id: deferred, reason: REASON });
      expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
      expect(await h.deps.approvals.get(deferred)).toMatchObject({ status: 'rejected', channel: 'mcp' });
      await h.deps.engine!.idle();
    });

    it('names the field when the input is bad, and answers 409 for an approval already decided', async () => {
      const bad: [string, Record<string, unknown>, RegExp][] = [
        ['reject_recommendation', {}, /a rejection needs a reason .* at reason/],
        ['reject_recommendation', { reason: '' }, /a rejection needs a reason .* at reason/],
        ['defer_approval', { days: 0 }, /from 1 to 30 at days/],
        ['defer_approval', { days: 31 }, /from 1 to 30 at days/],
        ['defer_approval', {}, /from 1 to 30 at days/],
        ['edit_and_approve_recommendation', {}, / at edits/],
        ['edit_and_approve_recommendation', { edits: { dueDate: 'next week' } }, / at edits\.dueDate/],
      ];
      for (const [tool, args, message] of bad) {
        expect(errorText(await call(oscar, tool, { approval_id: edited, ...args })), tool).toMatch(message);
      }
      for (const [tool, args] of [
        ['edit_and_approve_recommendation', { edits: { subject: OWNER_SUBJECT } }],
        ['reject_recommendation', { reason: REASON }],
        ['defer_approval', { days: 2 }],
      ] as const) {
        const message = errorText(await call(oscar, tool, { approval_id: edited, ...args }));
        expect(message, tool).toMatch(/^APPROVAL_ALREADY_DECIDED: .*already decided \(approved\)/);
      }
      expect(await h.deps.approvals.get(edited)).toMatchObject({ status: 'approved', channel: 'mcp' });
    });
  });
});
