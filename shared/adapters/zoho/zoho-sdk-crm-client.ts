import { subscribe } from 'node:diagnostics_channel';
import { mkdirSync } from 'node:fs';
import type { ClientRequest } from 'node:http';
import { join } from 'node:path';
import * as Z from '@zohocrm/typescript-sdk-8.0';
import type { z } from 'zod';
import { CrmRateLimitedError, CrmRequestError, RetryableUpstreamError } from '../../errors.ts';
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
  type InfoSchema,
  MAX_DISCRETE_PAGE,
  MAX_WRITE_BATCH,
  PER_PAGE,
  parseEnvelope,
  RecordsEnvelope,
  WriteEnvelope,
  writeResultOf,
  ZohoError,
  zohoFailure,
} from './zoho-envelopes.ts';
import { DeletedEnvelope, UsersEnvelope } from './zoho-rest-client.ts';

export interface ZohoSdkCrmClientOptions {
  /** The API domain, e.g. `https://www.zohoapis.eu` (or the sandbox origin). */
  apiDomain: string;
  /** The accounts server, e.g. `https://accounts.zoho.eu`; the SDK posts to `<accountsUrl>/oauth/v2/token`. */
  accountsUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** A writable directory: the SDK caches field and related-list metadata in JSON files under it. */
  resourcePath: string;
}

type SdkResponse = { getStatusCode(): number; getResponseJSON(): object | null };
type Json = Record<string, unknown>;
type Page = { records: ZohoRecord[]; info: z.output<typeof InfoSchema> };
type FieldMeta = { type?: string };

const MINIFIED_USER = 'core/com/zoho/crm/api/users/minified_user';
const RECORD = 'core/com/zoho/crm/api/record/record';
const CHOICE = 'utils/util/choice';
/** The SDK's own param class for related records has no page_token; Zoho accepts it (reference §5). */
const RELATED_PAGE_TOKEN = new Z.Param('page_token', 'com.zoho.crm.api.RelatedRecords.GetRelatedRecordsParam');

/** The SDK keeps one Initializer per process: the client that initialised it last owns it. */
let initialisedBy: ZohoSdkCrmClient | null = null;
/** Counts a request the SDK sent (through got and node:http) against the client that owns the SDK. */
let countRequest: ((request: ClientRequest) => void) | null = null;

/**
 * Zoho CRM over Zoho's official TypeScript SDK (`@zohocrm/typescript-sdk-8.0`). Answers in the same plain v8
 * JSON as the REST client: reads return `getResponseJSON()` (Zoho's body as sent), writes turn plain records
 * into SDK Records typed from the field metadata the SDK caches. The SDK fetches `/settings/fields?module=X`
 * once per module (cached on disk) and `/settings/related_lists?module=X` once per parent module; those calls
 * are counted in `apiCalls`. The SDK is a process-wide singleton: two instances in one process re-initialise
 * it in turn and must not run concurrently.
 */
export class ZohoSdkCrmClient implements CrmClient {
  readonly #options: ZohoSdkCrmClientOptions;
  readonly #resourcePath: string;
  readonly #apiHost: string;
  readonly #store = new MemoryTokenStore();
  #token: Z.OAuthToken | null = null;
  #apiCalls = 0;

  constructor(options: ZohoSdkCrmClientOptions) {
    this.#options = { ...options, apiDomain: options.apiDomain.replace(/\/+$/, '') };
    // The SDK builds one cache path as `resourcePath + "resources/"`: it needs the trailing slash.
    this.#resourcePath = options.resourcePath.endsWith('/') ? options.resourcePath : `${options.resourcePath}/`;
    this.#apiHost = new URL(this.#options.apiDomain).host;
    if (!countRequest) {
      // got sends through node:http, which publishes every request; count the ones to the owner's API domain.
      countRequest = (request) => {
        if (initialisedBy) initialisedBy.#count(request);
      };
      subscribe('http.client.request.start', (message) =>
        countRequest?.((message as { request: ClientRequest }).request),
      );
    }
  }

  get apiCalls(): number {
    return this.#apiCalls;
  }

  #count(request: ClientRequest): void {
    if (request.getHeader('host') === this.#apiHost && request.path.startsWith('/crm/')) this.#apiCalls += 1;
  }

  async listUsers(): Promise<ZohoRecord[]> {
    const read = (body: Json): Page => {
      const envelope = parseEnvelope(UsersEnvelope, body, 'GET users');
      return { records: envelope.users, info: envelope.info };
    };
    return this.#collect('users', read, async (page) => {
      const params = await paramMap([
        [Z.Users.GetUsersParam.TYPE, 'AllUsers'],
        [Z.Users.GetUsersParam.PAGE, page],
        [Z.Users.GetUsersParam.PER_PAGE, PER_PAGE],
      ]);
      return new Z.Users.UsersOperations().getUsers(params, new Z.HeaderMap());
    });
  }

  async listRecords(module: CrmModule, options: ListOptions): Promise<RecordPage> {
    const P = Z.Record.GetRecordsParam;
    const params = await paramMap([
      [P.FIELDS, options.fields.join(',')],
      // Zoho rejects page together with page_token (AMBIGUITY_DURING_PROCESSING).
      [P.PAGE, options.pageToken ? undefined : (options.page ?? 1)],
      [P.PAGE_TOKEN, options.pageToken],
      [P.PER_PAGE, options.perPage ?? PER_PAGE],
      [P.SORT_BY, options.sortBy],
      [P.SORT_ORDER, options.sortOrder],
    ]);
    const headers = new Z.HeaderMap();
    if (options.ifModifiedSince)
      await headers.add(Z.Record.GetRecordsHeader.IF_MODIFIED_SINCE, wholeSeconds(options.ifModifiedSince));
    const { status, body } = await this.#call(`GET ${module}`, () =>
      new Z.Record.RecordOperations(module).getRecords(params, headers),
    );
    if (body === null) return { records: [], moreRecords: false, nextPageToken: null, notModified: status === 304 };
    const envelope = parseEnvelope(RecordsEnvelope, body, `GET ${module}`);
    return {
      records: envelope.data,
      moreRecords: envelope.info?.more_records ?? false,
      nextPageToken: envelope.info?.next_page_token ?? null,
      notModified: false,
    };
  }

  async deletedRecords(module: CrmModule, options: DeletedRecordsOptions): Promise<DeletedRecordPage> {
    const P = Z.Record.GetDeletedRecordsParam;
    const params = await paramMap([
      [P.TYPE, 'all'],
      [P.PAGE, options.page],
      [P.PER_PAGE, PER_PAGE],
    ]);
    const headers = new Z.HeaderMap();
    if (options.since)
      await headers.add(Z.Record.GetDeletedRecordsHeader.IF_MODIFIED_SINCE, wholeSeconds(options.since));
    const { body } = await this.#call(`GET ${module}/deleted`, () =>
      new Z.Record.RecordOperations(module).getDeletedRecords(params, headers),
    );
    if (body === null) return { records: [], moreRecords: false };
    const envelope = parseEnvelope(DeletedEnvelope, body, `GET ${module}/deleted`);
    return {
      records: envelope.data.map((entry) => ({
        id: entry.id,
        deletedTime: new Date(entry.deleted_time),
        deletedBy: entry.deleted_by ? { id: entry.deleted_by.id, name: entry.deleted_by.name ?? null } : null,
      })),
      moreRecords: envelope.info?.more_records ?? false,
    };
  }

  async getRecord(module: CrmModule, id: string, fields?: readonly string[]): Promise<ZohoRecord | null> {
    const params = await paramMap([[Z.Record.GetRecordParam.FIELDS, fields?.join(',')]]);
    const { body } = await this.#call(`GET ${module}/${id}`, () =>
      new Z.Record.RecordOperations(module).getRecord(recordId(id), params, new Z.HeaderMap()),
    );
    return body === null ? null : (parseEnvelope(RecordsEnvelope, body, `GET ${module}/${id}`).data[0] ?? null);
  }

  async relatedRecords(
    module: CrmModule,
    id: string,
    relatedList: string,
    fields: readonly string[],
  ): Promise<ZohoRecord[]> {
    const P = Z.RelatedRecords.GetRelatedRecordsParam;
    const what = `${module}/${id}/${relatedList}`;
    return this.#collect(what, recordsReader(what), async (page, pageToken) => {
      const params = await paramMap([
        [P.FIELDS, fields.join(',')],
        [P.PAGE, pageToken ? undefined : page],
        [RELATED_PAGE_TOKEN, pageToken],
        [P.PER_PAGE, PER_PAGE],
      ]);
      return new Z.RelatedRecords.RelatedRecordsOperations(relatedList, module).getRelatedRecords(
        recordId(id),
        params,
        new Z.HeaderMap(),
      );
    });
  }

  /** All matches (Zoho caps a search at 2000, so numbered pages are enough). */
  async searchRecords(module: CrmModule, criteria: string, fields?: readonly string[]): Promise<ZohoRecord[]> {
    const P = Z.Record.SearchRecordsParam;
    return this.#collect(`${module}/search`, recordsReader(`${module}/search`), async (page) => {
      const params = await paramMap([
        [P.CRITERIA, criteria],
        [P.FIELDS, fields?.join(',')],
        [P.PAGE, page],
        [P.PER_PAGE, PER_PAGE],
      ]);
      return new Z.Record.RecordOperations(module).searchRecords(params, new Z.HeaderMap());
    });
  }

  /** Creates records, 100 per call, one result per input record in input order. Never retried here. */
  async createRecords(
    module: 'Tasks' | 'Notes',
    records: readonly Record<string, unknown>[],
  ): Promise<CrmWriteResult[]> {
    await this.#ready();
    const results: CrmWriteResult[] = [];
    for (let start = 0; start < records.length; start += MAX_WRITE_BATCH) {
      const batch = records.slice(start, start + MAX_WRITE_BATCH);
      const what = `POST ${module}`;
      const { body } = await this.#call(
        what,
        async () => {
          const fields = await this.#fieldsOf(module);
          const wrapper = new Z.Record.BodyWrapper();
          wrapper.setData(batch.map((record) => toSdkRecord(record, fields)));
          return new Z.Record.RecordOperations(module).createRecords(wrapper, new Z.HeaderMap());
        },
        { acceptRecordErrors: true },
      );
      const envelope = parseEnvelope(WriteEnvelope, body, what);
      if (envelope.data.length !== batch.length) {
        throw new CrmRequestError(`Zoho ${what} answered ${envelope.data.length} results for ${batch.length} records`);
      }
      results.push(...envelope.data.map(writeResultOf));
    }
    return results;
  }

  // ---- SDK plumbing --------------------------------------------------------------------------------

  async #ready(): Promise<void> {
    if (initialisedBy === this) return;
    const { apiDomain, accountsUrl, clientId, clientSecret, refreshToken } = this.#options;
    mkdirSync(this.#resourcePath, { recursive: true });
    this.#token ??= new Z.OAuthBuilder()
      .clientId(clientId)
      .clientSecret(clientSecret)
      .refreshToken(refreshToken)
      .findUser(false)
      .build() as Z.OAuthToken;
    const accounts = accountsUrl.replace(/\/+$/, '');
    await (await new Z.InitializeBuilder())
      .environment(new Z.Environment(apiDomain, `${accounts}/oauth/v2/token`, apiDomain))
      .token(this.#token)
      .store(this.#store)
      .SDKConfig(new Z.SDKConfigBuilder().pickListValidation(false).autoRefreshFields(false).build())
      .resourcePath(this.#resourcePath)
      .initialize();
    initialisedBy = this;
  }

  /** One SDK call: refreshes once on INVALID_TOKEN and maps failures onto the error taxonomy. */
  async #call(
    what: string,
    run: () => Promise<SdkResponse>,
    options: { acceptRecordErrors?: boolean } = {},
  ): Promise<{ status: number; body: Json | null }> {
    await this.#ready();
    for (let refreshed = false; ; refreshed = true) {
      let response: SdkResponse;
      try {
        response = await run();
      } catch (error) {
        // The SDK's own metadata calls (settings/fields, settings/related_lists) throw their API errors.
        if (!refreshed && (error as { details?: { code?: unknown } })?.details?.code === 'INVALID_TOKEN') {
          this.#forgetAccessToken();
          continue;
        }
        throw sdkFailure(`Zoho ${what}`, error);
      }
      const status = response.getStatusCode();
      const body = (response.getResponseJSON() as Json | null) ?? null;
      if (status === 204 || status === 304) return { status, body: null };
      const error = ZohoError.safeParse(body);
      if (status === 401 && error.success && error.data.code === 'INVALID_TOKEN' && !refreshed) {
        this.#forgetAccessToken();
        continue;
      }
      if (status >= 200 && status < 300 && body !== null) return { status, body };
      if (options.acceptRecordErrors && body !== null && WriteEnvelope.safeParse(body).success) return { status, body };
      throw zohoFailure(`Zoho ${what}`, status, body, body === null ? '' : JSON.stringify(body));
    }
  }

  /** The SDK trusts its own expiry clock; an empty access token makes it refresh on the next call. */
  #forgetAccessToken(): void {
    for (const token of [this.#token, ...this.#store.tokens]) token?.setAccessToken('');
  }

  /** Numbered pages up to 10, then `page_token` when the endpoint offers one (as the REST client does). */
  async #collect(
    what: string,
    read: (body: Json) => Page,
    fetchPage: (page: number, pageToken: string | undefined) => Promise<SdkResponse>,
  ): Promise<ZohoRecord[]> {
    const all: ZohoRecord[] = [];
    let page = 1;
    let pageToken: string | undefined;
    for (;;) {
      const { body } = await this.#call(`GET ${what}`, () => fetchPage(page, pageToken));
      if (body === null) return all;
      const { records, info } = read(body);
      all.push(...records);
      if (!info?.more_records) return all;
      if (page < MAX_DISCRETE_PAGE && !pageToken) page += 1;
      else if (info.next_page_token) pageToken = info.next_page_token;
      else
        throw new CrmRequestError(
          `Zoho GET ${what} has more than ${MAX_DISCRETE_PAGE * PER_PAGE} records and no page_token`,
        );
    }
  }

  /** The SDK's cached field metadata of a module (fetched by the SDK on first use). */
  async #fieldsOf(module: string): Promise<Record<string, FieldMeta>> {
    await Z.Utility.getFields(module, null);
    const cache = Z.Initializer.getJSON(join(this.#resourcePath, 'resources', await Z.Utility.getFileName())) as Json;
    return (cache[module.toLowerCase()] as Record<string, FieldMeta> | undefined) ?? {};
  }
}

/** An in-memory TokenStore: no token file, and no MySQL. */
class MemoryTokenStore implements Z.TokenStore.TokenStore {
  tokens: Z.OAuthToken[] = [];
  async findToken(token: Z.Token.Token): Promise<Z.Token.Token | null> {
    const wanted = token as Z.OAuthToken;
    return (
      this.tokens.find(
        (t) => t.getClientId() === wanted.getClientId() && t.getRefreshToken() === wanted.getRefreshToken(),
      ) ?? null
    );
  }
  async findTokenById(id: string): Promise<Z.Token.Token | null> {
    return this.tokens.find((t) => t.getId() === id) ?? null;
  }
  async saveToken(token: Z.Token.Token): Promise<void> {
    const oauth = token as Z.OAuthToken;
    if (!oauth.getId()) oauth.setId(String(this.tokens.length + 1));
    this.tokens = [...this.tokens.filter((t) => t.getId() !== oauth.getId()), oauth];
  }
  async deleteToken(id: string): Promise<void> {
    this.tokens = this.tokens.filter((t) => t.getId() !== id);
  }
  async getTokens(): Promise<Z.Token.Token[]> {
    return this.tokens;
  }
  async deleteTokens(): Promise<void> {
    this.tokens = [];
  }
}

// ---- plain JSON ⇄ SDK ------------------------------------------------------------------------------

/** A plain v8 record → an SDK Record whose values have the types the SDK checks against field metadata. */
function toSdkRecord(plain: Record<string, unknown>, fields: Record<string, FieldMeta>): Z.Record.Record {
  const record = new Z.Record.Record();
  for (const [name, value] of Object.entries(plain)) {
    if (name === 'id' && typeof value === 'string') record.setId(recordId(value));
    else record.addKeyValue(name, toSdkValue(value, fields[name]?.type));
  }
  return record;
}

function toSdkValue(value: unknown, type: string | undefined): unknown {
  if (value === null || value === undefined) return value;
  switch (type) {
    case CHOICE:
      return typeof value === 'string' ? new Z.Choice(value) : value;
    case 'Date':
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : value;
    case 'DateTime':
      return typeof value === 'string' ? new Date(value) : value;
    case 'Long':
      return typeof value === 'string' || typeof value === 'number' ? BigInt(value) : value;
    case MINIFIED_USER: {
      const ref = value as { id?: string; name?: string; email?: string };
      const user = new Z.Users.MinifiedUser();
      if (ref.id) user.setId(recordId(ref.id));
      if (ref.name) user.setName(ref.name);
      if (ref.email) user.setEmail(ref.email);
      return user;
    }
    case RECORD:
      return toLookup(value as Json);
    default:
      return value;
  }
}

/** `{id, name?, module?: {api_name}}` → a lookup Record (Notes' Parent_Id needs the module object). */
function toLookup(ref: Json): Z.Record.Record {
  const record = new Z.Record.Record();
  for (const [key, value] of Object.entries(ref)) {
    if (key === 'id' && typeof value === 'string') record.setId(recordId(value));
    else if (key === 'module' && value && typeof value === 'object') {
      const module = new Z.Modules.MinifiedModule();
      const { api_name: apiName, id } = value as { api_name?: string; id?: string };
      if (apiName) module.setAPIName(apiName);
      if (id) module.setId(recordId(id));
      record.addKeyValue('module', module);
    } else record.addKeyValue(key, value);
  }
  return record;
}

function recordId(id: string): bigint {
  if (!/^\d+$/.test(id)) throw new CrmRequestError(`Zoho record id ${JSON.stringify(id)} is not numeric`);
  return BigInt(id);
}

async function paramMap(entries: [Z.Param, unknown][]): Promise<Z.ParameterMap> {
  const map = new Z.ParameterMap();
  for (const [param, value] of entries) if (value !== undefined && value !== '') await map.add(param, value);
  return map;
}

/** Zoho's times are to the second; rounding down can only ask for more, never miss. */
function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/** Reads one page of a `data[]` list (related records, search results). */
function recordsReader(what: string): (body: Json) => Page {
  return (body) => {
    const envelope = parseEnvelope(RecordsEnvelope, body, `GET ${what}`);
    return { records: envelope.data, info: envelope.info };
  };
}

/** An exception from the SDK: its own checks (a CrmRequestError) or the transport (retryable). */
function sdkFailure(what: string, error: unknown): Error {
  const e = error as {
    code?: unknown;
    message?: unknown;
    details?: unknown;
    cause?: { code?: unknown; name?: unknown };
  };
  const transport = e?.cause && (typeof e.cause.code === 'string' || e.cause.name === 'RequestError');
  const message =
    `${what} failed in the SDK: ${String(e?.code ?? '')} ${String(e?.message ?? e?.cause ?? error)}`.trim();
  if (transport) return new RetryableUpstreamError(message, { cause: error });
  // The SDK's own metadata calls throw Zoho's error body as `details`: a 5xx or 429 there is as
  // transient as on the call itself, so the tiered client should retry or fail over, not give up.
  const code = (e?.details as { code?: unknown } | undefined)?.code;
  if (code === 'TOO_MANY_REQUESTS') return new CrmRateLimitedError(message, { cause: error });
  if (code === 'INTERNAL_ERROR' || code === 'INTERNAL_SERVER_ERROR') {
    return new RetryableUpstreamError(message, { cause: error });
  }
  return new CrmRequestError(message, { cause: error, details: e?.details });
}
