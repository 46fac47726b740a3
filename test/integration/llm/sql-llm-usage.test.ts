import { afterEach, describe, expect, it } from 'vitest';
import { SqlLlmUsageLog } from '../../../shared/adapters/db/sql-llm-usage.ts';
import type { LlmCall } from '../../../shared/ports/llm-usage.ts';
import { databases, type TestDatabase } from '../../support/databases.ts';

const RUN_A = '0b6a3c8e-2f41-4d7a-9a55-6a1f0c2b9e01';
const RUN_B = '7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f';

function call(overrides: Partial<LlmCall> = {}): LlmCall {
  return {
    runId: RUN_A,
    accountId: '4876876000000001001',
    model: 'claude-sonnet-5-5',
    inputTokens: 900,
    outputTokens: 600,
    cacheReadTokens: 0,
    cacheWriteTokens: 1_800,
    costUsd: 0.0123,
    outcome: 'ok',
    at: new Date('2026-11-24T10:00:00Z'),
    ...overrides,
  };
}

describe.each(databases())('LLM usage on %s', (_name, makeDb) => {
  let database: TestDatabase | undefined;
  afterEach(async () => database?.drop());

  it('keeps every call with its tokens, cost and outcome, per run', async () => {
    database = await makeDb();
    const usage = new SqlLlmUsageLog(database.db);
    await usage.record(call());
    await usage.record(
      call({
        outcome: 'overloaded',
        inputTokens: 0,
        outputTokens: 0,
        cacheWriteTokens: 0,
        costUsd: 0,
        at: new Date('2026-11-24T10:01:00Z'),
      }),
    );
    await usage.record(call({ runId: RUN_B, outcome: 'invalid' }));

    const calls = await usage.listByRun(RUN_A);
    expect(calls.map(({ id: _id, ...rest }) => rest)).toEqual([
      call(),
      call({
        outcome: 'overloaded',
        inputTokens: 0,
        outputTokens: 0,
        cacheWriteTokens: 0,
        costUsd: 0,
        at: new Date('2026-11-24T10:01:00Z'),
      }),
    ]);
    expect(calls[0]!.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await usage.totals({ runId: RUN_A })).toEqual({
      calls: 2,
      inputTokens: 900,
      outputTokens: 600,
      cacheReadTokens: 0,
      cacheWriteTokens: 1_800,
      costUsd: 0.0123,
    });
  });

  it('sums what a day cost, from its start, for the daily budget', async () => {
    database = await makeDb();
    const usage = new SqlLlmUsageLog(database.db);
    await usage.record(call({ costUsd: 4.5, at: new Date('2026-11-23T23:59:59Z') }));
    await usage.record(call({ costUsd: 0.25, at: new Date('2026-11-24T00:00:00Z') }));
    await usage.record(call({ costUsd: 0.125, at: new Date('2026-11-24T18:30:00Z') }));
    await usage.record(call({ runId: RUN_B, costUsd: 0.000001, at: new Date('2026-11-24T20:00:00Z') }));

    const dayStart = new Date('2026-11-24T00:00:00Z');
    expect(await usage.spentSince(dayStart)).toBe(0.375001);
    expect(await usage.spentSince(new Date('2026-11-25T00:00:00Z'))).toBe(0);
    expect(await usage.totals({ since: new Date('2026-11-23T00:00:00Z'), until: dayStart })).toMatchObject({
      calls: 1,
      costUsd: 4.5,
    });
    expect(await usage.totals({ since: dayStart, until: new Date('2026-11-25T00:00:00Z') })).toMatchObject({
      calls: 3,
      inputTokens: 2_700,
      costUsd: 0.375001,
    });
  });

  it('counts nothing where nothing was spent', async () => {
    database = await makeDb();
    const usage = new SqlLlmUsageLog(database.db);
    expect(await usage.spentSince(new Date(0))).toBe(0);
    expect(await usage.totals({ runId: RUN_A })).toEqual({
      calls: 0,
      inputTokens: 0,
      outputTokens: 0,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      costUsd: 0,
    });
    expect(await usage.listByRun(RUN_A)).toEqual([]);
  });
});
