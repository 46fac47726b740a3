import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sergas } from '../support/cli.ts';
import { tempHome } from '../support/local-home.ts';

const fixture = new URL('../fixtures/sandbox/small-org.json', import.meta.url).pathname;
const SILENT_ACCOUNT = '4876876000000001006';

interface OutboxJson {
  messages: {
    kind: string;
    to: { user_id: string; name: string; email: string | null };
    subject: string;
    links: { label: string; url: string }[];
    approval_id: string | null;
    account_id: string | null;
  }[];
}

describe('the outbox from the command line', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let env: Record<string, string>;
  let approvalIds: string[];

  beforeAll(async () => {
    home = await tempHome();
    env = { SERGAS_HOME: home.home, SERGAS_PUBLIC_URL: 'https://sergas.example.com' };
    expect((await sergas(['sandbox', 'load', fixture], env)).code).toBe(0);
    expect((await sergas(['sync', '--full'], env)).code).toBe(0);
    const analyzed = await sergas(['analyze', SILENT_ACCOUNT, '--json', '--as-of', '2026-11-24T00:00:00Z'], env);
    expect(analyzed.code, analyzed.stderr).toBe(0);
    approvalIds = (JSON.parse(analyzed.stdout) as { recommendations: { approval_id: string }[] }).recommendations.map(
      (r) => r.approval_id,
    );
  });
  afterAll(async () => home.remove());

  it('holds one approval link per approval the analysis asked for, addressed to the account owner', async () => {
    const result = await sergas(['outbox', 'list', '--json', '--kind', 'approval_requested'], env);
    expect(result.code, result.stderr).toBe(0);
    const { messages } = JSON.parse(result.stdout) as OutboxJson;
    expect(messages.map((m) => m.approval_id).sort()).toEqual([...approvalIds].sort());
    for (const message of messages) {
      expect(message.account_id).toBe(SILENT_ACCOUNT);
      expect(message.subject).toMatch(/^Approval needed: /);
      expect(message.links).toEqual([
        { label: 'Review the recommendation', url: `https://sergas.example.com/approvals/${message.approval_id}` },
      ]);
    }
  });

  it('prints a table with the links, and the messages in full with --full', async () => {
    const table = await sergas(['outbox', 'list'], env);
    expect(table.stdout).toMatch(/^when\s+kind\s+to\s+subject\s+link/);
    expect(table.stdout).toContain(`https://sergas.example.com/approvals/${approvalIds[0]}`);
    const full = await sergas(['outbox', 'list', '--full', '--limit', '1'], env);
    expect(full.stdout).toMatch(
      /Subject: Approval needed: [\s\S]*Review the recommendation: https:\/\/sergas\.example\.com\/approvals\//,
    );
  });

  it('names a bad option with exit code 2', async () => {
    const bad = await sergas(['outbox', 'list', '--kind', 'postcard'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--kind: "postcard"/);
  });
});
