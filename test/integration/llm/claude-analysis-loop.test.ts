import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalContainer, openLocalContainer } from '../../../local/local-stack.ts';
import { loadSandboxFile } from '../../../local/zoho-sandbox/sandbox-org.ts';
import { SUBMIT_TOOL } from '../../../shared/adapters/anthropic/claude-recommendation-author.ts';
import { analyzeAccount } from '../../../shared/use-cases/analyze-accounts.ts';
import { syncFull } from '../../../shared/use-cases/sync-full.ts';
import {
  type CapturedRequest,
  type FakeMessagesApi,
  overloaded,
  startFakeMessagesApi,
  toolUseReply,
  userText,
} from '../../support/fake-messages-api.ts';
import { FIXTURE_AS_OF, tempHome } from '../../support/local-home.ts';

// The whole loop with ANTHROPIC_API_KEY set: config picks the Claude author, the workflow's
// Recommendation step calls it (the real SDK against a local Messages API), and the audit trail and
// the usage table say who wrote the recommendations and what it cost.

const fixture = new URL('../../fixtures/sandbox/small-org.json', import.meta.url).pathname;
const FALCON = '4876876000000001006';
const ACME = '4876876000000001001';

interface Candidate {
  candidate: string;
  type: string;
  priority: string;
  confidence: number;
  evidence: string[];
}

/** A model that keeps the rule engine's top candidates and words them its own way. */
function claudeAnswers(request: CapturedRequest) {
  const text = userText(request);
  const context = JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)) as { candidates: Candidate[] };
  return toolUseReply(SUBMIT_TOOL, {
    recommendations: context.candidates.slice(0, 2).map((c) => ({
      candidate: c.candidate,
      type: c.type,
      priority: c.priority,
      confidence: c.confidence,
      action: `Ask [CONTACT_1] for a short call about ${c.type.replaceAll('_', ' ')}`,
      rationale: 'Written by Claude from the cited evidence.',
      evidence: c.evidence.slice(0, 1),
      draft: null,
    })),
  });
}

/** The fixture's contact data for one account: none of it may reach the model. */
async function contactDataOf(accountId: string): Promise<string[]> {
  const org = JSON.parse(await readFile(fixture, 'utf8')) as {
    Contacts: {
      Full_Name?: string;
      First_Name?: string;
      Last_Name?: string;
      Email?: string;
      Phone?: string;
      Account_Name?: { id: string };
    }[];
  };
  return org.Contacts.filter((c) => c.Account_Name?.id === accountId).flatMap((c) =>
    [c.Full_Name, c.First_Name, c.Last_Name, c.Email, c.Phone].filter((v): v is string => Boolean(v)),
  );
}

describe('the analysis loop with Claude as the Recommendation Author', () => {
  let deps: LocalContainer;
  let api: FakeMessagesApi;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    api = await startFakeMessagesApi();
    const home = await tempHome();
    deps = await openLocalContainer(
      home.config({
        ANTHROPIC_API_KEY: 'sk-ant-loop-test',
        ANTHROPIC_BASE_URL: api.url,
        ANTHROPIC_MAX_RETRIES: '0',
        ANTHROPIC_TIMEOUT_MS: '5000',
      }),
    );
    await deps.sandbox.store!.replace(await loadSandboxFile(fixture));
    await syncFull(deps);
    cleanup = async () => {
      await deps.close();
      await api.close();
      await home.remove();
    };
  });
  afterAll(async () => cleanup?.());

  it('records that Claude wrote them, what it cost, and sent no contact data', async () => {
    api.reply(claudeAnswers);
    const run = await analyzeAccount(deps, { accountId: FALCON, asOf: FIXTURE_AS_OF, requestedBy: 'test' });
    expect(run.status).toBe('AWAITING_APPROVAL');

    const drafted = (await deps.audit.list({ runId: run.id })).find((e) => e.action === 'recommendations.drafted');
    expect(drafted?.details).toMatchObject({
      author: 'claude',
      llm: { model: 'claude-sonnet-5-5', inputTokens: 900, outputTokens: 600 },
    });
    expect(drafted?.details.fallbackReason).toBeUndefined();

    const recommendations = await deps.recommendations.listByRun(run.id);
    expect(recommendations.length).toBeGreaterThan(0);
    for (const r of recommendations) {
      expect(r.author).toBe('llm');
      // [CONTACT_1] is the primary contact, the one drafts are addressed to.
      expect(r.action).toMatch(/^Ask Dev Kapoor for a short call about /);
      expect(r.evidence.length).toBeGreaterThan(0);
    }
    const calls = await deps.llmUsage.listByRun(run.id);
    expect(calls).toEqual([expect.objectContaining({ accountId: FALCON, outcome: 'ok' })]);
    expect(calls[0]!.costUsd).toBeGreaterThan(0);
    expect(await deps.llmUsage.totals({ runId: run.id })).toMatchObject({ calls: 1, costUsd: calls[0]!.costUsd });

    const protectedValues = await contactDataOf(FALCON);
    expect(protectedValues.length).toBeGreaterThan(0);
    for (const request of api.requests) {
      for (const value of protectedValues) expect(request.raw).not.toContain(value);
    }
  });

  it('records the fallback to the rules, and why, when Claude is unavailable', async () => {
    api.otherwise(overloaded());
    const before = api.requests.length;
    const run = await analyzeAccount(deps, { accountId: ACME, asOf: FIXTURE_AS_OF, requestedBy: 'test' });
    expect(run.status).toBe('AWAITING_APPROVAL');

    const drafted = (await deps.audit.list({ runId: run.id })).find((e) => e.action === 'recommendations.drafted');
    expect(drafted?.details).toMatchObject({
      author: 'rules',
      fallbackReason: 'Claude API overloaded (529) after 1 attempt',
    });
    expect(api.requests.length).toBe(before + 1);
    const recommendations = await deps.recommendations.listByRun(run.id);
    expect(recommendations.length).toBeGreaterThan(0);
    expect(recommendations.every((r) => r.author === 'rules')).toBe(true);
    expect(await deps.llmUsage.listByRun(run.id)).toEqual([
      expect.objectContaining({ outcome: 'overloaded', costUsd: 0 }),
    ]);
  });
});
