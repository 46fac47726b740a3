import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { z } from 'zod';
import { EmfOperationalMetrics } from '../../../shared/adapters/metrics/emf-operational-metrics.ts';
import type { Container } from '../../../shared/runtime/container.ts';
import { useContainer } from '../../../shared/runtime/current-container.ts';
import { metrics } from '../../../shared/runtime/observability.ts';
import { workflowTask } from '../../../shared/runtime/workflow-task.ts';

let stdout: MockInstance<typeof process.stdout.write>;
const written: string[] = [];
beforeEach(() => {
  written.length = 0;
  stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
  useContainer({} as Container);
});
afterEach(() => stdout.mockRestore());

const emfLines = () =>
  written
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line));

const context = { functionName: 'sergas-test-task', awsRequestId: 'request-1' } as Context;

describe('a workflow task on Lambda', () => {
  it('publishes the metrics its invocation recorded, even when the task throws', async () => {
    const emf = new EmfOperationalMetrics(metrics);
    const handler = workflowTask(z.looseObject({}), async () => {
      emf.count('ZohoThrottled');
      throw new Error('Zoho said no');
    });
    await expect(handler({}, context)).rejects.toThrow('Zoho said no');
    expect(emfLines()).toEqual([expect.objectContaining({ ZohoThrottled: 1 })]);
    expect(metrics.hasStoredMetrics()).toBe(false);
  });
});
