import Anthropic, { APIConnectionTimeoutError, APIError, OverloadedError, RateLimitError } from '@anthropic-ai/sdk';
import { RECOMMENDATION_TYPES } from '../../domain/analysis.ts';
import { localDateOf } from '../../domain/calendar.ts';
import { authorRecommendations } from '../../domain/recommendations/author-recommendations.ts';
import type { Clock } from '../../ports/clock.ts';
import type { LlmCallOutcome, LlmUsage, LlmUsageLog } from '../../ports/llm-usage.ts';
import type {
  AuthoredRecommendations,
  RecommendationAuthor,
  RecommendationContext,
} from '../../ports/recommendation-author.ts';
import { claudeModel, costOf } from './claude-models.ts';
import { recommendationsFromAnswer, submissionJsonSchema } from './recommendation-answer.ts';
import { type RedactedContext, RedactionError, redactedContextOf } from './redacted-context.ts';

type Message = Anthropic.Message;
type MessageCreateParamsNonStreaming = Anthropic.MessageCreateParamsNonStreaming;

export const SUBMIT_TOOL = 'submit_recommendations';

/**
 * Stable across accounts and calls, so it is cached with the tool definition (`cache_control`) and
 * only the account's context is paid for in full on each call.
 */
export const SYSTEM_PROMPT = `You are the Recommendation Author of Sergas, an account-management copilot for sales teams that use Zoho CRM.
For one customer account you receive its facts as JSON and the candidate recommendations that Sergas's rule engine derived from them. You choose which candidates to propose to the account owner and you write them well. A person reviews every recommendation before anything is sent or written to the CRM.

How to answer
- Answer only by calling the ${SUBMIT_TOOL} tool, exactly once. Do not answer in prose.
- Propose at most limits.max_recommendations recommendations, each written from exactly one candidate (its "candidate" id, such as C1), with that candidate's type. Use a candidate at most once and a type at most once.
- Prefer the candidates that matter most for keeping and growing this account; you may leave weaker ones out. Order does not matter: Sergas ranks by urgency.
- priority is one of low, medium, high, critical. Keep the candidate's priority unless the cited evidence clearly justifies another.
- confidence is between 0 and 1: how sure you are that this is the right next step given the evidence. Start from the candidate's confidence. Recommendations below limits.min_confidence are dropped.
- action: one imperative line (at most 200 characters), e.g. "Call [CONTACT_1] to agree next steps on the renewal".
- rationale: why, in plain words, in at most 1000 characters, grounded only in the facts you cite.
- evidence: the ids (E1, E2, …) of the entries in the context's evidence list that support the recommendation. Cite only ids that appear in that list, at least one and at most ten. Never invent facts, records, dates, amounts or people.
- draft: new wording for the candidate's draft, of the same kind (email: subject and body; task: subject and description; note: title and content), or null to keep the candidate's draft as it is. If the candidate has no draft, or its draft is a field_update, use null. Recipients, owners, due dates and field changes are set by Sergas, not by you.

People and personal data
- People appear only as placeholders such as [CONTACT_1], [CONTACT_1_FIRST_NAME] or [OWNER]; the context lists the placeholders you may use. Use them wherever you refer to a person (greet with [CONTACT_1_FIRST_NAME], sign e-mails with [OWNER]); Sergas fills in the real names afterwards.
- Never write an e-mail address, phone number or any other personal data, and never copy masked values such as [EMAIL] or [PHONE].

Policy for anything a customer may read
- No promised discounts, refunds, free services, guarantees or legal or contractual commitments.
- Nothing about other accounts, and no quotes from internal notes.
- Be concrete, courteous and brief. E-mails are from the account owner to the customer's contact; tasks are internal instructions for the owner.

Recommendation types: ${RECOMMENDATION_TYPES.join(', ')}.`;

const TOOL_DESCRIPTION =
  "Submit the recommendations for this account. Each one is written from one of the context's candidates and cites evidence ids from the context's evidence list.";

export interface ClaudeRecommendationAuthorOptions {
  apiKey: string;
  model: string;
  /** Another endpoint speaking the Messages API (a proxy, or a local stand-in in tests). */
  baseUrl?: string | null;
  /** Per request; the SDK retries timeouts, 429 and 5xx (529 included) `maxRetries` times. */
  timeoutMs: number;
  maxRetries: number;
  dailyBudgetUsd: number;
  usage: LlmUsageLog;
  clock: Clock;
  maxTokens?: number;
  /** For tests and proxies: the SDK's fetch. */
  fetch?: typeof fetch;
}

/**
 * The Recommendation Author on Claude. The rule engine proposes; Claude chooses and words, through
 * one forced tool call whose input is validated with the same zod schema the tool's JSON schema is
 * derived from. Anything short of a valid answer (a timeout, 429/529 after the SDK's retries, an
 * invalid answer, an exhausted daily budget) yields the rule engine's own recommendations instead,
 * with the reason. Every call is recorded with its tokens and cost.
 */
export class ClaudeRecommendationAuthor implements RecommendationAuthor {
  readonly #client: Anthropic;
  readonly #options: ClaudeRecommendationAuthorOptions;
  readonly #tools: MessageCreateParamsNonStreaming['tools'];

  constructor(options: ClaudeRecommendationAuthorOptions) {
    this.#options = options;
    this.#client = new Anthropic({
      apiKey: options.apiKey,
      ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
      timeout: options.timeoutMs,
      maxRetries: options.maxRetries,
      logLevel: 'warn',
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    this.#tools = [
      {
        name: SUBMIT_TOOL,
        description: TOOL_DESCRIPTION,
        input_schema: submissionJsonSchema(),
        // The last tool carries the breakpoint: tools and system prompt are cached together.
        cache_control: { type: 'ephemeral' },
      },
    ];
  }

  async draft(context: RecommendationContext): Promise<AuthoredRecommendations> {
    const max = context.rules.recommendations.maxPerAccount;
    // Every candidate the rules would emit, ranked; the rules' own answer is the first `max` of them.
    const candidates = authorRecommendations({
      ...context,
      rules: { ...context.rules, recommendations: { ...context.rules.recommendations, maxPerAccount: Infinity } },
    });
    const fallback = (fallbackReason: string, usage?: LlmUsage): AuthoredRecommendations => ({
      recommendations: candidates.slice(0, max),
      author: 'rules',
      fallbackReason,
      ...(usage ? { usage } : {}),
    });
    if (candidates.length === 0) return fallback('no candidate recommendations, so Claude was not asked');

    const now = this.#options.clock.now();
    const spent = await this.#options.usage.spentSince(startOfDay(now, context.rules.timeZone));
    if (spent >= this.#options.dailyBudgetUsd) {
      return fallback(
        `daily LLM budget exhausted: $${spent.toFixed(2)} spent of $${this.#options.dailyBudgetUsd.toFixed(2)}`,
      );
    }

    let redacted: RedactedContext;
    try {
      redacted = redactedContextOf(context, candidates);
    } catch (error) {
      if (error instanceof RedactionError) return fallback(`the account could not be redacted (${error.message})`);
      throw error;
    }

    let message: Message;
    try {
      message = await this.#client.messages.create(this.#request(redacted));
    } catch (error) {
      const { outcome, reason } = failureOf(error, this.#options);
      await this.#record(context, outcome, noUsage(this.#options.model), now);
      return fallback(reason);
    }

    const usage = usageOf(message, this.#options.model);
    const call = message.content.find((block) => block.type === 'tool_use' && block.name === SUBMIT_TOOL);
    const verdict = call
      ? recommendationsFromAnswer((call as { input: unknown }).input, redacted, context)
      : ({ ok: false, problems: [`no ${SUBMIT_TOOL} call (stop_reason ${message.stop_reason})`] } as const);
    await this.#record(context, verdict.ok ? 'ok' : 'invalid', usage, now);
    if (!verdict.ok) return fallback(`Claude's answer was invalid: ${summary(verdict.problems)}`, usage);
    return { recommendations: verdict.recommendations, author: 'claude', usage };
  }

  #request(redacted: RedactedContext): MessageCreateParamsNonStreaming {
    const model = claudeModel(this.#options.model);
    return {
      model: this.#options.model,
      max_tokens: this.#options.maxTokens ?? 4096,
      system: [{ type: 'text', text: SYSTEM_PROMPT, cache_control: { type: 'ephemeral' } }],
      tools: this.#tools,
      tool_choice: model.forcedToolChoice ? { type: 'tool', name: SUBMIT_TOOL } : { type: 'auto' },
      ...(model.thinking ? { thinking: model.thinking } : {}),
      messages: [{ role: 'user', content: [{ type: 'text', text: redacted.text }] }],
    };
  }

  async #record(context: RecommendationContext, outcome: LlmCallOutcome, usage: LlmUsage, at: Date) {
    await this.#options.usage.record({
      ...usage,
      runId: context.runId,
      accountId: context.snapshot.account.id,
      outcome,
      at,
    });
  }
}

function usageOf(message: Message, model: string): LlmUsage {
  const tokens = {
    inputTokens: message.usage.input_tokens,
    outputTokens: message.usage.output_tokens,
    cacheReadTokens: message.usage.cache_read_input_tokens ?? 0,
    cacheWriteTokens: message.usage.cache_creation_input_tokens ?? 0,
  };
  return { model, ...tokens, costUsd: costOf(model, tokens) };
}

const noUsage = (model: string): LlmUsage => ({
  model,
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  costUsd: 0,
});

/** What went wrong with the call, in words fit for the audit trail (status and error type, no bodies). */
function failureOf(
  error: unknown,
  options: Pick<ClaudeRecommendationAuthorOptions, 'timeoutMs' | 'maxRetries'>,
): { outcome: LlmCallOutcome; reason: string } {
  const attempts = `${options.maxRetries + 1} attempt${options.maxRetries === 0 ? '' : 's'}`;
  if (error instanceof APIConnectionTimeoutError) {
    return { outcome: 'timeout', reason: `Claude did not answer within ${options.timeoutMs} ms (${attempts})` };
  }
  if (error instanceof RateLimitError) {
    return { outcome: 'rate_limited', reason: `Claude API rate limit (429) after ${attempts}` };
  }
  if (error instanceof OverloadedError) {
    return { outcome: 'overloaded', reason: `Claude API overloaded (529) after ${attempts}` };
  }
  if (error instanceof APIError) {
    const status = error.status ?? 'no response';
    return { outcome: 'error', reason: `Claude API error (${status}${error.type ? ` ${error.type}` : ''})` };
  }
  throw error;
}

const MAX_PROBLEMS_SHOWN = 3;

function summary(problems: readonly string[]): string {
  const shown = problems.slice(0, MAX_PROBLEMS_SHOWN).join('; ');
  const more = problems.length - MAX_PROBLEMS_SHOWN;
  return more > 0 ? `${shown}; and ${more} more` : shown;
}

/** Midnight of `instant`'s calendar day in `timeZone`: the daily budget resets there. */
export function startOfDay(instant: Date, timeZone: string): Date {
  const midnightUtc = Date.parse(`${localDateOf(instant, timeZone)}T00:00:00Z`);
  // The zone's offset at that moment: local wall time read as if it were UTC, minus UTC.
  const wall = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(midnightUtc));
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(wall.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return new Date(midnightUtc - (asUtc - midnightUtc));
}
