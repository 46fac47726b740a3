/**
 * The Claude models Sergas knows how to call and price: one table, US dollars per million tokens
 * (Anthropic's published list prices; 5-minute cache writes, which is what `ephemeral` writes).
 * Update it when Anthropic changes a price or ships a model; nothing else holds prices.
 */
export interface ClaudeModel {
  /** USD per million tokens. */
  price: { input: number; output: number; cacheWrite: number; cacheRead: number };
  /**
   * Whether the model accepts a forced `tool_choice` (`{type: 'tool', name}`). Claude Sonnet 5.5 and
   * the other 5.5-generation models answer it with a 400; there the prompt asks for the tool and an
   * answer without it is rejected like any other invalid answer.
   */
  forcedToolChoice: boolean;
  /** Sent as `thinking`; `between_tools` turns up-front thinking off where the model supports it. */
  thinking?: { type: 'between_tools' };
}

export const CLAUDE_MODELS: Readonly<Record<string, ClaudeModel>> = {
  'claude-sonnet-5-5': {
    price: { input: 2, output: 10, cacheWrite: 2.5, cacheRead: 0.2 },
    forcedToolChoice: false,
    thinking: { type: 'between_tools' },
  },
  'claude-opus-5-5': {
    price: { input: 4, output: 20, cacheWrite: 5, cacheRead: 0.4 },
    forcedToolChoice: false,
  },
  'claude-sonnet-5': {
    price: { input: 2, output: 10, cacheWrite: 2.5, cacheRead: 0.2 },
    forcedToolChoice: true,
  },
  'claude-sonnet-4-6': {
    price: { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 },
    forcedToolChoice: true,
  },
  'claude-sonnet-4-5': {
    price: { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 },
    forcedToolChoice: true,
  },
  'claude-sonnet-4-5-20250929': {
    price: { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 },
    forcedToolChoice: true,
  },
  'claude-haiku-4-5': {
    price: { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 },
    forcedToolChoice: true,
  },
  'claude-haiku-4-5-20251001': {
    price: { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 },
    forcedToolChoice: true,
  },
};

/** The current Claude Sonnet (checked against Anthropic's model overview). */
export const DEFAULT_CLAUDE_MODEL = 'claude-sonnet-5-5';

/**
 * A model missing from the table (a new id set through ANTHROPIC_MODEL) is priced like the dearest
 * model we know, so the daily budget errs on the side of spending less, and is asked for the tool
 * without forcing it, which every model accepts.
 */
const UNKNOWN_MODEL: ClaudeModel = {
  price: Object.values(CLAUDE_MODELS).reduce(
    (dearest, m) => (m.price.output > dearest.output ? m.price : dearest),
    CLAUDE_MODELS[DEFAULT_CLAUDE_MODEL]!.price,
  ),
  forcedToolChoice: false,
};

export function claudeModel(id: string): ClaudeModel & { known: boolean } {
  const model = CLAUDE_MODELS[id];
  return model ? { ...model, known: true } : { ...UNKNOWN_MODEL, known: false };
}

export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

/** What a call cost in US dollars: each kind of token at its own rate. */
export function costOf(model: string, tokens: TokenCounts): number {
  const { price } = claudeModel(model);
  const usd =
    (tokens.inputTokens * price.input +
      tokens.outputTokens * price.output +
      tokens.cacheWriteTokens * price.cacheWrite +
      tokens.cacheReadTokens * price.cacheRead) /
    1_000_000;
  return Math.round(usd * 1e6) / 1e6;
}
