import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCP_TOOLS } from '../../../shared/mcp/server.ts';
import {
  CARD_NUMBER,
  CARD_NUMBER_RULE,
  OWNER_SUBJECT,
  SUBJECT_WITH_CARD_NUMBER,
} from '../../fixtures/approvals/draft-edits.ts';
import { sergas } from '../../support/cli.ts';
import { tempHome } from '../../support/local-home.ts';

const bin = new URL('../../../bin/sergas.js', import.meta.url).pathname;
const fixture = new URL('../../fixtures/sandbox/small-org.json', import.meta.url).pathname;
const NINA_ACCOUNT = '4876876000000001006';
/** Nina's other account: three recommendations, decided through the new tools below. */
const NINA_OTHER_ACCOUNT = '4876876000000001003';
const TOM = '4876876000000000102';
const NINA = '4876876000000000103';
const AS_OF = '2026-11-24T00:00:00Z';

// biome-ignore lint/suspicious/noExplicitAny: tool results are whatever the server sent; the assertions check them.
type Json = Record<string, any>;

describe('`sergas mcp`: the MCP server over stdio in a prepared home', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let env: Record<string, string>;
  let tomToken: string;
  let nina: { token: string; email: string };

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
    const analyzed = await sergas(
      ['batch', 'analyze', NINA_ACCOUNT, NINA_OTHER_ACCOUNT, '--json', '--as-of', AS_OF],
      env,
    );
    expect(analyzed.code, analyzed.stderr).toBe(0);
    const rep = async (zohoUser: string) => {
      const user = await sergas(['user', 'create', '--role', 'rep', '--zoho-user', zohoUser, '--json'], env);
      expect(user.code, user.stderr).toBe(0);
      return JSON.parse(user.stdout) as { token: string; email: string };
    };
    tomToken = (await rep(TOM)).token;
    nina = await rep(NINA);
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

      const pending = (await call(client, 'list_pending_approvals', { account_id: NINA_ACCOUNT }))
        .structuredContent as Json;
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

  describe("approving with edits, rejecting and deferring Nina's other account's recommendations", () => {
    /** Its run, and its three approvals: one to approve with edits, one to reject, one to defer. */
    let runId: string;
    let pending: string[];
    const approvalsOf = () => {
      const [edited, rejected, deferred] = pending;
      return { edited: edited!, rejected: rejected!, deferred: deferred! };
    };
    const REASON = 'They asked for no contact until January';

    describe('as Nina, the account owner, in one stdio session', () => {
      let client: Client;
      // One server process for these: it holds the home's embedded database while it runs.
      beforeAll(async () => {
        client = await open({ SERGAS_TOKEN: nina.token });
        const listed = await call(client, 'list_pending_approvals', { account_id: NINA_OTHER_ACCOUNT });
        const approvals = (listed.structuredContent as { approvals: Json[] }).approvals;
        expect(approvals).toHaveLength(3);
        runId = approvals[0]!.run_id;
        pending = approvals.map((a) => a.id as string);
      });
      afterAll(async () => client?.close());

      const stillPending = async () =>
        (
          (await call(client, 'list_pending_approvals', { account_id: NINA_OTHER_ACCOUNT })).structuredContent as {
            approvals: Json[];
          }
        ).approvals.map((a) => a.id as string);

      it('approves with edits: the run resumes with the edited draft', async () => {
        const { edited } = approvalsOf();
        const result = await call(client, 'edit_and_approve_recommendation', {
          approval_id: edited,
          edits: { subject: OWNER_SUBJECT },
        });
        expect(result.isError, textOf(result)).toBeFalsy();
        expect(result.structuredContent).toMatchObject({
          status: 'approved',
          edited: true,
          approvalId: edited,
          runId: runId,
        });
        expect(textOf(result)).toMatch(/approved with edits/);
        expect(await stillPending()).not.toContain(edited);
      });

      it('refuses an edit that breaks compliance with a tool error naming the rule, and decides nothing', async () => {
        const { rejected } = approvalsOf();
        const refused = await call(client, 'edit_and_approve_recommendation', {
          approval_id: rejected,
          edits: { subject: SUBJECT_WITH_CARD_NUMBER },
        });
        expect(refused.isError).toBe(true);
        expect(textOf(refused)).toMatch(/^COMPLIANCE_VIOLATION: /);
        expect(textOf(refused)).toMatch(CARD_NUMBER_RULE);
        expect(textOf(refused)).not.toContain(CARD_NUMBER);
        expect(await stillPending()).toContain(rejected);
      });

      it('rejects with a reason', async () => {
        const { rejected } = approvalsOf();
        const result = await call(client, 'reject_recommendation', { approval_id: rejected, reason: REASON });
        expect(result.isError, textOf(result)).toBeFalsy();
        expect(result.structuredContent).toMatchObject({ status: 'rejected', approvalId: rejected });
      });

      it('defers by a number of days: the approval stays pending and expires that much later', async () => {
        const { deferred } = approvalsOf();
        const result = await call(client, 'defer_approval', { approval_id: deferred, days: 3 });
        expect(result.isError, textOf(result)).toBeFalsy();
        const body = result.structuredContent as Json;
        expect(body).toMatchObject({ status: 'pending', approvalId: deferred, runId: runId });
        const deferredDays = (Date.parse(body.deferredUntil) - Date.now()) / 86_400_000;
        expect(deferredDays).toBeGreaterThan(2.9);
        expect(deferredDays).toBeLessThanOrEqual(3);
        expect(await stillPending()).toEqual([deferred]);
      });

      it('names the field when the input is bad: a rejection without a reason, a deferral of 0 or 31 days, no edits', async () => {
        const { deferred } = approvalsOf();
        const bad: [string, Record<string, unknown>, RegExp][] = [
          ['reject_recommendation', {}, /a rejection needs a reason .* at reason/],
          ['reject_recommendation', { reason: '   ' }, /a rejection needs a reason .* at reason/],
          ['defer_approval', { days: 0 }, /from 1 to 30 at days/],
          ['defer_approval', { days: 31 }, /from 1 to 30 at days/],
          ['defer_approval', { days: 2.5 }, /from 1 to 30 at days/],
          ['edit_and_approve_recommendation', { edits: {} }, /^VALIDATION_FAILED: edits: /],
          ['edit_and_approve_recommendation', { edits: { colour: 'red' } }, /colour.* at edits/],
        ];
        for (const [tool, args, message] of bad) {
          const result = await call(client, tool, { approval_id: deferred, ...args });
          expect(result.isError, `${tool} ${JSON.stringify(args)}`).toBe(true);
          expect(textOf(result)).toMatch(message);
        }
        expect(await stillPending()).toEqual([deferred]);
      });
    });

    it("keeps a rep to their own accounts: Tom may not approve with edits, reject or defer Nina's approval", async () => {
      const { deferred } = approvalsOf();
      const client = await open({ SERGAS_TOKEN: tomToken });
      try {
        for (const [tool, args] of [
          ['edit_and_approve_recommendation', { edits: { subject: OWNER_SUBJECT } }],
          ['reject_recommendation', { reason: 'not mine to keep' }],
          ['defer_approval', { days: 5 }],
        ] as const) {
          const result = await call(client, tool, { approval_id: deferred, ...args });
          expect(result.isError, tool).toBe(true);
          expect(textOf(result)).toMatch(/^FORBIDDEN: .*only the account owner, their manager or an admin/);
        }
      } finally {
        await client.close();
      }
    });

    it('records every decision taken through MCP with channel mcp, under the person who took it', async () => {
      const { edited, rejected, deferred } = approvalsOf();
      const shown = await sergas(['runs', 'show', runId, '--json'], env);
      expect(shown.code, shown.stderr).toBe(0);
      const decisions = (JSON.parse(shown.stdout).audit as Json[]).filter((e) =>
        ['approval.approved', 'approval.rejected', 'approval.deferred'].includes(e.action),
      );
      const byApproval = (id: string) => decisions.filter((e) => e.details.approvalId === id);
      expect(byApproval(edited)).toEqual([
        expect.objectContaining({
          action: 'approval.approved',
          details: expect.objectContaining({ channel: 'mcp', edited: true }),
        }),
      ]);
      expect(byApproval(rejected)).toEqual([
        expect.objectContaining({
          action: 'approval.rejected',
          details: expect.objectContaining({ channel: 'mcp', reason: REASON }),
        }),
      ]);
      // Only the deferral: Tom's attempts and the bad input decided nothing.
      expect(byApproval(deferred)).toEqual([
        expect.objectContaining({
          action: 'approval.deferred',
          details: expect.objectContaining({ channel: 'mcp', days: 3 }),
        }),
      ]);
      expect(decisions.map((e) => e.userId)).toEqual([nina.email, nina.email, nina.email]);
    });
  });

  it('refuses a bad SERGAS_TOKEN', async () => {
    await expect(open({ SERGAS_TOKEN: 'not-a-jwt' })).rejects.toThrow();
  });
});
