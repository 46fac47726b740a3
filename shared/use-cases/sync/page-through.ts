import { CrmRequestError } from '../../errors.ts';
import type { CrmClient, CrmModule, ListOptions, ZohoRecord } from '../../ports/crm-client.ts';

/** Zoho serves at most 10 numbered pages of 200 records; past them only `page_token` works. */
const MAX_DISCRETE_PAGE = 10;
const PER_PAGE = 200;

export interface PageThroughOptions {
  /** Only records modified after this (If-Modified-Since); Zoho answers 304 when there are none. */
  ifModifiedSince?: Date;
  /** Default `id`: records created during the sync land at the end instead of shifting the pages. */
  sortBy?: 'id' | 'Modified_Time';
  /**
   * Follow `nextPageToken` from the first page on, not only past page 10. Needed when sorting by
   * Modified_Time: a record modified mid-listing jumps to the end, and numbered pages would then shift
   * and skip the record at the next page's boundary. Zoho's token continues after the last record served.
   */
  preferPageToken?: boolean;
}

export interface PageThroughResult {
  /** Requests made (pages fetched, the 304 or 204 included). */
  pages: number;
  /** Zoho answered 304 to the first request: nothing modified after `ifModifiedSince`. */
  notModified: boolean;
}

/**
 * Lists a whole module, ascending, handing each page to `onPage` before the next is fetched so memory
 * stays flat. Past page 10 it needs Zoho's `page_token`: it is used when the client offers one
 * (`nextPageToken`), and the listing stops with a clear error otherwise.
 */
export async function pageThrough(
  crm: CrmClient,
  module: CrmModule,
  fields: readonly string[],
  onPage: (records: ZohoRecord[]) => Promise<void>,
  options: PageThroughOptions = {},
): Promise<PageThroughResult> {
  let page = 1;
  let pageToken: string | undefined;
  for (;;) {
    const request: ListOptions = {
      fields,
      page,
      perPage: PER_PAGE,
      sortBy: options.sortBy ?? 'id',
      sortOrder: 'asc',
      ...(pageToken ? { pageToken } : {}),
      ...(options.ifModifiedSince ? { ifModifiedSince: options.ifModifiedSince } : {}),
    };
    const result = await crm.listRecords(module, request);
    if (result.notModified) return { pages: page, notModified: true };
    await onPage(result.records);
    if (!result.moreRecords) return { pages: page, notModified: false };
    const next = result.nextPageToken;
    const tokenOffered = typeof next === 'string' && next !== '';
    // Zoho refuses page together with page_token, so once on tokens a listing stays on them.
    const needsToken = pageToken !== undefined || page >= MAX_DISCRETE_PAGE;
    if (tokenOffered && (needsToken || options.preferPageToken)) {
      pageToken = next;
    } else if (needsToken) {
      throw new CrmRequestError(
        `${module} has more than ${MAX_DISCRETE_PAGE * PER_PAGE} records and the CRM client offers no page_token to list past them`,
        { details: { module, pages: page } },
      );
    }
    page += 1;
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
