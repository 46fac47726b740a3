import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScenarioBench } from './scenario-bench.ts';
import { loadScenarios } from './scenario-format.ts';
import { normalisedExpected, observedFor } from './scenario-score.ts';

/**
 * The evaluation set (test/fixtures/scenarios): each labelled scenario goes through sandbox → full sync →
 * the workflow's analysis steps, and its signals, risk level and recommendations must be exactly the
 * labels. `npm run eval` reports precision and recall over the same set.
 */
const scenarios = await loadScenarios();

describe('evaluation scenarios', () => {
  let bench: ScenarioBench;
  beforeAll(async () => {
    bench = await ScenarioBench.open();
  });
  afterAll(async () => bench?.close());

  it('has at least 40 scenarios', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(40);
  });

  it.each(scenarios.map((s) => [s.name, s] as const))('%s', async (_name, scenario) => {
    const outcome = await bench.run(scenario);
    // Only the labelled fields are compared, in the labels' shape, so the failure diff shows what differs.
    expect(observedFor(outcome, scenario.expected), `${scenario.file}: ${scenario.description}`).toEqual(
      normalisedExpected(scenario.expected),
    );
  });
});
