import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { EmfOperationalMetrics, stageMetrics } from '../../../shared/adapters/metrics/emf-operational-metrics.ts';
import { publishMetrics } from '../../../shared/runtime/observability.ts';

interface EmfLine {
  _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: unknown[] }[] };
  [key: string]: unknown;
}

// Powertools writes EMF to process.stdout, one JSON document per line: capture it and parse those lines.
let stdout: MockInstance<typeof process.stdout.write>;
const written: string[] = [];
beforeEach(() => {
  written.length = 0;
  stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
});
afterEach(() => stdout.mockRestore());

const emfLines = (): EmfLine[] =>
  written
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.startsWith('{') && line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as EmfLine);

function emf() {
  const buffer = stageMetrics({ namespace: 'Sergas', stage: 'prod' });
  const errors: string[] = [];
  const metrics = new EmfOperationalMetrics(buffer, { onError: (_error, name) => errors.push(name) });
  // What the handler wrappers do at the end of each invocation.
  const endInvocation = () => (publishMetrics(buffer).after as () => void)();
  return { metrics, endInvocation, errors };
}

describe('operational metrics as CloudWatch EMF', () => {
  it('writes a count in the Sergas namespace with the stage as its only dimension', () => {
    const { metrics, endInvocation } = emf();
    metrics.count('ZohoThrottled');
    endInvocation();
    const [line, ...rest] = emfLines();
    expect(rest).toEqual([]);
    expect(line!._aws.CloudWatchMetrics).toEqual([
      { Namespace: 'Sergas', Dimensions: [['Stage']], Metrics: [{ Name: 'ZohoThrottled', Unit: 'Count' }] },
    ]);
    expect(line).toMatchObject({ Stage: 'prod', ZohoThrottled: 1 });
    expect(line).not.toHaveProperty('service');
  });

  it('writes dollars without a unit, ages in seconds and credits as a count', () => {
    const { metrics, endInvocation } = emf();
    metrics.count('LlmCostUsd', 0.0123);
    metrics.gauge('ApprovalBacklogOldestAgeSeconds', 7200);
    metrics.gauge('ZohoCreditsRemaining', 4200);
    endInvocation();
    const [line] = emfLines();
    expect(line!._aws.CloudWatchMetrics[0]!.Metrics).toEqual([
      { Name: 'LlmCostUsd', Unit: 'None' },
      { Name: 'ApprovalBacklogOldestAgeSeconds', Unit: 'Seconds' },
      { Name: 'ZohoCreditsRemaining', Unit: 'Count' },
    ]);
    expect(line).toMatchObject({
      LlmCostUsd: 0.0123,
      ApprovalBacklogOldestAgeSeconds: 7200,
      ZohoCreditsRemaining: 4200,
    });
  });

  it('keeps every value of one invocation, for CloudWatch to add up', () => {
    const { metrics, endInvocation } = emf();
    metrics.count('ZohoThrottled');
    metrics.count('ZohoThrottled');
    endInvocation();
    expect(emfLines()[0]).toMatchObject({ ZohoThrottled: [1, 1] });
  });

  it('writes nothing at the end of an invocation that recorded nothing', () => {
    const { endInvocation } = emf();
    endInvocation();
    expect(written).toEqual([]);
  });

  it('publishes each invocation once: the next one starts empty', () => {
    const { metrics, endInvocation } = emf();
    metrics.gauge('ApprovalBacklogCount', 3);
    endInvocation();
    endInvocation();
    expect(emfLines()).toHaveLength(1);
  });

  it('drops a value that is not a number, says so, and carries on', () => {
    const { metrics, endInvocation, errors } = emf();
    metrics.count('LlmCostUsd', Number.NaN);
    metrics.count('ZohoThrottled');
    endInvocation();
    expect(errors).toEqual(['LlmCostUsd']);
    expect(emfLines()[0]).toMatchObject({ ZohoThrottled: 1 });
    expect(emfLines()[0]).not.toHaveProperty('LlmCostUsd');
  });
});
