import { describe, expect, it } from 'vitest';
import { CrmRequestError } from '../../../shared/errors.ts';
import type { CrmClient, ListOptions, RecordPage, ZohoRecord } from '../../../shared/ports/crm-client.ts';
import { forEachLimited, pageThrough } from '../../../shared/use-cases/sync/page-through.ts';

/** A module of `total` records served like Zoho: numbered pages up to 10, page tokens when `tokens`. */
function fakeCrm(total: number, tokens: boolean): CrmClient & { requests: (ListOptions & { pageToken?: string })[] } {
  const records: ZohoRecord[] = Array.from({ length: total }, (_, i) => ({ id: String(5725767000000100000 + i) }));
  const requests: (ListOptions & { pageToken?: string })[] = [];
  const unused = () => Promise.reject(new Error('not used'));
  return {
    requests,
    apiCalls: 0,
    listUsers: unused,
    getRecord: unused,
    relatedRecords: unused,
    searchRecords: unused,
    createRecords: unused,
    async listRecords(_module, options: ListOptions & { pageToken?: string }) {
      requests.push(options);
      const perPage = options.perPage ?? 200;
      const page = options.pageToken ? Number(options.pageToken.replace('token-', '')) : (options.page ?? 1);
      const slice = records.slice((page - 1) * perPage, page * perPage);
      const moreRecords = page * perPage < total;
      const result: RecordPage & { nextPageToken?: string | null } = { records: slice, moreRecords };
      if (tokens) result.nextPageToken = moreRecords ? `token-${page + 1}` : null;
      return result;
    },
  };
}

describe('paging through a module', () => {
  it('asks for pages of 200 sorted by id ascending until Zoho says there are no more', async () => {
    const crm = fakeCrm(450, false);
    const pages: number[] = [];
    await pageThrough(crm, 'Accounts', ['Account_Name'], async (records) => {
      pages.push(records.length);
    });
    expect(pages).toEqual([200, 200, 50]);
    expect(crm.requests[0]).toMatchObject({ page: 1, perPage: 200, sortBy: 'id', sortOrder: 'asc' });
  });

  it('continues past 2000 records with the page token the client offers', async () => {
    const crm = fakeCrm(2300, true);
    let fetched = 0;
    await pageThrough(crm, 'Calls', ['Subject'], async (records) => {
      fetched += records.length;
    });
    expect(fetched).toBe(2300);
    expect(crm.requests[10]?.pageToken).toBe('token-11');
  });

  it('stops with a clear error past 2000 records when the client has no page token', async () => {
    const crm = fakeCrm(2300, false);
    const error = await pageThrough(crm, 'Calls', ['Subject'], async () => {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CrmRequestError);
    expect((error as Error).message).toMatch(/Calls has more than 2000 records/);
  });
});

describe('bounded concurrency', () => {
  it('never has more than the limit in flight and visits every item', async () => {
    let inFlight = 0;
    let peak = 0;
    const visited: number[] = [];
    await forEachLimited([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      visited.push(n);
      inFlight -= 1;
    });
    expect(peak).toBe(3);
    expect(visited.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});
