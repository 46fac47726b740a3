import { describe, expect, it } from 'vitest';
import { MemoryCache } from '../../../shared/adapters/cache/memory-cache.ts';
import { budgetedCrmClient, CreditBudget } from '../../../shared/adapters/zoho/credit-budget.ts';
import { CrmRateLimitedError } from '../../../shared/errors.ts';
import { FakeCrmClient, manualClock } from './fake-crm-client.ts';

/** A fetch that answers each call with the next status and headers, recording the URLs. */
function scriptedFetch(...answers: Array<{ status?: number; headers?: Record<string, string> }>) {
  const urls: string[] = [];
  const fetch = (async (input: Parameters<typeof globalThis.fetch>[0]) => {
    urls.push(String(input));
    const answer = answers.shift() ?? {};
    const status = answer.status ?? 200;
    return new Response(status === 204 ? null : '{}', { status, headers: answer.headers ?? {} });
  }) as typeof globalThis.fetch;
  return { fetch, urls };
}

const api = 'https://www.zohoapis.eu/crm/v8/Accounts';
const credits = (remaining: number) => ({ headers: { 'X-API-CREDITS-REMAINING': String(remaining) } });

/** A budget of 10,000 credits a day: background waits under 1000, normal under 200. */
function budget(options: { cache?: MemoryCache } = {}) {
  const clock = manualClock();
  const slept: number[] = [];
  const budget = new CreditBudget({
    dailyCredits: 10_000,
    backgroundReserve: { fraction: 0.1 },
    normalReserve: 200,
    pollMs: 1000,
    maxWaitMs: 5000,
    rateLimitedForMs: 60_000,
    now: clock.now,
    // Waiting moves the clock, as real time would.
    sleep: async (ms) => {
      slept.push(ms);
      clock.advance(ms);
    },
    ...(options.cache ? { cache: options.cache } : {}),
  });
  return { budget, clock, slept };
}

describe('the Zoho credit budget', () => {
  it('remembers X-API-CREDITS-REMAINING from each response, passing the response on', async () => {
    const { budget: b } = budget();
    const { fetch } = scriptedFetch(credits(4200));
    const response = await b.wrap(fetch)(api);
    expect(response.status).toBe(200);
    expect(await b.snapshot()).toEqual({ remaining: 4200, rateLimitedUntil: null });
  });

  it('forgets a low reading when Zoho stops sending the header (under half the credits used)', async () => {
    const { budget: b } = budget();
    const wrapped = b.wrap(scriptedFetch(credits(50), {}).fetch);
    await wrapped(api);
    await wrapped(api);
    expect((await b.snapshot()).remaining).toBeNull();
  });

  it('ignores responses from outside the CRM API, such as the OAuth token endpoint', async () => {
    const { budget: b } = budget();
    const wrapped = b.wrap(scriptedFetch(credits(50), {}).fetch);
    await wrapped(api);
    await wrapped('https://accounts.zoho.eu/oauth/v2/token');
    expect((await b.snapshot()).remaining).toBe(50);
  });

  it('admits all work at once while credits are plentiful or unknown', async () => {
    const { budget: b, slept } = budget();
    await b.admit('background');
    await b.observe({ status: 200, headers: new Headers(credits(5000).headers) });
    await b.admit('background');
    await b.admit('normal');
    expect(slept).toEqual([]);
  });

  it('lets urgent work through while background work waits below the reserve', async () => {
    const { budget: b, slept } = budget();
    await b.observe({ status: 200, headers: new Headers(credits(900).headers) });
    const order: string[] = [];
    const background = b.admit('background').then(
      () => order.push('background'),
      () => order.push('background refused'),
    );
    await b.admit('urgent').then(() => order.push('urgent'));
    await b.admit('normal').then(() => order.push('normal'));
    await background;
    expect(order).toEqual(['urgent', 'normal', 'background refused']);
    expect(slept.reduce((a, b) => a + b, 0)).toBe(5000);
  });

  it('admits waiting background work as soon as a response shows the credits back above the reserve', async () => {
    const { budget: b, slept } = budget();
    await b.observe({ status: 200, headers: new Headers(credits(900).headers) });
    const waiting = b.admit('background');
    await b.observe({ status: 200, headers: new Headers(credits(1500).headers) });
    await waiting;
    expect(slept).toEqual([1000]);
  });

  it('holds normal work only below its lower threshold', async () => {
    const { budget: b } = budget();
    await b.observe({ status: 200, headers: new Headers(credits(500).headers) });
    await expect(b.admit('normal')).resolves.toBeUndefined();
    await b.observe({ status: 200, headers: new Headers(credits(150).headers) });
    await expect(b.admit('normal')).rejects.toThrow(/150 credits remain, below the normal reserve of 200/);
  });

  it('throws CrmRateLimitedError naming the budget after waiting at most maxWaitMs', async () => {
    const { budget: b, slept } = budget();
    await b.observe({ status: 200, headers: new Headers(credits(10).headers) });
    const refused = b.admit('background');
    await expect(refused).rejects.toBeInstanceOf(CrmRateLimitedError);
    await expect(b.admit('background')).rejects.toThrow(/Zoho credit budget/);
    expect(slept.slice(0, 5)).toEqual([1000, 1000, 1000, 1000, 1000]);
  });

  it('treats a 429 as exhausted until the configured retry-after, for all but urgent work', async () => {
    const { budget: b, clock } = budget();
    await b.wrap(scriptedFetch({ status: 429 }).fetch)(api);
    expect((await b.snapshot()).rateLimitedUntil).toBe(clock.now() + 60_000);
    await expect(b.admit('urgent')).resolves.toBeUndefined();
    await expect(b.admit('normal')).rejects.toThrow(/429/);
    clock.advance(55_000);
    await expect(b.admit('normal')).resolves.toBeUndefined();
  });

  it('holds back nothing for a 429 on a Bulk Read download, whose per-minute limit the bulk client waits out', async () => {
    const { budget: b } = budget();
    const wrapped = b.wrap(scriptedFetch({ status: 429 }).fetch);

    await wrapped('https://www.zohoapis.eu/crm/bulk/v8/read/4876876000000998001/result');

    expect((await b.snapshot()).rateLimitedUntil).toBeNull();
    await expect(b.admit('background')).resolves.toBeUndefined();
  });

  it('still holds back work after a 429 on creating a Bulk Read job', async () => {
    const { budget: b, clock } = budget();
    await b.wrap(scriptedFetch({ status: 429 }).fetch)('https://www.zohoapis.eu/crm/bulk/v8/read');
    expect((await b.snapshot()).rateLimitedUntil).toBe(clock.now() + 60_000);
  });

  it('honours a Retry-After header when Zoho sends one', async () => {
    const { budget: b, clock } = budget();
    await b.observe({ status: 429, headers: new Headers({ 'retry-after': '2' }) });
    expect((await b.snapshot()).rateLimitedUntil).toBe(clock.now() + 2000);
  });

  it('shares readings between processes through the cache', async () => {
    const clock = manualClock();
    const cache = new MemoryCache(clock.now);
    const worker = budget({ cache }).budget;
    const api2 = budget({ cache }).budget;
    await worker.observe({ status: 200, headers: new Headers(credits(300).headers) });
    expect(await api2.snapshot()).toEqual({ remaining: 300, rateLimitedUntil: null });
  });

  it('gates every call of a CrmClient with one priority', async () => {
    const { budget: b } = budget();
    await b.observe({ status: 200, headers: new Headers(credits(10).headers) });
    const crm = new FakeCrmClient({ ok: [] });
    await expect(budgetedCrmClient(crm, b, 'background').listUsers()).rejects.toBeInstanceOf(CrmRateLimitedError);
    await expect(budgetedCrmClient(crm, b, 'urgent').createRecords('Tasks', [{}])).resolves.toEqual([]);
    expect(crm.calls).toEqual(['createRecords Tasks 1']);
    expect(budgetedCrmClient(crm, b, 'urgent').apiCalls).toBe(1);
  });
});
