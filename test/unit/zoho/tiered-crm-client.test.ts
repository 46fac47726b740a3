import { describe, expect, it } from 'vitest';
import { TieredCrmClient, type TierFailure } from '../../../shared/adapters/zoho/tiered-crm-client.ts';
import { CrmRateLimitedError, CrmRequestError, RetryableUpstreamError } from '../../../shared/errors.ts';
import {
  connectionRefused,
  connectionReset,
  FakeCrmClient,
  FakeCrmClientWithDeletions,
  manualClock,
} from './fake-crm-client.ts';

const users = [{ id: '1', full_name: 'Ada' }];
const down = () => new RetryableUpstreamError('HTTP 503');
const notSupported = () => new CrmRequestError('no such tool', { details: { code: 'NOT_SUPPORTED' } });
const created = [{ status: 'success', code: 'SUCCESS', id: '9', message: 'record added', details: { id: '9' } }];

function tiered(
  tiers: Record<string, FakeCrmClient>,
  options: { failureThreshold?: number; readAttempts?: number } = {},
) {
  const clock = manualClock();
  const sleeps: number[] = [];
  const failures: TierFailure[] = [];
  const client = new TieredCrmClient({
    tiers: Object.entries(tiers).map(([name, client]) => ({ name, client })),
    failureThreshold: options.failureThreshold ?? 3,
    coolDownMs: 30_000,
    readAttempts: options.readAttempts ?? 2,
    now: clock.now,
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
    onTierFailure: (failure) => failures.push(failure),
  });
  return { client, clock, sleeps, failures };
}

describe('a tiered CRM client reading', () => {
  it('reads the deletion log from the first tier that has one, passing over those that do not', async () => {
    const mcp = new FakeCrmClient({ ok: [] });
    const rest = new FakeCrmClientWithDeletions({ ok: [] });
    const { client, failures } = tiered({ mcp, rest });
    const page = await client.deletedRecords('Accounts', { page: 1 });
    expect(page.records.map((r) => r.id)).toEqual(['7']);
    expect(mcp.calls).toEqual([]);
    expect(failures).toEqual([]);
  });

  it('answers from the first tier when it is healthy, leaving the others alone', async () => {
    const mcp = new FakeCrmClient({ ok: users });
    const rest = new FakeCrmClient({ ok: [] });
    const { client } = tiered({ mcp, rest });
    expect(await client.listUsers()).toEqual(users);
    expect(rest.calls).toEqual([]);
  });

  it('retries a failing tier with backoff, then fails over to the next tier in order', async () => {
    const mcp = new FakeCrmClient({ fail: down() });
    const sdk = new FakeCrmClient({ fail: new CrmRateLimitedError() });
    const rest = new FakeCrmClient({ ok: users });
    const { client, sleeps } = tiered({ mcp, sdk, rest });
    expect(await client.listUsers()).toEqual(users);
    expect(mcp.calls).toHaveLength(2);
    expect(sdk.calls).toHaveLength(2);
    expect(rest.calls).toHaveLength(1);
    expect(sleeps).toEqual([100, 100]);
  });

  it('opens a tier’s breaker after repeated failures and then skips it without calling', async () => {
    const mcp = new FakeCrmClient({ fail: down() });
    const rest = new FakeCrmClient({ ok: users });
    const { client } = tiered({ mcp, rest }, { failureThreshold: 3, readAttempts: 1 });
    for (let i = 0; i < 3; i += 1) await client.listUsers();
    expect(client.tierStatus()).toEqual([
      { name: 'mcp', state: 'open', failures: 3, lastError: 'HTTP 503' },
      { name: 'rest', state: 'closed', failures: 0, lastError: null },
    ]);
    await client.listUsers();
    expect(mcp.calls).toHaveLength(3);
    expect(rest.calls).toHaveLength(4);
  });

  it('sends one probe to an open tier after the cool-down, and goes back to it when the probe succeeds', async () => {
    const mcp = new FakeCrmClient({ fail: down() }, { ok: users });
    const rest = new FakeCrmClient({ ok: [] });
    const { client, clock } = tiered({ mcp, rest }, { failureThreshold: 1, readAttempts: 1 });
    await client.listUsers();
    expect(client.tierStatus()[0]?.state).toBe('open');
    clock.advance(30_000);
    expect(client.tierStatus()[0]?.state).toBe('half-open');
    expect(await client.listUsers()).toEqual(users);
    expect(client.tierStatus()[0]?.state).toBe('closed');
  });

  it('surfaces a 4xx at once: another tier would refuse the same request', async () => {
    const mcp = new FakeCrmClient({ fail: new CrmRequestError('INVALID_DATA') });
    const rest = new FakeCrmClient({ ok: users });
    const { client } = tiered({ mcp, rest });
    await expect(client.getRecord('Accounts', 'x')).rejects.toBeInstanceOf(CrmRequestError);
    expect(mcp.calls).toHaveLength(1);
    expect(rest.calls).toEqual([]);
    expect(client.tierStatus()[0]?.failures).toBe(0);
  });

  it('passes over a tier that does not support the operation, without counting it against the tier', async () => {
    const mcp = new FakeCrmClient({ fail: notSupported() });
    const rest = new FakeCrmClient({ ok: users });
    const { client, failures } = tiered({ mcp, rest });
    expect(await client.listUsers()).toEqual(users);
    expect(mcp.calls).toEqual(['listUsers']);
    expect(rest.calls).toEqual(['listUsers']);
    expect(failures).toEqual([]);
    expect(client.tierStatus()[0]).toMatchObject({ state: 'closed', failures: 0 });
  });

  it('surfaces NOT_SUPPORTED as the tier said it when no tier supports the operation', async () => {
    const mcp = new FakeCrmClient({ fail: notSupported() });
    const rest = new FakeCrmClient({ fail: notSupported() });
    const { client } = tiered({ mcp, rest });
    await expect(client.listUsers()).rejects.toMatchObject({
      name: 'CrmRequestError',
      details: { code: 'NOT_SUPPORTED' },
    });
  });

  it('throws RetryableUpstreamError naming every tier and its last error when none answers', async () => {
    const mcp = new FakeCrmClient({ fail: down() });
    const rest = new FakeCrmClient({ fail: connectionReset() });
    const { client } = tiered({ mcp, rest }, { failureThreshold: 2 });
    const failure = client.listRecords('Accounts', { fields: ['Account_Name'] });
    await expect(failure).rejects.toBeInstanceOf(RetryableUpstreamError);
    await expect(failure).rejects.toThrow(/every tier \(mcp: HTTP 503; rest: fetch failed\)/);
    const again = client.listRecords('Accounts', { fields: ['Account_Name'] });
    await expect(again).rejects.toThrow(/mcp: Circuit breaker mcp is open; rest: Circuit breaker rest is open/);
  });

  it('throws CrmRateLimitedError when every tier that answered said 429, so workflows back off longer', async () => {
    const mcp = new FakeCrmClient({ fail: new CrmRateLimitedError() });
    const rest = new FakeCrmClient({ fail: new CrmRateLimitedError() });
    const { client } = tiered({ mcp, rest });
    await expect(client.listUsers()).rejects.toBeInstanceOf(CrmRateLimitedError);
  });

  it('counts the API calls of every tier', async () => {
    const mcp = new FakeCrmClient({ fail: down() });
    const rest = new FakeCrmClient({ ok: users });
    const { client } = tiered({ mcp, rest });
    await client.listUsers();
    expect(client.apiCalls).toBe(3);
  });
});

describe('a tiered CRM client writing', () => {
  const task = { Subject: 'Call Ada', Sergas_Key: 'rec-1:task' };

  it('sends a write once and surfaces a 503, never retrying it nor sending it to another tier', async () => {
    const mcp = new FakeCrmClient({ fail: down() });
    const rest = new FakeCrmClient({ ok: created });
    const { client, failures } = tiered({ mcp, rest });
    await expect(client.createRecords('Tasks', [task])).rejects.toBeInstanceOf(RetryableUpstreamError);
    expect(mcp.calls).toEqual(['createRecords Tasks 1']);
    expect(rest.calls).toEqual([]);
    expect(failures).toMatchObject([{ tier: 'mcp', failingOver: false }]);
  });

  it('does not fail a write over after a dropped connection: the request may have been applied', async () => {
    const mcp = new FakeCrmClient({ fail: connectionReset() });
    const rest = new FakeCrmClient({ ok: created });
    const { client } = tiered({ mcp, rest });
    await expect(client.createRecords('Tasks', [task])).rejects.toThrow(/fetch failed/);
    expect(rest.calls).toEqual([]);
  });

  it('fails a write over when the connection was refused, since nothing was sent', async () => {
    const mcp = new FakeCrmClient({
      fail: new RetryableUpstreamError('POST Tasks failed', { cause: connectionRefused() }),
    });
    const rest = new FakeCrmClient({ ok: created });
    const { client } = tiered({ mcp, rest });
    expect(await client.createRecords('Tasks', [task])).toEqual(created);
    expect(mcp.calls).toHaveLength(1);
    expect(rest.calls).toHaveLength(1);
  });

  it('sends a write straight to the next tier while the first tier’s breaker is open', async () => {
    const mcp = new FakeCrmClient({ fail: down() });
    const rest = new FakeCrmClient({ ok: users }, { ok: created });
    const { client } = tiered({ mcp, rest }, { failureThreshold: 1, readAttempts: 1 });
    await client.listUsers();
    expect(await client.createRecords('Tasks', [task])).toEqual(created);
    expect(mcp.calls).toEqual(['listUsers']);
  });

  it('sends a write to the next tier when the first does not support it, since nothing was sent', async () => {
    const mcp = new FakeCrmClient({ fail: notSupported() });
    const rest = new FakeCrmClient({ ok: created });
    const { client } = tiered({ mcp, rest });
    expect(await client.createRecords('Tasks', [task])).toEqual(created);
    expect(rest.calls).toHaveLength(1);
  });

  it('splits writes into batches of 100, one tier call each', async () => {
    const rest = new FakeCrmClient({ ok: Array.from({ length: 100 }, () => created[0]) }, { ok: created });
    const { client } = tiered({ rest });
    const results = await client.createRecords(
      'Tasks',
      Array.from({ length: 101 }, () => task),
    );
    expect(results).toHaveLength(101);
    expect(rest.calls).toEqual(['createRecords Tasks 100', 'createRecords Tasks 1']);
  });

  it('says nothing was sent when every tier was open or refused the connection', async () => {
    const mcp = new FakeCrmClient({ fail: connectionRefused() });
    const rest = new FakeCrmClient({ fail: connectionRefused() });
    const { client } = tiered({ mcp, rest });
    await expect(client.createRecords('Notes', [{ Note_Content: 'x' }])).rejects.toThrow(/nothing was sent/);
  });
});
