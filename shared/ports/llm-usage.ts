/** Tokens one model call used and what they cost; the API bills the four kinds at different rates. */
export interface LlmUsage {
  model: string;
  /** Input tokens read fresh (not from or into the prompt cache). */
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
}

/** How a call ended: only `ok` produced an answer we used. */
export type LlmCallOutcome = 'ok' | 'invalid' | 'timeout' | 'rate_limited' | 'overloaded' | 'error';

export interface LlmCall extends LlmUsage {
  runId: string;
  accountId: string;
  outcome: LlmCallOutcome;
  at: Date;
}

export interface LlmUsageTotals {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
}

/**
 * Every model call and its cost, kept so a daily budget can stop spending and so a run, a day or a
 * month can be accounted for. Calls are recorded whatever their outcome (a rejected answer still costs).
 */
export interface LlmUsageLog {
  record(call: LlmCall): Promise<void>;
  /** US dollars spent from `since` (inclusive) until now. */
  spentSince(since: Date): Promise<number>;
  /** The calls of one run, oldest first. */
  listByRun(runId: string): Promise<(LlmCall & { id: string })[]>;
  /** Totals over the calls of one run and/or a time window (`since` inclusive, `until` exclusive). */
  totals(filter: { runId?: string; since?: Date; until?: Date }): Promise<LlmUsageTotals>;
}
