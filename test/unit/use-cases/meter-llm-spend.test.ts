import { describe, expect, it } from 'vitest';
import type { LlmCall, LlmUsageLog } from '../../../shared/ports/llm-usage.ts';
import { withMeteredLlmSpend } from '../../../shared/use-cases/meter-llm-spend.ts';
import { RecordingMetrics } from '../../support/recording-metrics.ts';

/** An LLM usage log in memory. */
function memoryUsageLog(): LlmUsageLog & { calls: LlmCall[] } {
  const calls: LlmCall[] = [];
  return {
    calls,
    record: async (call) => {
      calls.push(call);
    },
    spentSince: async (since) => calls.filter((c) => c.at >= since).reduce((sum, c) => sum + c.costUsd, 0),
    listByRun: async (runId) => calls.filter((c) => c.runId === runId).map((c, i) => ({ ...c, id: String(i) })),
    totals: async () => ({
      calls: 0,
      inputTokens: 0,
      outputTokens: 0,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      costUsd: 0,
    }),
  };
}

const call = (costUsd: number, outcome: LlmCall['outcome'] = 'ok'): LlmCall => ({
  runId: 'run-1',
  accountId: 'acc-1',
  model: 'claude-sonnet-4-5',
  inputTokens: 1000,
  outputTokens: 200,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  costUsd,
  outcome,
  at: new Date('2026-11-24T09:00:00Z'),
});

describe('LLM spend, for the daily-spend alarm', () => {
  it('counts the cost of every recorded call as LlmCostUsd, a rejected answer included', async () => {
    const metrics = new RecordingMetrics();
    const usage = withMeteredLlmSpend(memoryUsageLog(), metrics);
    await usage.record(call(0.0123));
    await usage.record(call(0.0042, 'invalid'));
    expect(metrics.valuesOf('LlmCostUsd')).toEqual([0.0123, 0.0042]);
  });

  it('still stores each call, and answers the budget check from the log', async () => {
    const log = memoryUsageLog();
    const usage = withMeteredLlmSpend(log, new RecordingMetrics());
    await usage.record(call(0.5));
    expect(log.calls).toHaveLength(1);
    expect(await usage.spentSince(new Date('2026-11-24T00:00:00Z'))).toBe(0.5);
  });
});
