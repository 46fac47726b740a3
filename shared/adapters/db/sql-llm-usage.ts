import type { Db } from '../../ports/db.ts';
import type { LlmCall, LlmCallOutcome, LlmUsageLog, LlmUsageTotals } from '../../ports/llm-usage.ts';

interface UsageRow {
  id: string;
  run_id: string;
  account_id: string;
  model: string;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cost_usd: number;
  outcome: LlmCallOutcome;
  created_at: Date;
}

interface TotalsRow {
  calls: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cost_usd: number;
}

// node-postgres returns numeric and bigint as strings: every aggregate is cast to a float8 or int4.
const TOTALS = `COUNT(*)::int AS calls,
  COALESCE(SUM(input_tokens), 0)::float8 AS input_tokens,
  COALESCE(SUM(output_tokens), 0)::float8 AS output_tokens,
  COALESCE(SUM(cache_read_tokens), 0)::float8 AS cache_read_tokens,
  COALESCE(SUM(cache_write_tokens), 0)::float8 AS cache_write_tokens,
  COALESCE(SUM(cost_usd), 0)::float8 AS cost_usd`;

/** Costs are kept to the micro-dollar, as the column stores them. */
const micro = (usd: number) => Math.round(usd * 1e6) / 1e6;

export class SqlLlmUsageLog implements LlmUsageLog {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async record(call: LlmCall): Promise<void> {
    await this.#db.query(
      `INSERT INTO llm_usage (run_id, account_id, model, input_tokens, output_tokens, cache_read_tokens,
         cache_write_tokens, cost_usd, outcome, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        call.runId,
        call.accountId,
        call.model,
        call.inputTokens,
        call.outputTokens,
        call.cacheReadTokens,
        call.cacheWriteTokens,
        micro(call.costUsd),
        call.outcome,
        call.at,
      ],
    );
  }

  async spentSince(since: Date): Promise<number> {
    const [row] = await this.#db.query<{ spent: number }>(
      'SELECT COALESCE(SUM(cost_usd), 0)::float8 AS spent FROM llm_usage WHERE created_at >= $1',
      [since],
    );
    return micro(Number(row?.spent ?? 0));
  }

  async listByRun(runId: string): Promise<(LlmCall & { id: string })[]> {
    const rows = await this.#db.query<UsageRow>(
      `SELECT id::text AS id, run_id, account_id, model, input_tokens, output_tokens, cache_read_tokens,
         cache_write_tokens, cost_usd::float8 AS cost_usd, outcome, created_at
       FROM llm_usage WHERE run_id = $1 ORDER BY created_at, id`,
      [runId],
    );
    return rows.map((row) => ({
      id: row.id,
      runId: row.run_id,
      accountId: row.account_id,
      model: row.model,
      inputTokens: row.input_tokens,
      outputTokens: row.output_tokens,
      cacheReadTokens: row.cache_read_tokens,
      cacheWriteTokens: row.cache_write_tokens,
      costUsd: Number(row.cost_usd),
      outcome: row.outcome,
      at: row.created_at,
    }));
  }

  async totals(filter: { runId?: string; since?: Date; until?: Date }): Promise<LlmUsageTotals> {
    const [row] = await this.#db.query<TotalsRow>(
      `SELECT ${TOTALS} FROM llm_usage
       WHERE ($1::text IS NULL OR run_id = $1)
         AND ($2::timestamptz IS NULL OR created_at >= $2)
         AND ($3::timestamptz IS NULL OR created_at < $3)`,
      [filter.runId ?? null, filter.since ?? null, filter.until ?? null],
    );
    return {
      calls: Number(row?.calls ?? 0),
      inputTokens: Number(row?.input_tokens ?? 0),
      outputTokens: Number(row?.output_tokens ?? 0),
      cacheReadTokens: Number(row?.cache_read_tokens ?? 0),
      cacheWriteTokens: Number(row?.cache_write_tokens ?? 0),
      costUsd: micro(Number(row?.cost_usd ?? 0)),
    };
  }
}
