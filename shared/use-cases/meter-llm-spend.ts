import type { LlmUsageLog } from '../ports/llm-usage.ts';
import type { OperationalMetrics } from '../ports/operational-metrics.ts';

/**
 * The LLM usage log, also counting each call's cost as `LlmCostUsd` so the daily-spend alarm sees what
 * the budget check sees. The cost is counted before the call is stored: it was spent either way.
 */
export function withMeteredLlmSpend(usage: LlmUsageLog, metrics: Pick<OperationalMetrics, 'count'>): LlmUsageLog {
  const record: LlmUsageLog['record'] = async (call) => {
    metrics.count('LlmCostUsd', call.costUsd);
    await usage.record(call);
  };
  // A proxy rather than a class, so methods added to the port later pass through untouched.
  return new Proxy(usage, {
    get(target, property) {
      if (property === 'record') return record;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
