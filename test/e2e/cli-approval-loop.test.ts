import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, sergas } from '../support/cli.ts';
import { tempHome } from '../support/local-home.ts';

const fixture = new URL('../fixtures/sandbox/small-org.json', import.meta.url).pathname;
const SILENT_ACCOUNT = '4876876000000001006';
const AS_OF = '2026-11-24T00:00:00Z';

interface Analysis {
  account_id: string;
  account_name: string;
  run: { id: string; status: string; states: string[] };
  risk_level: string;
  health: { score: number; band: string; factors: unknown[] };
  priority_score: number;
  needs_review: boolean;
  signals: { type: string; severity: string; evidence: unknown[] }[];
  recommendations: { id: string; type: string; approval_id: string | null; draft: { kind: string } | null }[];
  compliance: { approved: boolean; risk_level: string };
}

describe('the approval loop from the command line, one process per command', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let env: Record<string, string>;
  let analysis: Analysis;
  let sync: CliResult;

  beforeAll(async () => {
    home = await tempHome();
    env = { SERGAS_HOME: home.home, SERGAS_USER: 'maria' };
    expect((await sergas(['sandbox', 'load', fixture], env)).code).toBe(0);
    sync = await sergas(['sync', '--full', '--progress'], env);
    expect(sync.code, sync.stderr).toBe(0);
  });
  afterAll(async () => home.remove());

  it('syncs with a progress bar per module sized by Zoho’s counts, and ends with the counts and the API calls', async () => {
    const org = JSON.parse(await readFile(fixture, 'utf8')) as Record<string, unknown[]>;
    for (const module of ['Accounts', 'Contacts', 'Deals', 'Tasks', 'Notes']) {
      const total = org[module]?.length ?? 0;
      expect(sync.stderr).toMatch(new RegExp(`${module}\\s+\\[[^\\]]*\\] ${total}/${total}`));
    }
    expect(sync.stdout).toMatch(/^Accounts\s+\d+\s+\d+/m);
    expect(sync.stderr).toMatch(/\d+ API calls \(\+7 to size the progress bars\)/);
  });

  it('analyzes an account and prints the analysis contract', async () => {
    const result = await sergas(['analyze', SILENT_ACCOUNT, '--json', '--as-of', AS_OF], env);
    expect(result.code).toBe(0);
    analysis = JSON.parse(result.stdout) as Analysis;
    expect(analysis).toMatchObject({ account_id: SILENT_ACCOUNT, run: { status: 'AWAITING_APPROVAL' } });
    expect(analysis.run.states.at(-1)).toBe('AWAITING_APPROVAL');
    expect(['none', 'low', 'medium', 'high', 'critical']).toContain(analysis.risk_level);
    expect(analysis.health.factors.length).toBeGreaterThan(0);
    expect(analysis.signals.every((s) => s.evidence.length > 0)).toBe(true);
    expect(analysis.recommendations.every((r) => r.approval_id)).toBe(true);
  });

  it('lists the pending approvals of that run', async () => {
    const result = await sergas(['approvals', 'list', '--json'], env);
    const pending = (JSON.parse(result.stdout) as { approvals: { id: string; run_id: string }[] }).approvals;
    expect(
      pending
        .filter((a) => a.run_id === analysis.run.id)
        .map((a) => a.id)
        .sort(),
    ).toEqual(analysis.recommendations.map((r) => r.approval_id).sort());
  });

  it('approves in another process, which resumes the run and completes it once all are decided', async () => {
    const [first, ...others] = analysis.recommendations;
    const approved = await sergas(['approvals', 'approve', first!.approval_id!, '--json'], env);
    expect(approved.code, approved.stderr).toBe(0);
    expect(JSON.parse(approved.stdout)).toMatchObject({ status: 'approved', runId: analysis.run.id });
    for (const other of others) {
      const rejected = await sergas(['approvals', 'reject', other.approval_id!, '--reason', 'not this week'], env);
      expect(rejected.code, `reject ${other.approval_id}: ${rejected.stderr}`).toBe(0);
    }
    const shown = JSON.parse((await sergas(['runs', 'show', analysis.run.id, '--json'], env)).stdout);
    expect(shown.status).toBe('COMPLETED');
    expect(shown).toMatchObject({ account_id: SILENT_ACCOUNT, account_name: analysis.account_name });
    expect(shown.states).toEqual([
      'INITIALIZING',
      'DATA_RETRIEVAL',
      'MEMORY_ANALYSIS',
      'RECOMMENDATION',
      'COMPLIANCE_CHECK',
      'AWAITING_APPROVAL',
      'EXECUTING',
      'MEMORY_SYNC',
      'COMPLETED',
    ]);
    expect(shown.audit).toEqual(
      expect.arrayContaining([expect.objectContaining({ action: 'approval.approved', userId: 'cli:maria' })]),
    );
    expect(shown.audit.filter((e: { action: string }) => e.action === 'recommendation.executed')).toHaveLength(1);
  });

  it('refuses to approve the same recommendation again, with a clear message', async () => {
    const again = await sergas(['approvals', 'approve', analysis.recommendations[0]!.approval_id!], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already decided \(approved\)/);
  });

  it('creates a person and prints the token they sign in with, signed with the home’s owner-only secret', async () => {
    const created = await sergas(
      ['user', 'create', '--role', 'rep', '--zoho-user', '4876876000000000103', '--json'],
      env,
    );
    expect(created.code, created.stderr).toBe(0);
    const user = JSON.parse(created.stdout) as Record<string, string>;
    expect(user).toMatchObject({ role: 'rep', zoho_user_id: '4876876000000000103', name: 'Nina Patel' });
    expect(user.email).toBe('nina.patel@northpeak.io');
    expect(user.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const days = (new Date(user.expires_at!).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    const claims = JSON.parse(Buffer.from(user.token!.split('.')[1]!, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    expect(claims).toMatchObject({
      sub: user.id,
      'cognito:groups': ['rep'],
      'custom:zoho_user_id': '4876876000000000103',
      iss: 'urn:sergas:local',
      aud: 'urn:sergas:api',
    });
    expect((await stat(join(home.home, 'jwt-secret'))).mode & 0o777).toBe(0o600);
    const admin = await sergas(['user', 'create', '--admin', '--expires-in', '12h', '--json'], env);
    expect(admin.code, admin.stderr).toBe(0);
    expect(JSON.parse(admin.stdout)).toMatchObject({ role: 'admin', zoho_user_id: null });

    const bad: [string[], RegExp][] = [
      [['--role', 'boss'], /--role/],
      [['--role', 'rep'], /--zoho-user/],
      [['--role', 'manager', '--zoho-user', '999'], /--zoho-user: the CRM has no user 999/],
      [['--admin', '--expires-in', '2y'], /--expires-in/],
      [['--admin', '--email', 'nope'], /--email/],
    ];
    for (const [args, message] of bad) {
      const result = await sergas(['user', 'create', ...args], env);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
    }
  });

  it('names the argument when input is bad, with exit code 2', async () => {
    const unknown = await sergas(['analyze', '999', '--json'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Account 999 was not found/);
    const badDate = await sergas(['analyze', SILENT_ACCOUNT, '--as-of', 'yesterday'], env);
    expect(badDate.code).toBe(2);
    expect(badDate.stderr).toMatch(/--as-of/);
    expect((await sergas(['approvals', 'reject', 'abc'], env)).code).toBe(2);
  });
});
