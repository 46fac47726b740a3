import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLAUDE_MODELS, costOf, DEFAULT_CLAUDE_MODEL } from '../../../shared/adapters/anthropic/claude-models.ts';
import {
  ClaudeRecommendationAuthor,
  type ClaudeRecommendationAuthorOptions,
  SUBMIT_TOOL,
  startOfDay,
} from '../../../shared/adapters/anthropic/claude-recommendation-author.ts';
import { detectSignals } from '../../../shared/domain/account-signals.ts';
import { buildTimeline } from '../../../shared/domain/account-timeline.ts';
import type { AccountSnapshot } from '../../../shared/domain/crm.ts';
import { defaultDomainRules as rules } from '../../../shared/domain/domain-rules.ts';
import { authorRecommendations } from '../../../shared/domain/recommendations/author-recommendations.ts';
import { healthOf } from '../../../shared/domain/scores.ts';
import type { LlmCall, LlmUsageLog, LlmUsageTotals } from '../../../shared/ports/llm-usage.ts';
import type { RecommendationContext } from '../../../shared/ports/recommendation-author.ts';
import {
  AS_OF,
  aBaseline,
  aContact,
  anAccount,
  anOwner,
  aSnapshot,
  daysAgo,
  dealInStageFor,
  noteDaysAgo,
  sequentialIds,
} from '../../fixtures/domain/builders.ts';
import {
  type CapturedRequest,
  errorReply,
  type FakeMessagesApi,
  overloaded,
  type Reply,
  rateLimited,
  type Script,
  startFakeMessagesApi,
  textReply,
  toolUseReply,
  userText,
} from '../../support/fake-messages-api.ts';

// The real SDK against a local server speaking the Messages API: requests, retries, timeouts and
// error mapping all run for real; only the model's answers are scripted.

const JANE = aContact({
  fullName: 'Jane Cooper',
  email: 'jane.cooper@acme-logistics.example',
  phone: '+1 415 555 0134',
  modifiedAt: daysAgo(5),
});
const PRIYA = aContact({
  fullName: 'Priya Raman',
  email: 'priya.raman@acme-logistics.example',
  phone: '020 7946 0958',
  title: 'CFO',
  modifiedAt: daysAgo(50),
});

/** Silent for 35 days, a deal stuck for 50, a competitor named in a note full of contact data, a new owner. */
function accountFullOfPii(): AccountSnapshot {
  return aSnapshot({
    account: anAccount({ annualRevenue: 20_000 }),
    contacts: [JANE, PRIYA],
    deals: [dealInStageFor(50, { name: 'Acme – Fleet Analytics' })],
    activities: [
      noteDaysAgo(35, {
        subject: 'Call notes',
        description:
          'Jane Cooper (+1 415 555 0134, jane.cooper@acme-logistics.example) says they are evaluating alternatives. Priya Raman wants pricing on 020 7946 0958.',
      }),
    ],
    baseline: aBaseline({ Owner: '4876876000000300099', Owner_Name: 'Tom Becker' }),
  });
}

/** Everything that identifies a person in the fixture; none of it may reach the model. */
const PROTECTED = [
  'jane.cooper@acme-logistics.example',
  'priya.raman@acme-logistics.example',
  'maria.lopez@sergas.example',
  '+1 415 555 0134',
  '415 555 0134',
  '020 7946 0958',
  'Jane Cooper',
  'Priya Raman',
  'Maria Lopez',
  'Tom Becker',
];
const PROTECTED_WORDS = ['Jane', 'Cooper', 'Priya', 'Raman', 'Maria', 'Lopez', 'Tom', 'Becker'];

function contextFor(snapshot: AccountSnapshot, runId = 'run-1'): RecommendationContext {
  const { signals } = detectSignals(snapshot, AS_OF, rules);
  return {
    runId,
    snapshot,
    signals,
    health: healthOf(signals, snapshot, AS_OF, rules),
    timeline: buildTimeline(snapshot, AS_OF, rules),
    asOf: AS_OF,
    rules,
    history: { pendingTypes: [], rejectedAt: {}, outcomes: {} },
    newId: sequentialIds(),
  };
}

/** The rule engine's answer for the same account, for comparing fallbacks with. */
const rulesAnswer = (snapshot: AccountSnapshot) => authorRecommendations(contextFor(snapshot));

class MemoryUsageLog implements LlmUsageLog {
  readonly calls: LlmCall[] = [];
  async record(call: LlmCall) {
    this.calls.push(call);
  }
  async spentSince(since: Date) {
    return this.calls.filter((c) => c.at >= since).reduce((sum, c) => sum + c.costUsd, 0);
  }
  async listByRun(runId: string) {
    return this.calls.filter((c) => c.runId === runId).map((c, i) => ({ ...c, id: String(i) }));
  }
  async totals(): Promise<LlmUsageTotals> {
    throw new Error('not used here');
  }
}

interface ContextCandidate {
  candidate: string;
  type: string;
  priority: string;
  confidence: number;
  evidence: string[];
  draft: { kind: string } | null;
}
interface SentContext {
  evidence: { id: string }[];
  candidates: ContextCandidate[];
  placeholders: string[];
}

/** The account context the author sent, as the model reads it. */
function sentContext(request: CapturedRequest): SentContext {
  const text = userText(request);
  const json = text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1);
  return JSON.parse(json) as SentContext;
}

/** What a careful model answers: the first three candidates, reworded with placeholders for people. */
function goodAnswer(context: SentContext) {
  return {
    recommendations: context.candidates.slice(0, 3).map((c) => ({
      candidate: c.candidate,
      type: c.type,
      priority: c.priority,
      confidence: Math.min(1, c.confidence + 0.05),
      action: `Call [CONTACT_1] this week about ${c.type.replaceAll('_', ' ')}`,
      rationale: 'The account has gone quiet and a deal is stuck; [OWNER] should act before it drifts further.',
      evidence: c.evidence.slice(0, 2),
      draft:
        c.draft?.kind === 'email'
          ? {
              kind: 'email',
              subject: 'Next steps for Acme Logistics',
              body: 'Hi [CONTACT_1_FIRST_NAME],\n\nCould we talk this week about where things stand?\n\nBest regards,\n[OWNER]',
            }
          : c.draft?.kind === 'task'
            ? { kind: 'task', subject: 'Call [CONTACT_1]', description: 'Agree next steps with [CONTACT_1].' }
            : null,
    })),
  };
}

const answering =
  (edit: (answer: ReturnType<typeof goodAnswer>, context: SentContext) => unknown = (a) => a) =>
  (request: CapturedRequest): Reply => {
    const context = sentContext(request);
    return toolUseReply(SUBMIT_TOOL, edit(goodAnswer(context), context));
  };

let api: FakeMessagesApi;
let usage: MemoryUsageLog;
beforeEach(async () => {
  api = await startFakeMessagesApi();
  usage = new MemoryUsageLog();
});
afterEach(async () => api.close());

function author(options: Partial<ClaudeRecommendationAuthorOptions> = {}) {
  return new ClaudeRecommendationAuthor({
    apiKey: 'sk-ant-test-key',
    model: DEFAULT_CLAUDE_MODEL,
    baseUrl: api.url,
    timeoutMs: 2_000,
    maxRetries: 2,
    dailyBudgetUsd: 5,
    usage,
    clock: { now: () => new Date('2026-11-24T15:00:00Z') },
    ...options,
  });
}

describe('Claude writing the recommendations', () => {
  it('words and chooses, while ids, recipients, evidence and expiry come from the rules', async () => {
    api.reply(answering());
    const snapshot = accountFullOfPii();
    const result = await author().draft(contextFor(snapshot));

    expect(result).toMatchObject({ author: 'claude' });
    expect(result.fallbackReason).toBeUndefined();
    expect(result.recommendations.length).toBeGreaterThan(0);
    expect(result.recommendations.length).toBeLessThanOrEqual(3);
    const candidates = authorRecommendations({
      ...contextFor(snapshot),
      rules: { ...rules, recommendations: { ...rules.recommendations, maxPerAccount: Infinity } },
    });
    for (const rec of result.recommendations) {
      const candidate = candidates.find((c) => c.id === rec.id)!;
      expect(candidate, 'every recommendation keeps a candidate id').toBeDefined();
      expect(rec).toMatchObject({
        author: 'llm',
        type: candidate.type,
        requiresApproval: true,
        accountId: snapshot.account.id,
      });
      expect(rec.expiresAt).toEqual(candidate.expiresAt);
      expect(rec.action).toMatch(/^Call Jane Cooper this week about /);
      expect(rec.rationale).toContain('Maria Lopez should act');
      // Evidence is the account's own data, restored from the ids the model cited.
      for (const item of rec.evidence) expect(candidate.evidence).toContainEqual(item);
      expect(rec.evidence.length).toBeGreaterThan(0);
    }
    const email = result.recommendations.find((r) => r.draft?.kind === 'email')?.draft;
    expect(email).toEqual({
      kind: 'email',
      to: 'jane.cooper@acme-logistics.example',
      subject: 'Next steps for Acme Logistics',
      body: 'Hi Jane,\n\nCould we talk this week about where things stand?\n\nBest regards,\nMaria Lopez',
    });
    const task = result.recommendations.find((r) => r.draft?.kind === 'task')?.draft;
    if (task?.kind === 'task') expect(task.description).toBe('Agree next steps with Jane Cooper.');

    expect(result.usage).toMatchObject({ model: DEFAULT_CLAUDE_MODEL, inputTokens: 900, outputTokens: 600 });
    expect(result.usage!.costUsd).toBeGreaterThan(0);
    expect(usage.calls).toEqual([
      expect.objectContaining({ runId: 'run-1', outcome: 'ok', costUsd: result.usage!.costUsd }),
    ]);
  });

  it('sends no e-mail address, phone number or name of a person to the model', async () => {
    api.reply(answering());
    await author().draft(contextFor(accountFullOfPii()));

    expect(api.requests).toHaveLength(1);
    const { raw } = api.requests[0]!;
    for (const value of PROTECTED) expect(raw.toLowerCase()).not.toContain(value.toLowerCase());
    for (const word of PROTECTED_WORDS) expect(raw).not.toMatch(new RegExp(`\\b${word}\\b`));
    // It does see the facts: placeholders where the people were, ids, and the masked note.
    const context = sentContext(api.requests[0]!);
    expect(context.placeholders).toEqual(expect.arrayContaining(['[CONTACT_1]', '[CONTACT_1_FIRST_NAME]', '[OWNER]']));
    expect(raw).toContain('evaluating alternatives');
    expect(raw).toContain(JANE.id);
    expect(context.evidence.length).toBeGreaterThan(0);
  });

  it('caches the system prompt and the tool, and forces the tool where the model allows it', async () => {
    api.reply(answering(), answering());
    await author({ model: 'claude-sonnet-4-6' }).draft(contextFor(accountFullOfPii()));
    await author({ model: DEFAULT_CLAUDE_MODEL }).draft(contextFor(accountFullOfPii()));

    for (const { body, headers } of api.requests) {
      expect(headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      // SDK 1.x sends the key as a bearer token; older ones used x-api-key.
      expect(headers.authorization ?? headers['x-api-key']).toMatch(/(^|Bearer )sk-ant-test-key$/);
      expect(body.system).toEqual([expect.objectContaining({ type: 'text', cache_control: { type: 'ephemeral' } })]);
      expect(body.tools).toHaveLength(1);
      expect(body.tools!.at(-1)).toMatchObject({ name: SUBMIT_TOOL, cache_control: { type: 'ephemeral' } });
      expect(body.tools![0]!.input_schema).toMatchObject({
        type: 'object',
        properties: { recommendations: { type: 'array', maxItems: 3 } },
      });
    }
    const [sonnet46, sonnet55] = api.requests.map((r) => r.body);
    expect(sonnet46).toMatchObject({ model: 'claude-sonnet-4-6', tool_choice: { type: 'tool', name: SUBMIT_TOOL } });
    expect(sonnet46!.thinking).toBeUndefined();
    // Claude Sonnet 5.5 answers a forced tool_choice with a 400: the prompt asks for the tool instead.
    expect(sonnet55).toMatchObject({
      model: DEFAULT_CLAUDE_MODEL,
      tool_choice: { type: 'auto' },
      thinking: { type: 'between_tools' },
    });
  });

  it('keeps the cached prefix identical across accounts, so the second call reads the cache', async () => {
    api.reply(answering(), answering());
    const claude = author();
    const first = await claude.draft(contextFor(accountFullOfPii(), 'run-1'));
    const other = accountFullOfPii();
    const second = await claude.draft(
      contextFor(
        { ...other, account: { ...other.account, id: '4876876000000100777', name: 'Borealis Freight' } },
        'run-2',
      ),
    );
    expect(first.usage).toMatchObject({ cacheWriteTokens: 1_800, cacheReadTokens: 0 });
    expect(second.usage).toMatchObject({ cacheWriteTokens: 0, cacheReadTokens: 1_800 });
    const [a, b] = api.requests.map((r) => JSON.stringify([r.body.tools, r.body.system]));
    expect(a).toBe(b);
    expect(second.usage!.costUsd).toBeLessThan(first.usage!.costUsd);
  });
});

describe('falling back to the rules', () => {
  const snapshot = accountFullOfPii();
  const overLong = 'x'.repeat(1_001);

  it.each<[string, Script, RegExp]>([
    [
      'an evidence id that is not in the context',
      answering((a) => ({ ...a, recommendations: a.recommendations.map((r) => ({ ...r, evidence: ['E999'] })) })),
      /recommendations\.0\.evidence\.0: unknown evidence id E999/,
    ],
    [
      'a type DOMAIN-RULES does not know',
      answering((a) => ({ ...a, recommendations: a.recommendations.map((r) => ({ ...r, type: 'send_flowers' })) })),
      /recommendations\.0\.type: Invalid option/,
    ],
    [
      'another candidate’s type',
      answering((a, c) => ({
        recommendations: [
          { ...a.recommendations[0]!, type: c.candidates.find((x) => x.type !== c.candidates[0]!.type)!.type },
        ],
      })),
      /recommendations\.0\.type: \w+ is not the type of C1/,
    ],
    [
      'an unknown candidate',
      answering((a) => ({ recommendations: [{ ...a.recommendations[0]!, candidate: 'C42' }] })),
      /unknown candidate C42/,
    ],
    [
      'text only, no tool call',
      () => textReply('Here are my recommendations: call Jane.'),
      /no submit_recommendations call \(stop_reason end_turn\)/,
    ],
    [
      'a call to another tool',
      () => toolUseReply('send_email', { to: 'someone' }),
      /no submit_recommendations call \(stop_reason tool_use\)/,
    ],
    [
      'an action of two lines',
      answering((a) => ({ recommendations: [{ ...a.recommendations[0]!, action: 'Call her\nthen e-mail' }] })),
      /recommendations\.0\.action: must be a single line/,
    ],
    [
      'an action over 200 characters',
      answering((a) => ({ recommendations: [{ ...a.recommendations[0]!, action: 'a'.repeat(201) }] })),
      /recommendations\.0\.action: Too big/,
    ],
    [
      'a rationale over 1000 characters',
      answering((a) => ({ recommendations: [{ ...a.recommendations[0]!, rationale: overLong }] })),
      /recommendations\.0\.rationale: Too big/,
    ],
    [
      'an e-mail subject over 255 characters',
      answering((a, c) => {
        const i = c.candidates.findIndex((x) => x.draft?.kind === 'email');
        const rec = { ...a.recommendations[i]!, draft: { kind: 'email', subject: 's'.repeat(256), body: 'Hi' } };
        return { recommendations: [rec] };
      }),
      /recommendations\.0\.draft\.subject: Too big/,
    ],
    [
      'more than three recommendations',
      answering((a) => ({ recommendations: [...a.recommendations, a.recommendations[0]!] })),
      /recommendations: Too big/,
    ],
    [
      'a confidence above 1',
      answering((a) => ({ recommendations: [{ ...a.recommendations[0]!, confidence: 1.5 }] })),
      /recommendations\.0\.confidence: Too big/,
    ],
    [
      'a masked e-mail address copied into a draft',
      answering((a, c) => {
        const i = c.candidates.findIndex((x) => x.draft?.kind === 'email');
        const rec = { ...a.recommendations[i]!, draft: { kind: 'email', subject: 'Hello', body: 'Write to [EMAIL]' } };
        return { recommendations: [rec] };
      }),
      /draft: body: unresolvable placeholder \[EMAIL\]/,
    ],
  ])('on %s', async (_case, script, reason) => {
    api.reply(script);
    const result = await author().draft(contextFor(snapshot));
    expect(result.author).toBe('rules');
    expect(result.fallbackReason).toMatch(/^Claude's answer was invalid: /);
    expect(result.fallbackReason).toMatch(reason);
    expect(result.recommendations.map((r) => [r.type, r.action])).toEqual(
      rulesAnswer(snapshot).map((r) => [r.type, r.action]),
    );
    expect(result.recommendations.every((r) => r.author === 'rules')).toBe(true);
    // An answer we could not use was still paid for.
    expect(usage.calls).toEqual([expect.objectContaining({ outcome: 'invalid', inputTokens: 900 })]);
    expect(result.usage?.costUsd).toBeGreaterThan(0);
  });

  it('never quotes the model’s words in the reason (it goes to the audit trail)', async () => {
    api.reply(
      answering((a) => ({
        recommendations: [{ ...a.recommendations[0]!, action: 'Call Jane on +1 415 555 0134\nnow', extra: 'x' }],
      })),
    );
    const result = await author().draft(contextFor(snapshot));
    expect(result.fallbackReason).toMatch(/invalid/);
    expect(result.fallbackReason).not.toMatch(/Jane|415/);
  });

  it('retries a 429 through the SDK and uses the answer that follows', async () => {
    api.reply(rateLimited(), answering());
    const result = await author().draft(contextFor(snapshot));
    expect(result.author).toBe('claude');
    expect(api.requests).toHaveLength(2);
    expect(usage.calls.map((c) => c.outcome)).toEqual(['ok']);
  });

  it('falls back after the SDK’s retries when the API stays overloaded (529)', async () => {
    api.otherwise(overloaded());
    const result = await author({ maxRetries: 2 }).draft(contextFor(snapshot));
    expect(result).toMatchObject({
      author: 'rules',
      fallbackReason: 'Claude API overloaded (529) after 3 attempts',
    });
    expect(api.requests).toHaveLength(3);
    expect(usage.calls).toEqual([expect.objectContaining({ outcome: 'overloaded', costUsd: 0 })]);
    expect(result.recommendations.map((r) => r.type)).toEqual(rulesAnswer(snapshot).map((r) => r.type));
  });

  it('falls back when the rate limit outlasts the retries', async () => {
    api.otherwise(rateLimited());
    const result = await author({ maxRetries: 1 }).draft(contextFor(snapshot));
    expect(result.fallbackReason).toBe('Claude API rate limit (429) after 2 attempts');
    expect(usage.calls.map((c) => c.outcome)).toEqual(['rate_limited']);
  });

  it('falls back when Claude answers later than the timeout', async () => {
    api.otherwise((request) => ({ ...answering()(request), delayMs: 3_000 }));
    const result = await author({ timeoutMs: 250, maxRetries: 1 }).draft(contextFor(snapshot));
    expect(result).toMatchObject({
      author: 'rules',
      fallbackReason: 'Claude did not answer within 250 ms (2 attempts)',
    });
    expect(api.requests).toHaveLength(2);
    expect(usage.calls.map((c) => c.outcome)).toEqual(['timeout']);
  });

  it('falls back on other API errors without retrying them', async () => {
    api.reply(errorReply(400, 'invalid_request_error', 'tool_choice: forced tool use is not supported'));
    const result = await author().draft(contextFor(snapshot));
    expect(result.fallbackReason).toBe('Claude API error (400 invalid_request_error)');
    expect(api.requests).toHaveLength(1);
  });

  it('does not call Claude once the day’s budget is spent', async () => {
    const today = new Date('2026-11-24T09:00:00Z');
    await usage.record({
      runId: 'earlier',
      accountId: 'a',
      model: DEFAULT_CLAUDE_MODEL,
      inputTokens: 1,
      outputTokens: 1,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      costUsd: 5.01,
      outcome: 'ok',
      at: today,
    });
    const result = await author({ dailyBudgetUsd: 5 }).draft(contextFor(snapshot));
    expect(result).toMatchObject({
      author: 'rules',
      fallbackReason: 'daily LLM budget exhausted: $5.01 spent of $5.00',
    });
    expect(api.requests).toHaveLength(0);
  });

  it('starts a new budget at midnight in the tenant’s time zone', async () => {
    await usage.record({
      runId: 'yesterday',
      accountId: 'a',
      model: DEFAULT_CLAUDE_MODEL,
      inputTokens: 1,
      outputTokens: 1,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      costUsd: 9,
      outcome: 'ok',
      at: new Date('2026-11-23T23:30:00Z'),
    });
    api.reply(answering());
    const result = await author({ dailyBudgetUsd: 5 }).draft(contextFor(snapshot));
    expect(result.author).toBe('claude');
  });

  it('does not ask Claude when the rules have nothing to propose', async () => {
    const quiet = aSnapshot({ account: anAccount({ annualRevenue: 20_000 }), owner: anOwner() });
    const result = await author().draft(contextFor(quiet));
    expect(result).toMatchObject({ author: 'rules', recommendations: [] });
    expect(result.fallbackReason).toMatch(/no candidate/);
    expect(api.requests).toHaveLength(0);
  });
});

describe('prices and days', () => {
  it('prices each kind of token at its own rate', () => {
    const price = CLAUDE_MODELS[DEFAULT_CLAUDE_MODEL]!.price;
    const cost = costOf(DEFAULT_CLAUDE_MODEL, {
      inputTokens: 1_000_000,
      outputTokens: 1_000_000,
      cacheReadTokens: 1_000_000,
      cacheWriteTokens: 1_000_000,
    });
    expect(cost).toBeCloseTo(price.input + price.output + price.cacheRead + price.cacheWrite, 6);
  });

  it('prices an unknown model like the dearest known one', () => {
    const tokens = { inputTokens: 0, outputTokens: 1_000_000, cacheReadTokens: 0, cacheWriteTokens: 0 };
    const dearest = Math.max(...Object.values(CLAUDE_MODELS).map((m) => m.price.output));
    expect(costOf('claude-next-experimental', tokens)).toBe(dearest);
  });

  it.each([
    ['UTC', '2026-11-24T15:00:00Z', '2026-11-24T00:00:00.000Z'],
    ['America/New_York', '2026-11-24T03:00:00Z', '2026-11-23T05:00:00.000Z'],
    ['Europe/Madrid', '2026-11-24T23:30:00Z', '2026-11-24T23:00:00.000Z'],
  ])('the day in %s containing %s starts at %s', (zone, instant, start) => {
    expect(startOfDay(new Date(instant), zone).toISOString()).toBe(start);
  });
});
