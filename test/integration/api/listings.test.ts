import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountList, ApprovalList, RecommendationList, RunList } from '../../../shared/api/schemas.ts';
import { ACCOUNTS, ALL_ACCOUNTS, type ApiHarness, type Json, PEOPLE, startApiHarness } from './api-harness.ts';

describe('the list endpoints filter and page', () => {
  let h: ApiHarness;
  let admin: string;

  beforeAll(async () => {
    h = await startApiHarness();
    admin = await h.token('admin');
  });
  afterAll(async () => h?.close());

  const get = async (path: string): Promise<Json> => {
    const response = await h.call(path, admin);
    const body = (await response.json()) as Json;
    expect(response.status, `${path}: ${JSON.stringify(body)}`).toBe(200);
    return body;
  };

  /** Every item of a list, following next_cursor a page of `limit` at a time. */
  async function walk(path: string, key: string, limit: number): Promise<{ items: Json[]; pages: number }> {
    const items: Json[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const separator = path.includes('?') ? '&' : '?';
      const page = await get(
        `${path}${separator}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page[key].length).toBeLessThanOrEqual(limit);
      items.push(...page[key]);
      cursor = page.next_cursor;
      pages += 1;
    } while (cursor && pages < 200);
    return { items, pages };
  }

  it('pages accounts riskiest first, each exactly once, and gives the same order as one big page', async () => {
    const whole = AccountList.parse(await get('/api/v1/accounts?limit=100'));
    expect(whole.next_cursor).toBeNull();
    expect(whole.accounts.map((a) => a.id).sort()).toEqual([...ALL_ACCOUNTS].sort());
    const paged = await walk('/api/v1/accounts', 'accounts', 2);
    expect(paged.pages).toBe(3);
    expect(paged.items.map((a) => a.id)).toEqual(whole.accounts.map((a) => a.id));
    const order = ['critical', 'high', 'medium', 'low', 'none'];
    const ranks = whole.accounts.map((a) => order.indexOf(a.risk_level));
    expect(ranks).toEqual([...ranks].sort((x, y) => x - y));
  });

  it('filters accounts by risk, owner and health band, and counts the summary before those filters', async () => {
    const whole = AccountList.parse(await get('/api/v1/accounts?limit=100'));
    const risk = whole.accounts[0]!.risk_level;
    const byRisk = AccountList.parse(await get(`/api/v1/accounts?risk=${risk}`));
    expect(byRisk.accounts.length).toBeGreaterThan(0);
    expect(byRisk.accounts.every((a) => a.risk_level === risk)).toBe(true);
    expect(byRisk.summary.accounts).toBe(ALL_ACCOUNTS.length);
    const band = whole.accounts.find((a) => a.health)!.health!.band;
    const byBand = AccountList.parse(await get(`/api/v1/accounts?health=${band}`));
    expect(byBand.accounts.map((a) => a.id).sort()).toEqual(
      whole.accounts
        .filter((a) => a.health?.band === band)
        .map((a) => a.id)
        .sort(),
    );
    const byOwner = AccountList.parse(await get(`/api/v1/accounts?owner=${PEOPLE.oscar}`));
    expect(byOwner.accounts.map((a) => a.id).sort()).toEqual([...ACCOUNTS.oscar].sort());
    expect(byOwner.summary.accounts).toBe(2);
  });

  it('pages recommendations newest first without repeats, and filters by status, type and account', async () => {
    const whole = RecommendationList.parse(await get('/api/v1/recommendations?limit=100'));
    expect(whole.recommendations.length).toBeGreaterThan(3);
    const paged = await walk('/api/v1/recommendations', 'recommendations', 3);
    expect(paged.items.map((r) => r.id)).toEqual(whole.recommendations.map((r) => r.id));
    const created = whole.recommendations.map((r) => r.created_at);
    expect(created).toEqual([...created].sort().reverse());

    const type = whole.recommendations[0]!.type;
    const byType = RecommendationList.parse(await get(`/api/v1/recommendations?type=${type}&limit=100`));
    expect(byType.recommendations.map((r) => r.id)).toEqual(
      whole.recommendations.filter((r) => r.type === type).map((r) => r.id),
    );
    const pending = RecommendationList.parse(await get('/api/v1/recommendations?status=pending&limit=100'));
    expect(pending.recommendations.every((r) => r.status === 'pending')).toBe(true);
    expect((await get('/api/v1/recommendations?status=executed')).recommendations).toEqual([]);
    const account = ACCOUNTS.nina[1];
    const byAccount = RecommendationList.parse(await get(`/api/v1/recommendations?account=${account}&limit=100`));
    expect(byAccount.recommendations.every((r) => r.account.id === account)).toBe(true);
  });

  it('pages the approval queue oldest first, pending by default, and finds the expired ones', async () => {
    const pending = ApprovalList.parse(await get('/api/v1/approvals?limit=100'));
    expect(pending.approvals.length).toBeGreaterThan(2);
    expect(pending.approvals.every((a) => a.status === 'pending')).toBe(true);
    const paged = await walk('/api/v1/approvals', 'approvals', 2);
    expect(paged.items.map((a) => a.id)).toEqual(pending.approvals.map((a) => a.id));
    const created = pending.approvals.map((a) => a.created_at);
    expect(created).toEqual([...created].sort());

    const lapsed = pending.approvals[0]!;
    await h.deps.db.query(`UPDATE approvals SET expires_at = now() - interval '1 minute' WHERE id = $1`, [lapsed.id]);
    const expired = ApprovalList.parse(await get('/api/v1/approvals?status=expired'));
    expect(expired.approvals.map((a) => a.id)).toEqual([lapsed.id]);
    const still = ApprovalList.parse(await get('/api/v1/approvals?limit=100'));
    expect(still.approvals.map((a) => a.id)).not.toContain(lapsed.id);
    expect((await get('/api/v1/approvals?status=approved')).approvals).toEqual([]);
  });

  it('pages runs newest first and filters them by account and status', async () => {
    const whole = RunList.parse(await get('/api/v1/runs?limit=100'));
    expect(whole.runs).toHaveLength(ALL_ACCOUNTS.length);
    const paged = await walk('/api/v1/runs', 'runs', 4);
    expect(paged.items.map((r) => r.id)).toEqual(whole.runs.map((r) => r.id));
    const started = whole.runs.map((r) => r.started_at);
    expect(started).toEqual([...started].sort().reverse());
    const account = ACCOUNTS.tom[1];
    expect(RunList.parse(await get(`/api/v1/runs?account=${account}`)).runs.map((r) => r.account.id)).toEqual([
      account,
    ]);
    const waiting = RunList.parse(await get('/api/v1/runs?status=AWAITING_APPROVAL&limit=100'));
    expect(waiting.runs.every((r) => r.status === 'AWAITING_APPROVAL')).toBe(true);
    expect((await get('/api/v1/runs?status=FAILED')).runs).toEqual([]);
  });
});
