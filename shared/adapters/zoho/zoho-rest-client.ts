import { z } from 'zod';
import { CrmRequestError, RetryableUpstreamError } from '../../errors.ts';
import type {
  CrmClient,
  CrmModule,
  CrmWriteResult,
  DeletedRecordPage,
  DeletedRecordsOptions,
  ListOptions,
  RecordPage,
  ZohoRecord,
} from '../../ports/crm-client.ts';
import {
  InfoSchema,
  MAX_DISCRETE_PAGE,
  MAX_WRITE_BATCH,
  PER_PAGE,
  parseEnvelope,
  parseJson,
  RecordSchema,
  RecordsEnvelope,
  WriteEnvelope,
  writeResultOf,
  ZohoError,
  zohoFailure,
} from './zoho-envelopes.ts';
import type { ZohoTokenSource } from './zoho-oauth.ts';

export interface ZohoRestClientOptions {
  tokens: ZohoTokenSource;
  /** The API domain (`https://www.zohoapis.eu`); without it, the `api_domain` Zoho returns with the token. */
  apiDomain?: string;
  fetch?: typeof fetch;
  /** Retries of an idempotent GET after a 5xx or a network failure (default 2). POSTs are never retried. */
  retries?: number;
  /** First backoff delay; each retry doubles it, with full jitter (default 250 ms). */
  backoffMs?: number;
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** `listRecords` options; `pageToken` is on the port now, the name stays for existing callers. */
export type TokenListOptions = ListOptions;

/** A page that always says whether there is a next token (null on the last page) and whether Zoho said 304. */
export interface TokenRecordPage extends RecordPage {
  nextPageToken: string | null;
  notModified: boolean;
}

/** Zoho serves at most 10 numbered pages of 200; past them only `page_token` works. */

const UserRef = z.looseObject({ id: z.string().min(1), name: z.string().nullish() });
export const DeletedEnvelope = z.looseObject({
  data: z.array(
    z.looseObject({
      id: z.string().min(1),
      deleted_by: UserRef.nullish(),
      deleted_time: z.iso.datetime({ offset: true }),
    }),
  ),
  info: InfoSchema,
});
export const UsersEnvelope = z.looseObject({ users: z.array(RecordSchema), info: InfoSchema });

type Params = Record<string, string | number | undefined>;

interface Reply {
  status: number;
  body: unknown;
}

interface SendOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Writes answer 400/207 with a per-record `data[]`: those are results, not a failed request. */
  acceptRecordErrors?: boolean;
}

/**
 * Zoho CRM REST API v8 over `fetch`. Authorises with `Zoho-oauthtoken`, refreshes once on INVALID_TOKEN,
 * maps failures onto the error taxonomy the workflows retry on (429 → CrmRateLimitedError, 5xx/network →
 * RetryableUpstreamError, other 4xx → CrmRequestError carrying Zoho's code), and counts every API call.
 */
export class ZohoRestClient implements CrmClient {
  readonly #tokens: ZohoTokenSource;
  readonly #apiDomain: string | null;
  readonly #fetch: typeof fetch;
  readonly #retries: number;
  readonly #backoffMs: number;
  readonly #timeoutMs: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  #apiCalls = 0;

  constructor(options: ZohoRestClientOptions) {
    this.#tokens = options.tokens;
    this.#apiDomain = options.apiDomain ? options.apiDomain.replace(/\/+$/, '') : null;
    this.#fetch = options.fetch ?? fetch;
    this.#retries = options.retries ?? 2;
    this.#backoffMs = options.backoffMs ?? 250;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#random = options.random ?? Math.random;
  }

  get apiCalls(): number {
    return this.#apiCalls;
  }

  /** Every CRM user, active or not (`type=AllUsers`), all pages. */
  async listUsers(): Promise<ZohoRecord[]> {
    return this.#collect('users', { type: 'AllUsers' }, (body) => {
      const envelope = parseEnvelope(UsersEnvelope, body, 'GET users');
      return { records: envelope.users, info: envelope.info };
    });
  }

  /**
   * One page of a module. Accepts `pageToken` (and returns `nextPageToken`) for lists past 2000 records,
   * and `ifModifiedSince` (sent as the `If-Modified-Since` header): Zoho's 304 is `notModified: true`.
   */
  async listRecords(module: CrmModule, options: ListOptions): Promise<TokenRecordPage> {
    const reply = await this.#send(
      'GET',
      module,
      {
        fields: options.fields.join(','),
        // Zoho rejects page together with page_token (AMBIGUITY_DURING_PROCESSING).
        page: options.pageToken ? undefined : (options.page ?? 1),
        page_token: options.pageToken,
        per_page: options.perPage ?? PER_PAGE,
        sort_by: options.sortBy,
        sort_order: options.sortOrder,
      },
      { headers: modifiedSinceHeader(options.ifModifiedSince) },
    );
    if (reply.body === null) {
      return { records: [], moreRecords: false, nextPageToken: null, notModified: reply.status === 304 };
    }
    const envelope = parseEnvelope(RecordsEnvelope, reply.body, `GET ${module}`);
    return {
      records: envelope.data,
      moreRecords: envelope.info?.more_records ?? false,
      nextPageToken: envelope.info?.next_page_token ?? null,
      notModified: false,
    };
  }

  /**
   * One page (200) of Zoho's deletion log for a module, `type=all` (recycle bin and permanent), newest
   * first. 204 (nothing deleted) and 304 (nothing deleted after `since`) are an empty last page.
   */
  async deletedRecords(module: CrmModule, options: DeletedRecordsOptions): Promise<DeletedRecordPage> {
    const path = `${module}/deleted`;
    const reply = await this.#send(
      'GET',
      path,
      { type: 'all', page: options.page, per_page: PER_PAGE },
      { headers: modifiedSinceHeader(options.since) },
    );
    if (reply.body === null) return { records: [], moreRecords: false };
    const envelope = parseEnvelope(DeletedEnvelope, reply.body, `GET ${path}`);
    return {
      records: envelope.data.map((entry) => ({
        id: entry.id,
        deletedTime: new Date(entry.deleted_time),
        deletedBy: entry.deleted_by ? { id: entry.deleted_by.id, name: entry.deleted_by.name ?? null } : null,
      })),
      moreRecords: envelope.info?.more_records ?? false,
    };
  }

  async countRecords(module: CrmModule): Promise<number> {
    const reply = await this.#send('GET', `${module}/actions/count`, {});
    const count = (reply.body as { count?: unknown } | null)?.count;
    if (typeof count !== 'number') throw new CrmRequestError(`GET ${module}/actions/count: no count in the answer`);
    return count;
  }

  async getRecord(module: CrmModule, id: string, fields?: readonly string[]): Promise<ZohoRecord | null> {
    const reply = await this.#send('GET', `${module}/${encodeURIComponent(id)}`, { fields: fields?.join(',') });
    if (reply.body === null) return null;
    return parseEnvelope(RecordsEnvelope, reply.body, `GET ${module}/${id}`).data[0] ?? null;
  }

  /** Every record of a related list (e.g. a deal's `Stage_History`), all pages; empty when there are none. */
  async relatedRecords(
    module: CrmModule,
    id: string,
    relatedList: string,
    fields: readonly string[],
  ): Promise<ZohoRecord[]> {
    const path = `${module}/${encodeURIComponent(id)}/${encodeURIComponent(relatedList)}`;
    return this.#collect(path, { fields: fields.join(',') }, (body) => {
      const envelope = parseEnvelope(RecordsEnvelope, body, `GET ${path}`);
      return { records: envelope.data, info: envelope.info };
    });
  }

  /** All matches (Zoho caps a search at 2000). Newly written records may not be indexed yet. */
  async searchRecords(module: CrmModule, criteria: string, fields?: readonly string[]): Promise<ZohoRecord[]> {
    return this.#collect(`${module}/search`, { criteria, fields: fields?.join(',') }, (body) => {
      const envelope = parseEnvelope(RecordsEnvelope, body, `GET ${module}/search`);
      return { records: envelope.data, info: envelope.info };
    });
  }

  /**
   * Creates records, 100 per call, and answers one result per input record in input order. Never retried
   * here: a POST that timed out may have been applied, so the caller (which holds the idempotency key)
   * decides. If a later batch fails, the error is thrown after earlier batches were written.
   */
  async createRecords(
    module: 'Tasks' | 'Notes',
    records: readonly Record<string, unknown>[],
  ): Promise<CrmWriteResult[]> {
    const results: CrmWriteResult[] = [];
    for (let start = 0; start < records.length; start += MAX_WRITE_BATCH) {
      const batch = records.slice(start, start + MAX_WRITE_BATCH);
      const reply = await this.#send('POST', module, {}, { body: { data: batch }, acceptRecordErrors: true });
      const envelope = parseEnvelope(WriteEnvelope, reply.body, `POST ${module}`);
      if (envelope.data.length !== batch.length) {
        throw new CrmRequestError(
          `Zoho POST ${module} answered ${envelope.data.length} results for ${batch.length} records`,
        );
      }
      results.push(...envelope.data.map(writeResultOf));
    }
    return results;
  }

  // ---- transport -----------------------------------------------------------------------------------

  /** Pages through a list endpoint: numbered pages up to 10, then `page_token` when Zoho offers one. */
  async #collect(
    path: string,
    params: Params,
    read: (body: unknown) => { records: ZohoRecord[]; info: z.output<typeof InfoSchema> },
  ): Promise<ZohoRecord[]> {
    const all: ZohoRecord[] = [];
    let page = 1;
    let pageToken: string | undefined;
    for (;;) {
      const cursor = pageToken ? { page_token: pageToken } : { page };
      const reply = await this.#send('GET', path, { ...params, ...cursor, per_page: PER_PAGE });
      if (reply.body === null) return all;
      const { records, info } = read(reply.body);
      all.push(...records);
      if (!info?.more_records) return all;
      if (page < MAX_DISCRETE_PAGE && !pageToken) {
        page += 1;
      } else if (info.next_page_token) {
        pageToken = info.next_page_token;
      } else {
        throw new CrmRequestError(
          `Zoho GET ${path} has more than ${MAX_DISCRETE_PAGE * PER_PAGE} records and no page_token`,
          {
            details: { path, fetched: all.length },
          },
        );
      }
    }
  }

  async #send(method: 'GET' | 'POST', path: string, params: Params, options: SendOptions = {}): Promise<Reply> {
    const what = `Zoho ${method} ${path}`;
    let token = await this.#tokens.accessToken();
    let refreshed = false;
    let failures = 0;
    for (;;) {
      const url = this.#url(path, params, token.apiDomain);
      let response: Response;
      let text: string;
      try {
        this.#apiCalls += 1;
        response = await this.#fetch(url, {
          method,
          headers: {
            authorization: `Zoho-oauthtoken ${token.accessToken}`,
            accept: 'application/json',
            ...options.headers,
            ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
        text = await response.text();
      } catch (cause) {
        if (method === 'GET' && failures < this.#retries) {
          await this.#backoff(failures++);
          continue;
        }
        throw new RetryableUpstreamError(`${what} failed: ${messageOf(cause)}`, { cause });
      }
      const { status } = response;
      if (status === 204 || status === 304) return { status, body: null };
      const body = parseJson(text);
      const error = ZohoError.safeParse(body);
      if (status === 401 && error.success && error.data.code === 'INVALID_TOKEN' && !refreshed) {
        // The token expired or was revoked between our cache check and Zoho; nothing was applied, so a
        // POST may be resent too.
        refreshed = true;
        token = await this.#tokens.refresh(token.accessToken);
        continue;
      }
      if (status >= 500 && method === 'GET' && failures < this.#retries) {
        await this.#backoff(failures++);
        continue;
      }
      if (status === 429 || status >= 500) throw zohoFailure(what, status, body, text);
      if (status >= 200 && status < 300) {
        if (body === undefined) throw new CrmRequestError(`${what}: HTTP ${status} with a body that is not JSON`);
        return { status, body };
      }
      if (options.acceptRecordErrors && WriteEnvelope.safeParse(body).success) return { status, body };
      throw zohoFailure(what, status, body, text);
    }
  }

  #url(path: string, params: Params, tokenApiDomain: string | null): URL {
    const base = this.#apiDomain ?? tokenApiDomain;
    if (!base) {
      throw new CrmRequestError('No Zoho API domain: configure one, or use a token response that carries api_domain');
    }
    const url = new URL(`${base}/crm/v8/${path}`);
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
    }
    return url;
  }

  #backoff(failures: number): Promise<void> {
    // Full jitter: concurrent syncs that failed together must not retry together.
    const ceiling = this.#backoffMs * 2 ** failures;
    return this.#sleep(Math.round(this.#random() * ceiling));
  }
}

/**
 * Zoho documents `If-Modified-Since` as an ISO 8601 date-time with an offset (not the HTTP-date of RFC 9110).
 * Its times are to the second, so the fraction is dropped: rounding down can only ask for more, never miss.
 */
function modifiedSinceHeader(since: Date | undefined): Record<string, string> {
  if (since === undefined) return {};
  return { 'if-modified-since': `${since.toISOString().slice(0, 19)}+00:00` };
}

function messageOf(error: unknown): string {
  if (error instanceof Error)
    return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
  return String(error);
}
