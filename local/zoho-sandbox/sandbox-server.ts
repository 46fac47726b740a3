/**
 * The sandbox's Zoho stand-in (CONTRACTS.md, "The sandbox as a Zoho stand-in"): Zoho's accounts server
 * (`POST /oauth/v2/token`) and the CRM v8 API (`/crm/v8/…`) on one origin, over a SandboxStore.
 * Status codes, envelopes and error shapes follow our Zoho CRM v8 reference notes, so that a client that
 * works here works against Zoho.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type PageCursor, type PageTokens, pageTokensOf, type SortKey } from './page-tokens.ts';
import { isRecordModule, RECORD_MODULES, type RecordModule, type SandboxUser, type ZohoRecord } from './sandbox-org.ts';
import { RELATED_LISTS, type SandboxStore, type UserRef } from './sandbox-store.ts';
import { parseSearchCriteria, type SearchCriteria, SearchCriteriaError } from './search-criteria.ts';
import { zohoDateTime } from './zoho-formats.ts';

export interface SandboxCredentials {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

/** What any Zoho client can be configured with to talk to the sandbox. */
export const DEFAULT_SANDBOX_CREDENTIALS: Readonly<SandboxCredentials> = {
  clientId: 'sandbox-client',
  clientSecret: 'sandbox-secret',
  refreshToken: 'sandbox-refresh-token',
};

export interface SandboxServerOptions {
  store: SandboxStore;
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  credentials?: Partial<SandboxCredentials>;
  /** Access-token lifetime by the store's clock; Zoho's is 3600 s. */
  accessTokenTtlSeconds?: number;
  /**
   * How many records of one listing `page_token` can reach; Zoho's cap is 100,000. Lower it to meet
   * PAGINATION_LIMIT_EXCEEDED without building (and paging through) an org that large.
   */
  pageTokenRecordLimit?: number;
}

export interface SandboxServer {
  /** The origin, e.g. `http://127.0.0.1:41234`: both the accounts URL and the API domain. */
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_FIELDS = 50;
const MAX_PER_PAGE = 200;
const MAX_WRITE_RECORDS = 100;
const MAX_SEARCH_RESULTS = 2000;
/** Records reachable with `page`/`per_page` alone; the rest need `page_token` (reference §1.3). */
const MAX_DISCRETE_RECORDS = 2000;
const MAX_TOKEN_RECORDS = 100_000;
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const SORTABLE = ['id', 'Created_Time', 'Modified_Time'] as const;

/** Zoho's mandatory fields on create (reference §1.3). */
const MANDATORY_FIELDS: Readonly<Record<RecordModule, readonly string[]>> = {
  Accounts: ['Account_Name'],
  Contacts: ['Last_Name'],
  Deals: ['Deal_Name', 'Stage'],
  Tasks: ['Subject'],
  Calls: ['Subject', 'Call_Type', 'Call_Start_Time', 'Call_Duration'],
  Events: ['Event_Title', 'Start_DateTime', 'End_DateTime'],
  Notes: ['Note_Content', 'Parent_Id'],
};
const DATE_FIELDS = ['Due_Date', 'Closing_Date', 'Contract_End_Date', 'Date_of_Birth'];
const DATETIME_FIELDS = ['Call_Start_Time', 'Start_DateTime', 'End_DateTime'];
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Used for writes when the org has no users yet. */
const FALLBACK_USER: UserRef = { id: '5725767000000000001', name: 'Sandbox Admin', email: 'admin@sandbox.local' };

/** A whole-request failure in Zoho's flat shape `{code, details, message, status: "error"}`. */
class ZohoApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(status: number, code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

interface Reply {
  status: number;
  body?: unknown;
}

const invalidParam = (param: string, message = 'invalid data') =>
  new ZohoApiError(400, 'INVALID_DATA', message, { param_name: param });
const invalidMethod = () =>
  new ZohoApiError(400, 'INVALID_REQUEST_METHOD', 'The http request method type is not a valid one');
const invalidUrl = () =>
  new ZohoApiError(404, 'INVALID_URL_PATTERN', 'Please check if the URL trying to access is a correct one');

/** Starts the sandbox on `host:port` (127.0.0.1 and a free port by default). */
export async function startSandboxServer(options: SandboxServerOptions): Promise<SandboxServer> {
  const {
    store,
    port = 0,
    host = '127.0.0.1',
    accessTokenTtlSeconds = 3600,
    pageTokenRecordLimit = MAX_TOKEN_RECORDS,
  } = options;
  const credentials = { ...DEFAULT_SANDBOX_CREDENTIALS, ...options.credentials };
  const tokens = new Map<string, number>();
  let origin = '';

  const api: Api = {
    store,
    credentials,
    tokens,
    accessTokenTtlSeconds,
    pageTokens: pageTokensOf(store),
    pageTokenRecordLimit,
    origin: () => origin,
  };
  const server = createServer((req, res) => {
    handle(api, req, res).catch((error: unknown) => {
      // Only reachable if writing the response itself failed; there is nobody left to tell.
      res.destroy(error instanceof Error ? error : undefined);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  origin = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  return {
    url: origin,
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

interface Api {
  store: SandboxStore;
  credentials: SandboxCredentials;
  tokens: Map<string, number>;
  accessTokenTtlSeconds: number;
  pageTokens: PageTokens;
  pageTokenRecordLimit: number;
  origin: () => string;
}

async function handle(api: Api, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let reply: Reply;
  try {
    reply = await route(api, req);
  } catch (error) {
    const failure =
      error instanceof ZohoApiError ? error : new ZohoApiError(500, 'INTERNAL_ERROR', 'Internal Server Error');
    reply = {
      status: failure.status,
      body: { code: failure.code, details: failure.details, message: failure.message, status: 'error' },
    };
  }
  if (reply.body === undefined) {
    res.writeHead(reply.status).end();
    return;
  }
  const json = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json;charset=UTF-8',
    'content-length': Buffer.byteLength(json),
  });
  res.end(json);
}

async function route(api: Api, req: IncomingMessage): Promise<Reply> {
  const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
  const method = req.method ?? 'GET';
  if (url.pathname === '/sandbox/health') {
    if (method !== 'GET') throw invalidMethod();
    return { status: 200, body: { ok: true } };
  }
  if (url.pathname === '/oauth/v2/token') {
    if (method !== 'POST') throw invalidMethod();
    return issueToken(api, url, req);
  }
  if (url.pathname === '/crm' || url.pathname.startsWith('/crm/')) {
    authenticate(api, req);
    if (!url.pathname.startsWith('/crm/v8/')) throw invalidUrl();
    const segments = url.pathname.slice('/crm/v8/'.length).split('/').filter(Boolean).map(decodeURIComponent);
    return crm(api, req, method, segments, url.searchParams);
  }
  throw invalidUrl();
}

// ---------------------------------------------------------------------------------------------------
// OAuth

async function issueToken(api: Api, url: URL, req: IncomingMessage): Promise<Reply> {
  const params = new URLSearchParams(url.searchParams);
  for (const [key, value] of await formFields(req)) params.set(key, value);
  // Zoho's accounts server answers bad grants with HTTP 200 and an `error` field, not a 4xx.
  const refused = (error: string): Reply => ({ status: 200, body: { error } });
  if (params.get('grant_type') !== 'refresh_token') return refused('unsupported_grant_type');
  if (params.get('client_id') !== api.credentials.clientId) return refused('invalid_client');
  if (params.get('client_secret') !== api.credentials.clientSecret) return refused('invalid_client');
  if (params.get('refresh_token') !== api.credentials.refreshToken) return refused('invalid_code');

  const accessToken = `1000.${randomBytes(16).toString('hex')}.${randomBytes(16).toString('hex')}`;
  api.tokens.set(accessToken, api.store.now().getTime() + api.accessTokenTtlSeconds * 1000);
  return {
    status: 200,
    body: {
      access_token: accessToken,
      scope: 'ZohoCRM.modules.ALL ZohoCRM.users.READ ZohoCRM.settings.ALL ZohoSearch.securesearch.READ',
      api_domain: api.origin(),
      token_type: 'Bearer',
      expires_in: api.accessTokenTtlSeconds,
    },
  };
}

/** Form fields from a urlencoded or multipart body (the official SDK sends multipart). */
async function formFields(req: IncomingMessage): Promise<[string, string][]> {
  const body = await readBody(req);
  const type = req.headers['content-type'] ?? '';
  if (body.length === 0) return [];
  if (type.startsWith('application/x-www-form-urlencoded')) return [...new URLSearchParams(body.toString('utf8'))];
  if (type.startsWith('multipart/form-data')) {
    try {
      const form = await new Response(Uint8Array.from(body), { headers: { 'content-type': type } }).formData();
      const fields: [string, string][] = [];
      form.forEach((value, key) => {
        if (typeof value === 'string') fields.push([key, value]);
      });
      return fields;
    } catch {
      return [];
    }
  }
  return [];
}

function authenticate(api: Api, req: IncomingMessage): void {
  const header = req.headers.authorization;
  const token = header ? /^Zoho-oauthtoken\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
  if (!token) throw new ZohoApiError(401, 'AUTHENTICATION_FAILURE', 'Authentication failed');
  const expiresAt = api.tokens.get(token);
  if (expiresAt === undefined || expiresAt <= api.store.now().getTime()) {
    throw new ZohoApiError(401, 'INVALID_TOKEN', 'invalid oauth token');
  }
}

// ---------------------------------------------------------------------------------------------------
// CRM routes

async function crm(
  api: Api,
  req: IncomingMessage,
  method: string,
  segments: string[],
  query: URLSearchParams,
): Promise<Reply> {
  const [first, second, third, ...rest] = segments;
  if (first === undefined || rest.length > 0) throw invalidUrl();
  if (first === 'users') {
    if (third !== undefined) throw invalidUrl();
    if (method !== 'GET') throw invalidMethod();
    return listUsers(api, query, second);
  }
  const module = canonicalModule(first);
  if (second === undefined) {
    if (method === 'GET') return listRecords(api, module, api.store.list(module), query, req);
    if (method === 'POST') return createRecords(api, module, await readJson(req));
    throw invalidMethod();
  }
  if (second === 'search' && third === undefined) {
    if (method !== 'GET') throw invalidMethod();
    return searchRecords(api, module, query);
  }
  if (third === undefined) {
    if (method !== 'GET') throw invalidMethod();
    const record = api.store.get(module, second);
    if (!record) return { status: 204 };
    const fields = parseFields(query, false);
    return { status: 200, body: { data: [fields ? project(record, fields) : record] } };
  }
  const list = RELATED_LISTS[module][third];
  if (!list)
    throw new ZohoApiError(400, 'INVALID_DATA', 'the related list name given seems to be invalid', { api_name: third });
  if (method === 'POST' && third === 'Notes') {
    return createRecords(api, 'Notes', await readJson(req), { id: second, module: { api_name: module } });
  }
  if (method !== 'GET') throw invalidMethod();
  const records = api.store.related(module, second, third) ?? [];
  return listRecords(api, `${module}/${second}/${third}`, records, query, req);
}

/** Zoho treats module API names case-insensitively in URLs. */
function canonicalModule(name: string): RecordModule {
  const module = RECORD_MODULES.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  if (!module) {
    throw new ZohoApiError(400, 'INVALID_MODULE', 'the module name given seems to be invalid', {
      resource_path_index: 0,
    });
  }
  return module;
}

function listUsers(api: Api, query: URLSearchParams, id: string | undefined): Reply {
  const users = api.store.users();
  const current = currentUser(api);
  let selected: readonly SandboxUser[];
  if (id !== undefined) {
    selected = users.filter((user) => user.id === id);
  } else {
    const type = query.get('type') ?? 'AllUsers';
    const active = (user: SandboxUser) => (user.status ?? 'active') === 'active';
    const filters: Record<string, (user: SandboxUser) => boolean> = {
      AllUsers: () => true,
      ActiveUsers: active,
      DeactiveUsers: (user) => !active(user),
      ActiveConfirmedUsers: (user) => active(user) && user.confirm !== false,
      AdminUsers: (user) => user.profile?.name === 'Administrator',
      ActiveConfirmedAdmins: (user) => active(user) && user.profile?.name === 'Administrator',
      CurrentUser: (user) => user.id === current.id,
    };
    const filter = filters[type];
    if (!filter) throw invalidParam('type');
    selected = users.filter(filter);
  }
  const { page, perPage } = parsePaging(query);
  const slice = selected.slice((page - 1) * perPage, page * perPage);
  if (slice.length === 0) return { status: 204 };
  return {
    status: 200,
    body: {
      users: slice,
      info: { per_page: perPage, count: slice.length, page, more_records: page * perPage < selected.length },
    },
  };
}

/**
 * One page of a module or related list. `page`/`per_page` reach the first 2000 records; every page with
 * records after it carries a `next_page_token` that continues the same query past them (up to the
 * token record limit). `resource` names what is listed (`Deals`, `Deals/{id}/Stage_History`), so a
 * token from one list cannot page another.
 */
function listRecords(
  api: Api,
  resource: string,
  records: readonly ZohoRecord[],
  query: URLSearchParams,
  req: IncomingMessage,
): Reply {
  const fields = parseFields(query, true);
  const pageToken = query.get('page_token');
  if (pageToken !== null && query.has('page')) {
    throw new ZohoApiError(400, 'AMBIGUITY_DURING_PROCESSING', 'page and page_token cannot be given together', {
      param_names: ['page', 'page_token'],
    });
  }
  const { page, perPage } = parsePaging(query);
  if (pageToken === null && page * perPage > MAX_DISCRETE_RECORDS) {
    throw new ZohoApiError(
      400,
      'DISCRETE_PAGINATION_LIMIT_EXCEEDED',
      `only the first ${MAX_DISCRETE_RECORDS} records can be fetched with page and per_page; use page_token beyond them`,
      { limit: MAX_DISCRETE_RECORDS },
    );
  }
  const sortBy = query.get('sort_by') ?? 'id';
  if (!(SORTABLE as readonly string[]).includes(sortBy)) throw invalidParam('sort_by');
  const sortOrder = query.get('sort_order') ?? 'desc';
  if (sortOrder !== 'asc' && sortOrder !== 'desc') throw invalidParam('sort_order');
  const ids = query.get('ids');
  const since = ifModifiedSince(req);

  // Everything that decides which records come in which order, and how many to a page.
  const binding = JSON.stringify([resource, fields, sortBy, sortOrder, perPage, ids, since ?? null]);
  const now = api.store.now();
  let cursor: PageCursor | undefined;
  if (pageToken !== null) {
    cursor = readPageToken(api, pageToken, binding, now);
    if (cursor.served >= api.pageTokenRecordLimit) {
      throw new ZohoApiError(
        400,
        'PAGINATION_LIMIT_EXCEEDED',
        `only the first ${api.pageTokenRecordLimit} records of a list can be fetched`,
        { limit: api.pageTokenRecordLimit },
      );
    }
  }

  let selected = [...records];
  if (ids) {
    const wanted = new Set(ids.split(',').map((id) => id.trim()));
    if (wanted.size > 100)
      throw new ZohoApiError(400, 'LIMIT_EXCEEDED', 'limit exceeded', { param_name: 'ids', limit: 100 });
    selected = selected.filter((record) => wanted.has(record.id));
  }
  if (since !== undefined) selected = selected.filter((record) => timeOf(record.Modified_Time) > since);
  if (selected.length === 0) return { status: since === undefined ? 204 : 304 };

  const direction = sortOrder === 'asc' ? 1 : -1;
  const sorted = selected
    .map((record) => ({ record, key: sortKeyOf(record, sortBy) }))
    .sort((a, b) => direction * compareKeys(a.key, b.key));
  const served = cursor ? cursor.served : (page - 1) * perPage;
  const after = cursor?.after;
  const start = after ? sorted.findIndex(({ key }) => direction * compareKeys(key, after) > 0) : served;
  if (start < 0) return { status: 204 };
  const room = Math.max(0, api.pageTokenRecordLimit - served);
  const slice = sorted.slice(start, start + Math.min(perPage, room));
  const last = slice.at(-1);
  if (!last) return { status: 204 };
  const moreRecords = start + slice.length < sorted.length;
  const next = moreRecords
    ? api.pageTokens.issue(binding, { served: served + slice.length, after: last.key }, now)
    : undefined;
  return {
    status: 200,
    body: {
      data: slice.map(({ record }) => project(record, fields)),
      info: {
        per_page: perPage,
        count: slice.length,
        page: Math.floor(served / perPage) + 1,
        sort_by: sortBy,
        sort_order: sortOrder,
        more_records: moreRecords,
        next_page_token: next?.token ?? null,
        // Nothing we serve pages backwards; Zoho sends the key either way.
        previous_page_token: null,
        page_token_expiry: next ? zohoDateTime(next.expiresAt) : null,
      },
    },
  };
}

function readPageToken(api: Api, token: string, binding: string, now: Date): PageCursor {
  const reading = api.pageTokens.read(token, binding, now);
  if (reading.ok) return reading.cursor;
  const details = { param_name: 'page_token' };
  switch (reading.problem) {
    case 'invalid':
      throw invalidParam('page_token', 'the page_token given seems to be invalid');
    case 'expired':
      throw new ZohoApiError(400, 'EXPIRED_VALUE', 'the page_token has expired', details);
    case 'mismatch':
      throw new ZohoApiError(
        400,
        'TOKEN_BOUND_DATA_MISMATCH',
        'the page_token was issued for a different module or different query params',
        details,
      );
  }
}

function searchRecords(api: Api, module: RecordModule, query: URLSearchParams): Reply {
  const fields = parseFields(query, false);
  const { page, perPage } = parsePaging(query);
  let test: (record: ZohoRecord) => boolean;
  const criteria = query.get('criteria');
  const email = query.get('email');
  const phone = query.get('phone');
  const word = query.get('word');
  // Zoho's precedence when several are given: criteria > email > phone > word.
  if (criteria !== null) {
    let parsed: SearchCriteria;
    try {
      parsed = parseSearchCriteria(criteria);
    } catch (error) {
      if (!(error instanceof SearchCriteriaError)) throw error;
      throw new ZohoApiError(400, 'INVALID_QUERY', 'invalid query formed', { reason: error.reason });
    }
    const matching = new Set(api.store.search(module, parsed));
    test = (record) => matching.has(record);
  } else if (email !== null) {
    test = (record) => fieldsLike(record, /email/i).some((value) => value.toLowerCase() === email.toLowerCase());
  } else if (phone !== null) {
    const digits = phone.replace(/\D/g, '');
    test = (record) => fieldsLike(record, /phone|mobile/i).some((value) => value.replace(/\D/g, '').endsWith(digits));
  } else if (word !== null) {
    test = (record) => fieldsLike(record, /./).some((value) => value.toLowerCase().includes(word.toLowerCase()));
  } else {
    throw new ZohoApiError(400, 'REQUIRED_PARAM_MISSING', 'One of the expected parameter is missing', {
      param_name: 'criteria',
    });
  }
  if ((page - 1) * perPage >= MAX_SEARCH_RESULTS) {
    throw new ZohoApiError(400, 'LIMIT_REACHED', 'search results exceed the limit of 2000 records', {
      limit: MAX_SEARCH_RESULTS,
    });
  }
  const matches = api.store.list(module).filter(test).slice(0, MAX_SEARCH_RESULTS);
  const slice = matches.slice((page - 1) * perPage, page * perPage);
  if (slice.length === 0) return { status: 204 };
  return {
    status: 200,
    body: {
      data: slice.map((record) => (fields ? project(record, fields) : record)),
      info: { per_page: perPage, count: slice.length, page, more_records: page * perPage < matches.length },
    },
  };
}

async function createRecords(
  api: Api,
  module: RecordModule,
  body: unknown,
  parent?: { id: string; module: { api_name: RecordModule } },
): Promise<Reply> {
  if (!isObject(body) || body.data === undefined) {
    throw new ZohoApiError(400, 'MANDATORY_NOT_FOUND', 'required field not found', {
      api_name: 'data',
      json_path: '$.data',
    });
  }
  if (!Array.isArray(body.data) || body.data.length === 0) {
    throw new ZohoApiError(400, 'INVALID_DATA', 'invalid data', {
      api_name: 'data',
      json_path: '$.data',
      expected_data_type: 'jsonarray',
    });
  }
  if (body.data.length > MAX_WRITE_RECORDS) {
    throw new ZohoApiError(400, 'LIMIT_EXCEEDED', 'limit exceeded', {
      api_name: 'data',
      json_path: '$.data',
      limit: MAX_WRITE_RECORDS,
    });
  }
  const inputs = (body.data as unknown[]).map((input) =>
    parent && isObject(input) ? { ...input, Parent_Id: parent } : input,
  );
  const results: Record<string, unknown>[] = [];
  const accepted: { index: number; record: Record<string, unknown> }[] = [];
  inputs.forEach((input, index) => {
    const problem = writeProblem(api, module, input, index);
    if (problem) results[index] = problem;
    else accepted.push({ index, record: input as Record<string, unknown> });
  });
  const by = currentUser(api);
  const created = await api.store.create(
    module,
    accepted.map(({ record }) => record),
    by,
  );
  created.forEach((record, i) => {
    results[accepted[i]!.index] = {
      code: 'SUCCESS',
      details: {
        Modified_Time: record.Modified_Time,
        Modified_By: nameAndId(record.Modified_By),
        Created_Time: record.Created_Time,
        id: record.id,
        Created_By: nameAndId(record.Created_By),
      },
      message: 'record added',
      status: 'success',
    };
  });
  const status = created.length === inputs.length ? 201 : created.length === 0 ? 400 : 207;
  return { status, body: { data: results } };
}

/** The first thing Zoho would refuse in one record of a write, as a per-record error entry. */
function writeProblem(
  api: Api,
  module: RecordModule,
  input: unknown,
  index: number,
): Record<string, unknown> | undefined {
  const path = `$.data[${index}]`;
  const entry = (code: string, message: string, details: Record<string, unknown>) => ({
    code,
    details,
    message,
    status: 'error',
  });
  if (!isObject(input))
    return entry('INVALID_DATA', 'invalid data', { json_path: path, expected_data_type: 'jsonobject' });
  for (const field of MANDATORY_FIELDS[module]) {
    const value = input[field];
    if (value === undefined || value === null || value === '') {
      return entry('MANDATORY_NOT_FOUND', 'required field not found', {
        api_name: field,
        json_path: `${path}.${field}`,
      });
    }
  }
  const invalid = (field: string, extra: Record<string, unknown> = {}, message = 'invalid data') =>
    entry('INVALID_DATA', message, { api_name: field, json_path: `${path}.${field}`, ...extra });
  for (const field of DATE_FIELDS) {
    const value = input[field];
    if (value !== undefined && value !== null && (typeof value !== 'string' || !DATE_PATTERN.test(value))) {
      return invalid(field, { expected_data_type: 'date' });
    }
  }
  for (const field of DATETIME_FIELDS) {
    const value = input[field];
    if (value !== undefined && value !== null && (typeof value !== 'string' || !DATETIME_PATTERN.test(value))) {
      return invalid(field, { expected_data_type: 'datetime' });
    }
  }
  if (input.Owner !== undefined && input.Owner !== null) {
    if (!isObject(input.Owner) || typeof input.Owner.id !== 'string' || !api.store.user(input.Owner.id)) {
      return invalid('Owner');
    }
  }
  if (module === 'Notes') {
    const parent = input.Parent_Id;
    // v2 clients sent Parent_Id as a bare id plus se_module; v8 wants the lookup object.
    if (!isObject(parent) || typeof parent.id !== 'string')
      return invalid('Parent_Id', { expected_data_type: 'lookup' });
    const parentModule = isObject(parent.module) ? parent.module.api_name : undefined;
    if (typeof parentModule !== 'string') {
      return entry('MANDATORY_NOT_FOUND', 'required field not found', {
        api_name: 'module',
        json_path: `${path}.Parent_Id.module`,
      });
    }
    if (!isRecordModule(parentModule) || !api.store.get(parentModule, parent.id)) {
      return invalid('Parent_Id', { id: parent.id }, 'the related id given seems to be invalid');
    }
  }
  if (input.What_Id !== undefined && input.What_Id !== null) {
    const what = input.What_Id;
    const whatModule = input.$se_module;
    if (!isObject(what) || typeof what.id !== 'string') return invalid('What_Id', { expected_data_type: 'lookup' });
    if (typeof whatModule !== 'string') {
      return entry('MANDATORY_NOT_FOUND', 'required field not found', {
        api_name: '$se_module',
        json_path: `${path}.$se_module`,
      });
    }
    if (!isRecordModule(whatModule) || !api.store.get(whatModule, what.id)) {
      return invalid('What_Id', { id: what.id }, 'the related id given seems to be invalid');
    }
  }
  if (input.Who_Id !== undefined && input.Who_Id !== null) {
    const who = input.Who_Id;
    if (!isObject(who) || typeof who.id !== 'string') return invalid('Who_Id', { expected_data_type: 'lookup' });
    if (!api.store.get('Contacts', who.id))
      return invalid('Who_Id', { id: who.id }, 'the related id given seems to be invalid');
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Helpers

function parseFields(query: URLSearchParams, required: true): string[];
function parseFields(query: URLSearchParams, required: boolean): string[] | undefined;
function parseFields(query: URLSearchParams, required: boolean): string[] | undefined {
  const raw = query.get('fields');
  const fields = raw
    ?.split(',')
    .map((field) => field.trim())
    .filter(Boolean);
  if (!fields || fields.length === 0) {
    if (!required) return undefined;
    throw new ZohoApiError(400, 'REQUIRED_PARAM_MISSING', 'One of the expected parameter is missing', {
      param_name: 'fields',
    });
  }
  if (fields.length > MAX_FIELDS) {
    throw new ZohoApiError(400, 'LIMIT_EXCEEDED', 'limit exceeded', { param_name: 'fields', limit: MAX_FIELDS });
  }
  return fields;
}

/** per_page above 200 is capped at 200, as Zoho documents 200 as the maximum rather than an error. */
function parsePaging(query: URLSearchParams): { page: number; perPage: number } {
  const number = (name: string, fallback: number) => {
    const raw = query.get(name);
    if (raw === null) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1) throw invalidParam(name);
    return value;
  };
  return { page: number('page', 1), perPage: Math.min(number('per_page', MAX_PER_PAGE), MAX_PER_PAGE) };
}

function ifModifiedSince(req: IncomingMessage): number | undefined {
  const header = req.headers['if-modified-since'];
  if (!header) return undefined;
  const since = Date.parse(header);
  if (Number.isNaN(since)) throw invalidParam('If-Modified-Since');
  return since;
}

/** Only the requested fields and the id, with null for a requested field the record lacks, as Zoho does. */
function project(record: ZohoRecord, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) out[field] = record[field] ?? null;
  // A polymorphic lookup is meaningless without its module, so Zoho sends $se_module along with What_Id.
  if (fields.includes('What_Id') && record.$se_module !== undefined) out.$se_module = record.$se_module;
  out.id = record.id;
  return out;
}

function sortKeyOf(record: ZohoRecord, sortBy: string): SortKey {
  return [sortBy === 'id' ? 0 : timeOf(record[sortBy]), record.id];
}

/** Sort value first, then id: a total order, so pages never overlap or skip a record on a tie. */
function compareKeys(a: SortKey, b: SortKey): number {
  return a[0] - b[0] || compareIds(a[1], b[1]);
}

function compareIds(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  return a < b ? -1 : a > b ? 1 : 0;
}

function timeOf(value: unknown): number {
  const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isNaN(time) ? 0 : time;
}

function fieldsLike(record: ZohoRecord, name: RegExp): string[] {
  return Object.entries(record).flatMap(([key, value]) =>
    name.test(key) && typeof value === 'string' && !key.startsWith('$') ? [value] : [],
  );
}

function currentUser(api: Api): UserRef {
  const users = api.store.users();
  const admin = users.find((user) => user.profile?.name === 'Administrator') ?? users[0];
  return admin ? { id: admin.id, name: admin.full_name, email: admin.email } : FALLBACK_USER;
}

function nameAndId(value: unknown): unknown {
  return isObject(value) ? { name: value.name, id: value.id } : value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ZohoApiError(413, 'LIMIT_EXCEEDED', 'request body is too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new ZohoApiError(400, 'INVALID_DATA', 'the request body is not valid JSON', {});
  }
}
