import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CARD_NUMBER,
  CARD_NUMBER_RULE,
  OWNER_SUBJECT,
  SUBJECT_WITH_CARD_NUMBER,
} from '../fixtures/approvals/draft-edits.ts';
import { sergas } from '../support/cli.ts';
import { tempHome } from '../support/local-home.ts';

const fixture = new URL('../fixtures/sandbox/small-org.json', import.meta.url).pathname;
/** Nina's account with three recommendations, and Oscar's two accounts with three between them. */
const NINA_ACCOUNT = '4876876000000001003';
const OSCAR_ACCOUNTS = ['4876876000000001004', '4876876000000001005'];
const AS_OF = '2026-11-24T00:00:00Z';

// biome-ignore lint/suspicious/noExplicitAny: printed JSON is whatever the command wrote; the assertions check it.
type Json = Record<string, any>;

interface PendingApproval {
  id: string;
  run_id: string;
  account: { id: string };
}

/**
 * Approval ids are random base64url, so one in 64 starts with "-", which a command line reads as an option:
 * `--` ends the options before the ids, as a script should.
 */
const ids = (...approvalIds: string[]) => ['--', ...approvalIds];

describe('deciding approvals from the command line: edits, reject, defer, several at once', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let env: Record<string, string>;
  /** Six pending approvals, each used by one decision below. */
  let approvals: {
    edited: PendingApproval;
    refused: PendingApproval;
    rejected: PendingApproval;
    deferred: PendingApproval;
    batch: [PendingApproval, PendingApproval];
  };

  const pendingIds = async () => {
    const listed = await sergas(['approvals', 'list', '--json'], env);
    expect(listed.code, listed.stderr).toBe(0);
    return (JSON.parse(listed.stdout) as { approvals: PendingApproval[] }).approvals.map((a) => a.id).sort();
  };

  beforeAll(async () => {
    home = await tempHome();
    env = { SERGAS_HOME: home.home, SERGAS_USER: 'maria' };
    expect((await sergas(['sandbox', 'load', fixture], env)).code).toBe(0);
    const sync = await sergas(['sync', '--full'], env);
    expect(sync.code, sync.stderr).toBe(0);
    const analyzed = await sergas(
      ['batch', 'analyze', NINA_ACCOUNT, ...OSCAR_ACCOUNTS, '--json', '--as-of', AS_OF],
      env,
    );
    expect(analyzed.code, analyzed.stderr).toBe(0);
    const listed = await sergas(['approvals', 'list', '--json'], env);
    const pending = (JSON.parse(listed.stdout) as { approvals: PendingApproval[] }).approvals;
    const nina = pending.filter((a) => a.account.id === NINA_ACCOUNT);
    const oscar = pending.filter((a) => OSCAR_ACCOUNTS.includes(a.account.id));
    expect([nina.length, oscar.length]).toEqual([3, 3]);
    approvals = {
      edited: nina[0]!,
      refused: nina[1]!,
      rejected: nina[2]!,
      deferred: oscar[0]!,
      batch: [oscar[1]!, oscar[2]!],
    };
  });
  afterAll(async () => home?.remove());

  it('approves with an edited subject: exit 0, and the decision as JSON', async () => {
    const { edited } = approvals;
    const result = await sergas(
      ['approvals', 'approve', '--edit-subject', OWNER_SUBJECT, '--json', ...ids(edited.id)],
      env,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: true,
      approvalId: edited.id,
      runId: edited.run_id,
      status: 'approved',
      edited: true,
      payloadHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      run_status: expect.any(String),
    });
  });

  it('refuses an edit that breaks compliance: exit 2, naming the rule without echoing the card number', async () => {
    const result = await sergas(
      ['approvals', 'approve', '--edit-subject', SUBJECT_WITH_CARD_NUMBER, '--json', ...ids(approvals.refused.id)],
      env,
    );
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^sergas: The edited draft breaks compliance: /);
    expect(result.stderr).toMatch(CARD_NUMBER_RULE);
    expect(result.stderr).not.toContain(CARD_NUMBER);
  });

  it('exits 2 naming the argument for a bad edit, a missing or blank reason, and days outside 1–30', async () => {
    const { refused } = approvals;
    const bad: [string[], RegExp][] = [
      [['approve', '--edit-due-date', 'next-week', ...ids(refused.id)], /--edit-due-date: "next-week" is not a date/],
      [['reject', ...ids(refused.id)], /required option '--reason <text>'/],
      [['reject', '--reason', '  ', ...ids(refused.id)], /reject: --reason is required/],
      [['defer', '--days', '0', ...ids(refused.id)], /defer: --days must be a whole number from 1 to 30/],
      [['defer', '--days', '31', ...ids(refused.id)], /defer: --days must be a whole number from 1 to 30/],
    ];
    for (const [args, message] of bad) {
      const result = await sergas(['--json', 'approvals', ...args], env);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
  });

  it('rejects with a reason: exit 0, and the decision as JSON', async () => {
    const { rejected } = approvals;
    const result = await sergas(
      ['approvals', 'reject', '--reason', 'They asked for no contact until January', '--json', ...ids(rejected.id)],
      env,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      approvalId: rejected.id,
      runId: rejected.run_id,
      status: 'rejected',
      run_status: expect.any(String),
    });
  });

  it('defers by N days: exit 0, still pending until then, its expiry N days later', async () => {
    const { deferred } = approvals;
    const result = await sergas(['approvals', 'defer', '--days', '5', '--json', ...ids(deferred.id)], env);
    expect(result.code, result.stderr).toBe(0);
    const body = JSON.parse(result.stdout) as Json;
    expect(body).toMatchObject({ approvalId: deferred.id, runId: deferred.run_id, status: 'pending' });
    const days = (Date.parse(body.deferredUntil) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(4.9);
    expect(days).toBeLessThanOrEqual(5);
    expect(Date.parse(body.expiresAt)).toBeGreaterThan(Date.parse(body.deferredUntil));
  });

  it('approves several at once, each on its own: a decided or unknown id fails alone, and the command exits 1', async () => {
    const [first, second] = approvals.batch;
    const result = await sergas(
      ['approvals', 'approve', '--json', ...ids(first.id, approvals.edited.id, second.id, 'no-such-approval')],
      env,
    );
    expect(result.code, result.stderr).toBe(1);
    const body = JSON.parse(result.stdout) as { results: Json[]; failed: number };
    expect(body.failed).toBe(2);
    expect(body.results.map((r) => [r.approvalId, r.ok, r.status])).toEqual([
      [first.id, true, 'approved'],
      [approvals.edited.id, false, 409],
      [second.id, true, 'approved'],
      ['no-such-approval', false, 404],
    ]);
    expect(body.results[1]?.error).toMatchObject({ code: 'APPROVAL_ALREADY_DECIDED' });
  });

  it('exits 1 when the approval was already decided, saying so', async () => {
    const result = await sergas(
      ['approvals', 'reject', '--reason', 'changed my mind', '--json', ...ids(approvals.edited.id)],
      env,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/already decided \(approved\)/);
  });

  it('leaves pending exactly what nobody decided, and audits every decision with channel cli under its author', async () => {
    const { edited, refused, rejected, deferred } = approvals;
    expect(await pendingIds()).toEqual([refused.id, deferred.id].sort());
    const shown = await sergas(['runs', 'show', edited.run_id, '--json'], env);
    expect(shown.code, shown.stderr).toBe(0);
    const decisions = (JSON.parse(shown.stdout).audit as Json[]).filter((e) =>
      ['approval.approved', 'approval.rejected', 'approval.deferred'].includes(e.action),
    );
    expect(decisions.map((e) => [e.details.approvalId, e.action, e.details.channel, e.userId])).toEqual([
      [edited.id, 'approval.approved', 'cli', 'cli:maria'],
      [rejected.id, 'approval.rejected', 'cli', 'cli:maria'],
    ]);
    expect(decisions[0]?.details).toMatchObject({ edited: true });
  });
});
