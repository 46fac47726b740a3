import { strFromU8, unzipSync } from 'fflate';
import { z } from 'zod';
import { CrmRequestError, RetryableUpstreamError } from '../../errors.ts';
import type { BulkReadModule, ModuleExport, ZohoRecord } from '../../ports/crm-client.ts';
import { CsvSyntaxError, csvRows } from './csv.ts';
import { InfoSchema, PER_PAGE, parseEnvelope, parseJson, ZohoError, zohoFailure } from './zoho-envelopes.ts';
import type { ZohoTokenSource } from './zoho-oauth.ts';

export interface ZohoBulkReadClientOptions {
  tokens: ZohoTokenSource;
  /** The API domain (`https://www.zohoapis.eu`); without it, the `api_domain` Zoho returns with the token. */
  apiDomain?: string;
  fetch?: typeof fetch;
  /** Records per `onPage` call (default 2,000): a page is one transaction's worth for the copy. */
  pageSize?: number;
  /** The wait before a job's first poll; each later wait doubles, up to `maxPollDelayMs` (250 ms, 30 s). */
  pollDelayMs?: number;
  maxPollDelayMs?: number;
  /** How long one job may take before the export gives up with RetryableUpstreamError (default 30 min). */
  jobTimeoutMs?: number;
  /**
   * Waits before each retry of a download Zoho refused with 429. Zoho allows 10 downloads a minute per
   * org, so one minute (the default, once) always finds room unless another process is downloading too.
   */
  downloadLimitWaitsMs?: readonly number[];
  /** Retries of a poll, a download or a metadata read after a 5xx or a network failure (default 2). */
  retries?: number;
  /** First backoff delay of those retries; each doubles, with full jitter (default 250 ms). */
  backoffMs?: number;
  /** Per request; a result ZIP of 200,000 records takes a while (default 120 s). */
  timeoutMs?: number;
  /** How long field metadata and the users list are reused between exports (default 10 min). */
  metadataTtlMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

/** Zoho does not export these; they are listed through the REST API instead (reference §6). */
const UNSUPPORTED_MODULES = new Set(['Notes']);

const CreatedEnvelope = z.looseObject({
  data: z.array(z.looseObject({ status: z.string(), details: z.looseObject({ id: z.string().min(1) }) })).min(1),
});
const JobEnvelope = z.looseObject({
  data: z
    .array(
      z.looseObject({
        id: z.string().min(1),
        state: z.string(),
        result: z
          .looseObject({
            page: z.number().optional(),
            count: z.number().optional(),
            download_url: z.string().min(1).optional(),
            more_records: z.boolean().optional(),
            next_page_token: z.string().nullish(),
            error_message: z.unknown().optional(),
          })
          .optional(),
      }),
    )
    .min(1),
});
const FieldsEnvelope = z.looseObject({
  fields: z.array(z.looseObject({ api_name: z.string().min(1), data_type: z.string() })),
});
const UsersEnvelope = z.looseObject({
  users: z.array(
    z.looseObject({ id: z.string().min(1), full_name: z.string().nullish(), email: z.string().nullish() }),
  ),
  info: InfoSchema,
});

type Job = z.output<typeof JobEnvelope>['data'][number];
type UserRef = { name: string | null; email: string | null };

/** Where the next job starts: a page number, or the token the previous job left. */
type Continuation = { page: number } | { pageToken: string };

interface Reply {
  status: number;
  json: unknown;
  bytes: Uint8Array | null;
}

const NUMBER_TYPES = new Set(['integer', 'bigint', 'long', 'double', 'currency', 'decimal', 'percent']);

/**
 * Zoho's Bulk Read over `fetch` (reference §6): creates an export job for a module, polls it with a
 * doubling wait until it is COMPLETED, downloads the ZIP, and hands the CSV's records on in pages,
 * following `more_records` to further jobs (200,000 records each). Authorises and maps failures as
 * ZohoRestClient does (429 → CrmRateLimitedError, 5xx/network → RetryableUpstreamError, other 4xx →
 * CrmRequestError); every request, metadata included, is one API call.
 *
 * A CSV holds text only, and a lookup as its id. The records are typed back into the REST API's shapes
 * with the module's field metadata (`GET /settings/fields`), not with a table of our own: the metadata is
 * the org's own word on each field, custom ones included, so a number stays a number in any org. Owner
 * lookups get their user's name and email from the users list, as REST serves them, because the copy
 * keeps the owner's name; other lookups stay `{id}`, since their names are not in the file.
 */
export class ZohoBulkReadClient {
  readonly #tokens: ZohoTokenSource;
  readonly #apiDomain: string | null;
  readonly #fetch: typeof fetch;
  readonly #pageSize: number;
  readonly #pollDelayMs: number;
  readonly #maxPollDelayMs: number;
  readonly #jobTimeoutMs: number;
  readonly #downloadLimitWaitsMs: readonly number[];
  readonly #retries: number;
  readonly #backoffMs: number;
  readonly #timeoutMs: number;
  readonly #metadataTtlMs: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #now: () => number;
  readonly #fieldTypes = new Map<string, { at: number; types: Map<string, string> }>();
  #users: { at: number; byId: Map<string, UserRef> } | null = null;
  #apiCalls = 0;

  constructor(options: ZohoBulkReadClientOptions) {
    this.#tokens = options.tokens;
    this.#apiDomain = options.apiDomain ? options.apiDomain.replace(/\/+$/, '') : null;
    this.#fetch = options.fetch ?? fetch;
    this.#pageSize = Math.max(1, options.pageSize ?? 2000);
    this.#pollDelayMs = options.pollDelayMs ?? 250;
    this.#maxPollDelayMs = options.maxPollDelayMs ?? 30_000;
    this.#jobTimeoutMs = options.jobTimeoutMs ?? 30 * 60_000;
    this.#downloadLimitWaitsMs = options.downloadLimitWaitsMs ?? [60_000];
    this.#retries = options.retries ?? 2;
    this.#backoffMs = options.backoffMs ?? 250;
    this.#timeoutMs = options.timeoutMs ?? 120_000;
    this.#metadataTtlMs = options.metadataTtlMs ?? 10 * 60_000;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
  }

  /** API calls made so far: job creations, polls, downloads and metadata reads. */
  get apiCalls(): number {
    return this.#apiCalls;
  }

  /**
   * Every record of `module` with `fields` (the `id` always comes too), in pages of `pageSize`, each
   * handed to `onPage` before the next is built. An error from `onPage` ends the export and comes back
   * as thrown. Notes are refused before any call (`details.code` NOT_SUPPORTED): Zoho exports none.
   */
  async exportModule(
    module: BulkReadModule,
    fields: readonly string[],
    onPage: (records: ZohoRecord[]) => Promise<void>,
  ): Promise<ModuleExport> {
    if (UNSUPPORTED_MODULES.has(module)) {
      throw new CrmRequestError(`Zoho Bulk Read does not export ${module}`, {
        details: { code: 'NOT_SUPPORTED', module },
      });
    }
    const types = await this.#fieldTypesOf(module);
    const owners = [...types.values()].includes('ownerlookup') ? await this.#usersById() : new Map<string, UserRef>();
    let next: Continuation | null = { page: 1 };
    let records = 0;
    let jobs = 0;
    while (next) {
      const jobId = await this.#createJob(module, fields, next);
      jobs += 1;
      const job = await this.#awaitJob(module, jobId);
      const result = job.result;
      if (!result?.download_url) {
        throw new CrmRequestError(`Zoho Bulk Read job ${jobId} completed without a download_url`, {
          details: { module, jobId },
        });
      }
      const csv = await this.#download(module, jobId, result.download_url);
      records += await this.#deliver(module, jobId, csv, types, owners, onPage);
      if (!result.more_records) next = null;
      else if (result.next_page_token) next = { pageToken: result.next_page_token };
      else next = { page: (result.page ?? jobs) + 1 };
    }
    return { records, jobs };
  }

  async #createJob(module: BulkReadModule, fields: readonly string[], from: Continuation): Promise<string> {
    const query = {
      module: { api_name: module },
      fields: [...fields],
      ...('pageToken' in from ? { page_token: from.pageToken } : { page: from.page }),
    };
    const reply = await this.#send('POST', '/crm/bulk/v8/read', { body: { query } });
    const created = parseEnvelope(CreatedEnvelope, reply.json, `POST bulk read ${module}`);
    const [entry] = created.data;
    if (entry?.status !== 'success') {
      throw new CrmRequestError(`Zoho Bulk Read did not add a job for ${module}`, { details: { body: reply.json } });
    }
    return entry.details.id;
  }

  /** Polls with a doubling wait until the job is COMPLETED; FAILURE or the time limit is an upstream failure. */
  async #awaitJob(module: BulkReadModule, jobId: string): Promise<Job> {
    const started = this.#now();
    let delay = this.#pollDelayMs;
    for (;;) {
      await this.#sleep(delay);
      const reply = await this.#send('GET', `/crm/bulk/v8/read/${encodeURIComponent(jobId)}`);
      const [job] = parseEnvelope(JobEnvelope, reply.json, `GET bulk read job ${jobId}`).data;
      if (job?.state === 'COMPLETED') return job;
      if (job?.state === 'FAILURE') {
        throw new RetryableUpstreamError(`Zoho Bulk Read job ${jobId} for ${module} failed`, {
          details: { module, jobId, error: job.result?.error_message },
        });
      }
      if (this.#now() - started >= this.#jobTimeoutMs) {
        throw new RetryableUpstreamError(
          `Zoho Bulk Read job ${jobId} for ${module} did not complete in ${this.#jobTimeoutMs} ms`,
          { details: { module, jobId, state: job?.state } },
        );
      }
      delay = Math.min(delay * 2, this.#maxPollDelayMs);
    }
  }

  /** The CSV inside the result ZIP, waiting out Zoho's per-minute download limit. */
  async #download(module: BulkReadModule, jobId: string, downloadUrl: string): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      const reply = await this.#send('GET', downloadUrl, { binary: true, allowRateLimit: true });
      if (reply.status === 429) {
        const wait = this.#downloadLimitWaitsMs[attempt];
        if (wait === undefined) throw zohoFailure(`Zoho GET bulk read result ${jobId}`, 429, reply.json, '');
        await this.#sleep(wait);
        continue;
      }
      let files: Record<string, Uint8Array>;
      try {
        files = unzipSync(reply.bytes ?? new Uint8Array());
      } catch (cause) {
        throw new CrmRequestError(`Zoho Bulk Read result of job ${jobId} is not a ZIP`, {
          cause,
          details: { module, jobId },
        });
      }
      const name = Object.keys(files).find((file) => file.toLowerCase().endsWith('.csv'));
      const file = name === undefined ? undefined : files[name];
      if (!file) {
        throw new CrmRequestError(`Zoho Bulk Read result of job ${jobId} holds no CSV`, {
          details: { module, jobId, files: Object.keys(files) },
        });
      }
      return strFromU8(file);
    }
  }

  /** Types the CSV's rows into records and hands them on in pages; answers how many there were. */
  async #deliver(
    module: BulkReadModule,
    jobId: string,
    csv: string,
    types: ReadonlyMap<string, string>,
    owners: ReadonlyMap<string, UserRef>,
    onPage: (records: ZohoRecord[]) => Promise<void>,
  ): Promise<number> {
    const what = `Zoho Bulk Read result of job ${jobId} (${module})`;
    let columns: string[] | undefined;
    let page: ZohoRecord[] = [];
    let count = 0;
    try {
      for (const row of csvRows(csv)) {
        if (!columns) {
          columns = row;
          if (!columns.includes('id')) throw new CrmRequestError(`${what} has no id column`, { details: { columns } });
          continue;
        }
        page.push(recordOf(columns, row, types, owners));
        if (page.length >= this.#pageSize) {
          count += page.length;
          const full = page;
          page = [];
          await onPage(full);
        }
      }
    } catch (error) {
      if (!(error instanceof CsvSyntaxError)) throw error;
      throw new CrmRequestError(`${what} is not valid CSV: ${error.message}`, { cause: error });
    }
    if (page.length > 0) {
      count += page.length;
      await onPage(page);
    }
    return count;
  }

  /** The data type of each of the module's fields, by API name. */
  async #fieldTypesOf(module: BulkReadModule): Promise<Map<string, string>> {
    const cached = this.#fieldTypes.get(module);
    if (cached && this.#now() - cached.at < this.#metadataTtlMs) return cached.types;
    const reply = await this.#send('GET', '/crm/v8/settings/fields', { params: { module } });
    const envelope = parseEnvelope(FieldsEnvelope, reply.json, `GET settings/fields ${module}`);
    const types = new Map(envelope.fields.map((field) => [field.api_name, field.data_type]));
    this.#fieldTypes.set(module, { at: this.#now(), types });
    return types;
  }

  /** Every user (active or not: an inactive one may still own records), for owner lookups. */
  async #usersById(): Promise<Map<string, UserRef>> {
    if (this.#users && this.#now() - this.#users.at < this.#metadataTtlMs) return this.#users.byId;
    const byId = new Map<string, UserRef>();
    for (let page = 1; ; page++) {
      const reply = await this.#send('GET', '/crm/v8/users', {
        params: { type: 'AllUsers', page: String(page), per_page: String(PER_PAGE) },
      });
      if (reply.json === undefined) break;
      const envelope = parseEnvelope(UsersEnvelope, reply.json, 'GET users');
      for (const user of envelope.users) {
        byId.set(user.id, { name: user.full_name ?? null, email: user.email ?? null });
      }
      if (!envelope.info?.more_records) break;
    }
    this.#users = { at: this.#now(), byId };
    return byId;
  }

  // ---- transport -----------------------------------------------------------------------------------

  async #send(
    method: 'GET' | 'POST',
    path: string,
    options: { body?: unknown; params?: Record<string, string>; binary?: boolean; allowRateLimit?: boolean } = {},
  ): Promise<Reply> {
    const what = `Zoho ${method} ${path.replace(/\?.*$/, '')}`;
    let token = await this.#tokens.accessToken();
    let refreshed = false;
    let failures = 0;
    for (;;) {
      const url = this.#url(path, options.params, token.apiDomain);
      let response: Response;
      let bytes: Uint8Array;
      try {
        this.#apiCalls += 1;
        response = await this.#fetch(url, {
          method,
          headers: {
            authorization: `Zoho-oauthtoken ${token.accessToken}`,
            accept: options.binary ? 'application/zip, application/json' : 'application/json',
            // Zoho answers a job request without this header with 415.
            ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
        bytes = new Uint8Array(await response.arrayBuffer());
      } catch (cause) {
        if (method === 'GET' && failures < this.#retries) {
          await this.#backoff(failures++);
          continue;
        }
        throw new RetryableUpstreamError(`${what} failed: ${messageOf(cause)}`, { cause });
      }
      const { status } = response;
      const isFile = options.binary && status === 200 && !isJson(response);
      const text = isFile ? '' : new TextDecoder().decode(bytes);
      const json = isFile ? undefined : parseJson(text);
      const error = ZohoError.safeParse(json);
      if (status === 401 && error.success && error.data.code === 'INVALID_TOKEN' && !refreshed) {
        // Expired between our cache check and Zoho: nothing was done, so even the job creation may be resent.
        refreshed = true;
        token = await this.#tokens.refresh(token.accessToken);
        continue;
      }
      if (status === 429 && options.allowRateLimit) return { status, json, bytes: null };
      if (status >= 500 && method === 'GET' && failures < this.#retries) {
        await this.#backoff(failures++);
        continue;
      }
      if (status === 204) return { status, json: undefined, bytes: null };
      if (status < 200 || status >= 300) throw zohoFailure(what, status, json, text);
      if (isFile) return { status, json: undefined, bytes };
      if (json === undefined) throw new CrmRequestError(`${what}: HTTP ${status} with a body that is not JSON`);
      return { status, json, bytes: null };
    }
  }

  /** `path` on the API domain; a download URL Zoho gave in full is taken as it is. */
  #url(path: string, params: Record<string, string> | undefined, tokenApiDomain: string | null): URL {
    let url: URL;
    if (/^https?:\/\//i.test(path)) url = new URL(path);
    else {
      const base = this.#apiDomain ?? tokenApiDomain;
      if (!base) {
        throw new CrmRequestError('No Zoho API domain: configure one, or use a token response that carries api_domain');
      }
      url = new URL(`${base}${path.startsWith('/') ? '' : '/'}${path}`);
    }
    for (const [key, value] of Object.entries(params ?? {})) url.searchParams.set(key, value);
    return url;
  }

  #backoff(failures: number): Promise<void> {
    const ceiling = this.#backoffMs * 2 ** failures;
    return this.#sleep(Math.round(this.#random() * ceiling));
  }
}

/**
 * One CSV row as the REST API would have served the record: an empty cell is null, a lookup `{id}`
 * (an owner also its name and email), numbers and booleans typed by the field's data type. Columns the
 * metadata does not know (`$se_module`, say) stay text.
 */
function recordOf(
  columns: readonly string[],
  row: readonly string[],
  types: ReadonlyMap<string, string>,
  owners: ReadonlyMap<string, UserRef>,
): ZohoRecord {
  const record: Record<string, unknown> = {};
  columns.forEach((column, i) => {
    const cell = row[i] ?? '';
    if (column === 'id') {
      record.id = cell;
      return;
    }
    record[column] = cell === '' ? null : typed(cell, types.get(column), owners);
  });
  return record as ZohoRecord;
}

function typed(cell: string, type: string | undefined, owners: ReadonlyMap<string, UserRef>): unknown {
  if (type === 'lookup') return { id: cell };
  if (type === 'ownerlookup') {
    const user = owners.get(cell);
    return user ? { name: user.name, id: cell, email: user.email } : { id: cell };
  }
  if (type !== undefined && NUMBER_TYPES.has(type)) {
    const number = Number(cell);
    return Number.isNaN(number) ? cell : number;
  }
  if (type === 'multiselectpicklist') return cell.split(';');
  if (type === 'boolean') {
    const lower = cell.toLowerCase();
    return lower === 'true' ? true : lower === 'false' ? false : cell;
  }
  return cell;
}

function isJson(response: Response): boolean {
  return /json/i.test(response.headers.get('content-type') ?? '');
}

function messageOf(error: unknown): string {
  if (error instanceof Error)
    return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
  return String(error);
}
