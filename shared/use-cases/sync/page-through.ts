import { CrmRequestError } from '../../errors.ts';
import type { CrmClient, CrmModule, ListOptions, ZohoRecord } from '../../ports/crm-client.ts';

/** Zoho serves at most 10 numbered pages of 200 records; past them only `page_token` works. */
const MAX_DISCRETE_PAGE = 10;
const PER_PAGE = 200;

/**
 * Lists a whole module, sorted by id ascending (records created during the sync land at the end instead
 * of shifting the pages), handing each page to `onPage` before the next is fetched so memory stays flat.
 *
 * Past page 10 it needs Zoho's `page_token`. The CrmClient port does not carry one yet, so it is used when
 * the client offers it (`nextPageToken` on the page, `pageToken` in the options: ZohoRestClient does) and
 * the listing stops with a clear error otherwise.
 */
export async function pageThrough(
  crm: CrmClient,
  module: CrmModule,
  fields: readonly string[],
  onPage: (records: ZohoRecord[]) => Promise<void>,
): Promise<void> {
  let page = 1;
  let pageToken: string | undefined;
  for (;;) {
    const options: ListOptions & { pageToken?: string } = {
      fields,
      page,
      perPage: PER_PAGE,
      sortBy: 'id',
      sortOrder: 'asc',
      ...(pageToken ? { pageToken } : {}),
    };
    const result = await crm.listRecords(module, options);
    await onPage(result.records);
    if (!result.moreRecords) return;
    const next = (result as { nextPageToken?: unknown }).nextPageToken;
    if (page < MAX_DISCRETE_PAGE && !pageToken) {
      page += 1;
    } else if (typeof next === 'string' && next !== '') {
      pageToken = next;
    } else {
      throw new CrmRequestError(
        `${module} has more than ${MAX_DISCRETE_PAGE * PER_PAGE} records and the CRM client offers no page_token to list past them`,
        { details: { module, pages: page } },
      );
    }
  }
}

/** Runs `fn` over `items` with at most `limit` in flight (Zoho caps concurrent calls per user at 5–25). */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
