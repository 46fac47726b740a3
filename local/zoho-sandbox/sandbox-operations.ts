/**
 * What the sandbox's Zoho stand-in does with a CRM request, whichever way the request came in: the REST
 * routes in sandbox-server.ts and the MCP tools in sandbox-mcp.ts both call these, so the record
 * semantics (projection, paging, page tokens, search, write checks, COQL) live in one place and the two
 * transports cannot drift apart.
 *
 * Each operation takes the store (through SandboxOperations) and inputs already taken apart from the
 * request (module, ids, query params, parsed body, conditional headers) and returns the REST answer
 * `{status, body}`, or throws SandboxZohoError for a whole-request failure. Turning that into HTTP or
 * into a tool result is the transport's job.
 */
import { type CoqlCondition, CoqlError, compareValues, coqlFields, matchesCoql, parseCoql } from './coql.ts';
import { type PageCursor, type PageTokens, pageTokensOf, type SortKey } from './page-tokens.ts';
import {
  fieldNames,
  fieldsMetadata,
  fieldType,
  MANDATORY_FIELDS,
  modulesMetadata,
  relatedListsMetadata,
} from './sandbox-metadata.ts';
import type { NotificationOperation } from './sandbox-notifications.ts';
import { isRecordModule, RECORD_MODULES, type RecordModule, type SandboxUser, type ZohoRecord } from './sandbox-org.ts';
import { RELATED_LISTS, type SandboxStore, type UserRef } from './sandbox-store.ts';
import { parseSearchCriteria, type SearchCriteria, SearchCriteriaError } from './search-criteria.ts';
import { zohoDateTime } from './zoho-formats.ts';

const MAX_FIELDS = 50;
const MAX_PER_PAGE = 200;
const MAX_WRITE_RECORDS = 100;
const MAX_SEARCH_RESULTS = 2000;
/** Records reachable with `page`/`per_page` alone; the rest need `page_token` (reference §1.3). */
const MAX_DISCRETE_RECORDS = 2000;
/** Zoho's cap on the records one listing's `page_token` can reach. */
export const MAX_TOKEN_RECORDS = 100_000;
const SORTABLE = ['id', 'Created_Time', 'Modified_Time'] as const;

const DATE_FIELDS = ['Due_Date', 'Closing_Date', 'Contract_End_Date', 'Date_of_Birth'];
const DATETIME_FIELDS = ['Call_Start_Time', 'Start_DateTime', 'End_DateTime'];
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Used for writes when the org has no users yet. */
const FALLBACK_USER: UserRef = { id: '5725767000000000001', name: 'Sandbox Admin', email: 'admin@sandbox.local' };

/**
 * A whole-request failure in Zoho's flat shape `{code, details, message, status: "error"}`; `status` is
 * the HTTP status REST answers with (MCP carries the same JSON in an error tool result).
 */
export class SandboxZohoError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(status: number, code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** The JSON Zoho sends for this failure. */
  toJSON(): Record<string, unknown> {
    return { code: this.code, details: this.details, message: this.message, status: 'error' };
  }
}

/** The REST answer to an operation: no body for 204 and 304, as Zoho sends none. */
export interface Reply {
  status: number;
  body?: unknown;
}

/** Request headers by lower-case name, as node:http has them; only the conditional ones are read. */
export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** What the operations work on: one per sandbox, shared by its transports. */
export interface SandboxOperations {
  store: SandboxStore;
  pageTokens: PageTokens;
  /** How many records of one listing `page_token` can reach (MAX_TOKEN_RECORDS unless lowered for a test). */
  pageTokenRecordLimit: number;
  /** Told about each write after the store has it; unset where nobody watches (a standalone MCP server). */
  recordsChanged?: (module: RecordModule, operation: NotificationOperation, ids: readonly string[]) => void;
}

/** Operations over `store`, sharing its page tokens, so a token minted by one transport pages on the other. */
export function sandboxOperations(
  store: SandboxStore,
  options: Partial<Omit<SandboxOperations, 'store' | 'pageTokens'>> = {},
): SandboxOperations {
  return {
    store,
    pageTokens: pageTokensOf(store),
    pageTokenRecordLimit: options.pageTokenRecordLimit ?? MAX_TOKEN_RECORDS,
    ...(options.recordsChanged ? { recordsChanged: options.recordsChanged } : {}),
  };
}

export const invalidParam = (param: string, message = 'invalid data') =>
  new SandboxZohoError(400, 'INVALID_DATA', message, { param_name: param });
export const invalidUrl = () =>
  new SandboxZohoError(404, 'INVALID_URL_PATTERN', 'Please check if the URL trying to access is a correct one');

/** Tells the watch channels about a write call: after the store has it, without waiting for the callbacks. */
function notify(
  ops: SandboxOperations,
  module: RecordModule,
  operation: NotificationOperation,
  ids: readonly string[],
) {
  ops.recordsChanged?.(module, operation, ids);
}

/** `GET /{module}/{id}`: the record, projected when `fields` is given; 204 when there is none. */
export function getRecord(ops: SandboxOperations, module: RecordModule, id: string, query: URLSearchParams): Reply {
  const record = ops.store.get(module, id);
  if (!record) return { status: 204 };
  const fields = parseFields(query, false);
  return { status: 200, body: { data: [fields ? project(record, fields) : record] } };
}

/** The related list `name` of `module`, or the error Zoho gives for a name the module does not have. */
export function relatedList(module: RecordModule, name: string): void {
  if (!RELATED_LISTS[module][name]) {
    throw new SandboxZohoError(400, 'INVALID_DATA', 'the related list name given seems to be invalid', {
      api_name: name,
    });
  }
}

/** `GET /{module}/{id}/{list}`: one page of a related list (an unknown parent lists nothing). */
export function listRelatedRecords(
  ops: SandboxOperations,
  module: RecordModule,
  id: string,
  list: string,
  query: URLSearchParams,
  headers: RequestHeaders = {},
): Reply {
  relatedList(module, list);
  const records = ops.store.related(module, id, list) ?? [];
  return listRecords(ops, `${module}/${id}/${list}`, records, query, headers);
}

function headerOf(headers: RequestHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * `POST /coql`: parses the query (coql.ts), checks its module and fields against the metadata, and
 * answers `{data, info: {count, more_records}}` with lookups as `{id}`, or 204 when nothing matches.
 */
export function coql(ops: SandboxOperations, body: unknown): Reply {
  const text = isObject(body) ? body.select_query : undefined;
  if (typeof text !== 'string' || text.trim() === '') {
    throw new SandboxZohoError(400, 'REQUIRED_PARAM_MISSING', 'One of the expected parameter is missing', {
      param_name: 'select_query',
    });
  }
  let query: ReturnType<typeof parseCoql>;
  try {
    query = parseCoql(text);
  } catch (error) {
    if (!(error instanceof CoqlError)) throw error;
    throw new SandboxZohoError(400, error.code, error.message, error.details);
  }
  const module = RECORD_MODULES.find((candidate) => candidate.toLowerCase() === query.module.toLowerCase());
  if (!module) {
    throw new SandboxZohoError(400, 'INVALID_QUERY', 'invalid query formed', {
      reason: 'invalid module given',
      module_name: query.module,
    });
  }
  const invalidColumn = (column: string, reason = 'column given seems to be invalid') =>
    new SandboxZohoError(400, 'INVALID_QUERY', 'invalid query formed', { column_name: column, reason });
  const known = new Set(['id', ...fieldNames(module)]);
  for (const field of coqlFields(query)) {
    const [base = '', sub, ...deeper] = field.split('.');
    if (!known.has(base)) throw invalidColumn(field);
    if (sub === undefined) continue;
    const type = fieldType(module, base);
    if ((type !== 'lookup' && type !== 'ownerlookup') || deeper.length > 0) throw invalidColumn(field);
  }
  const textAreaIn = (condition: CoqlCondition): string | undefined =>
    'items' in condition
      ? condition.items.map(textAreaIn).find(Boolean)
      : fieldType(module, condition.field) === 'textarea'
        ? condition.field
        : undefined;
  const multiLine = textAreaIn(query.where);
  if (multiLine) throw invalidColumn(multiLine, 'multi-line fields cannot be used in the where clause');

  const reader =
    (record: ZohoRecord) =>
    (field: string): unknown => {
      const [base = '', sub] = field.split('.');
      const value = record[base];
      if (sub === undefined || !isObject(value)) return sub === undefined ? value : undefined;
      if (sub === 'id' || fieldType(module, base) === 'ownerlookup') return value[sub];
      // A lookup reaches into the record it points at; What_Id's module is the record's $se_module.
      const target = base === 'What_Id' ? record.$se_module : lookupModuleOf(module, base);
      const linked =
        typeof target === 'string' && isRecordModule(target) && typeof value.id === 'string'
          ? ops.store.get(target, value.id)
          : undefined;
      return linked?.[sub];
    };
  const matches = ops.store
    .list(module)
    .map((record) => ({ record, read: reader(record) }))
    .filter(({ read }) => matchesCoql(read, query.where));
  const order = query.orderBy.length > 0 ? query.orderBy : [{ field: 'id', direction: 'asc' as const }];
  matches.sort((a, b) => {
    for (const { field, direction } of order) {
      const sign = direction === 'asc' ? 1 : -1;
      const x = coqlScalar(a.read(field));
      const y = coqlScalar(b.read(field));
      // Empty values sort first ascending, last descending, as in SQL's NULLS FIRST for asc.
      if (x === null || y === null) {
        if (x !== y) return sign * (x === null ? -1 : 1);
        continue;
      }
      const difference = field === 'id' ? compareIds(String(x), String(y)) : (compareValues(x, y) ?? 0);
      if (difference !== 0) return sign * Math.sign(difference);
    }
    return compareIds(a.record.id, b.record.id);
  });
  const page = matches.slice(query.offset, query.offset + query.limit);
  if (page.length === 0) return { status: 204 };
  const data = page.map(({ record, read }) => {
    const out: Record<string, unknown> = {};
    for (const field of query.fields) {
      const value = read(field);
      out[field] = isObject(value) && typeof value.id === 'string' ? { id: value.id } : (value ?? null);
    }
    out.id = record.id;
    return out;
  });
  return {
    status: 200,
    body: { data, info: { count: data.length, more_records: query.offset + page.length < matches.length } },
  };
}

function lookupModuleOf(module: RecordModule, field: string): string | undefined {
  const lookup = fieldsMetadata(module).find((entry) => entry.api_name === field)?.lookup;
  return isObject(lookup) && isObject(lookup.module) ? String(lookup.module.api_name) : undefined;
}

function coqlScalar(value: unknown): string | number | boolean | null {
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (isObject(value) && typeof value.id === 'string') return value.id;
  return null;
}

/** `GET /settings/modules[/{module}]`, `GET /settings/fields?module=X` and `GET /settings/related_lists?module=X`. */
export function settings(resource: string | undefined, name: string | undefined, query: URLSearchParams): Reply {
  if (resource === 'modules') {
    if (name === undefined) return { status: 200, body: { modules: modulesMetadata() } };
    const module = canonicalModule(name);
    return { status: 200, body: { modules: modulesMetadata().filter((entry) => entry.api_name === module) } };
  }
  if (resource === 'fields' && name === undefined) {
    return { status: 200, body: { fields: fieldsMetadata(moduleParam(query)) } };
  }
  if (resource === 'related_lists' && name === undefined) {
    return { status: 200, body: { related_lists: relatedListsMetadata(moduleParam(query)) } };
  }
  throw invalidUrl();
}

/** The `module` query parameter the metadata endpoints require. */
function moduleParam(query: URLSearchParams): RecordModule {
  const requested = query.get('module');
  if (!requested) {
    throw new SandboxZohoError(400, 'REQUIRED_PARAM_MISSING', 'One of the expected parameter is missing', {
      param_name: 'module',
    });
  }
  return canonicalModule(requested);
}

/** Zoho treats module API names case-insensitively in URLs. */
export function canonicalModule(name: string): RecordModule {
  const module = RECORD_MODULES.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  if (!module) {
    throw new SandboxZohoError(400, 'INVALID_MODULE', 'the module name given seems to be invalid', {
      resource_path_index: 0,
    });
  }
  return module;
}

export function listUsers(ops: SandboxOperations, query: URLSearchParams, id: string | undefined): Reply {
  const users = ops.store.users();
  const current = currentUser(ops);
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
export function listRecords(
  ops: SandboxOperations,
  resource: string,
  records: readonly ZohoRecord[],
  query: URLSearchParams,
  headers: RequestHeaders = {},
): Reply {
  const fields = parseFields(query, true);
  const pageToken = query.get('page_token');
  if (pageToken !== null && query.has('page')) {
    throw new SandboxZohoError(400, 'AMBIGUITY_DURING_PROCESSING', 'page and page_token cannot be given together', {
      param_names: ['page', 'page_token'],
    });
  }
  const { page, perPage } = parsePaging(query);
  if (pageToken === null && page * perPage > MAX_DISCRETE_RECORDS) {
    throw new SandboxZohoError(
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
  const since = ifModifiedSince(headers);

  // Everything that decides which records come in which order, and how many to a page.
  const binding = JSON.stringify([resource, fields, sortBy, sortOrder, perPage, ids, since ?? null]);
  const now = ops.store.now();
  let cursor: PageCursor | undefined;
  if (pageToken !== null) {
    cursor = readPageToken(ops, pageToken, binding, now);
    if (cursor.served >= ops.pageTokenRecordLimit) {
      throw new SandboxZohoError(
        400,
        'PAGINATION_LIMIT_EXCEEDED',
        `only the first ${ops.pageTokenRecordLimit} records of a list can be fetched`,
        { limit: ops.pageTokenRecordLimit },
      );
    }
  }

  let selected: readonly ZohoRecord[] = records;
  if (ids) {
    const wanted = new Set(ids.split(',').map((id) => id.trim()));
    if (wanted.size > 100)
      throw new SandboxZohoError(400, 'LIMIT_EXCEEDED', 'limit exceeded', { param_name: 'ids', limit: 100 });
    selected = selected.filter((record) => wanted.has(record.id));
  }
  if (since !== undefined) selected = selected.filter((record) => timeOf(record.Modified_Time) > since);
  if (selected.length === 0) return { status: since === undefined ? 204 : 304 };

  const direction = sortOrder === 'asc' ? 1 : -1;
  const sorted = sortedListing(ops.store, selected, sortBy, direction);
  const served = cursor ? cursor.served : (page - 1) * perPage;
  const after = cursor?.after;
  const start = after ? firstAfter(sorted, after, direction) : served;
  if (start >= sorted.length) return { status: 204 };
  const room = Math.max(0, ops.pageTokenRecordLimit - served);
  const slice = sorted.slice(start, start + Math.min(perPage, room));
  const last = slice.at(-1);
  if (!last) return { status: 204 };
  const moreRecords = start + slice.length < sorted.length;
  const next = moreRecords
    ? ops.pageTokens.issue(binding, { served: served + slice.length, after: last.key }, now)
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

function readPageToken(ops: SandboxOperations, token: string, binding: string, now: Date): PageCursor {
  const reading = ops.pageTokens.read(token, binding, now);
  if (reading.ok) return reading.cursor;
  const details = { param_name: 'page_token' };
  switch (reading.problem) {
    case 'invalid':
      throw invalidParam('page_token', 'the page_token given seems to be invalid');
    case 'expired':
      throw new SandboxZohoError(400, 'EXPIRED_VALUE', 'the page_token has expired', details);
    case 'mismatch':
      throw new SandboxZohoError(
        400,
        'TOKEN_BOUND_DATA_MISMATCH',
        'the page_token was issued for a different module or different query params',
        details,
      );
  }
}

/**
 * The record test a search asks for, by Zoho's precedence when several are given: criteria > email >
 * phone > word. Undefined when the query names none of them.
 */
function searchFilter(
  ops: SandboxOperations,
  module: RecordModule,
  query: URLSearchParams,
): ((record: ZohoRecord) => boolean) | undefined {
  const criteria = query.get('criteria');
  const email = query.get('email');
  const phone = query.get('phone');
  const word = query.get('word');
  if (criteria !== null) {
    let parsed: SearchCriteria;
    try {
      parsed = parseSearchCriteria(criteria);
    } catch (error) {
      if (!(error instanceof SearchCriteriaError)) throw error;
      throw new SandboxZohoError(400, 'INVALID_QUERY', 'invalid query formed', { reason: error.reason });
    }
    const matching = new Set(ops.store.search(module, parsed));
    return (record) => matching.has(record);
  }
  if (email !== null) {
    return (record) => fieldsLike(record, /email/i).some((value) => value.toLowerCase() === email.toLowerCase());
  }
  if (phone !== null) {
    const digits = phone.replace(/\D/g, '');
    return (record) => fieldsLike(record, /phone|mobile/i).some((value) => value.replace(/\D/g, '').endsWith(digits));
  }
  if (word !== null) {
    return (record) => fieldsLike(record, /./).some((value) => value.toLowerCase().includes(word.toLowerCase()));
  }
  return undefined;
}

export function searchRecords(ops: SandboxOperations, module: RecordModule, query: URLSearchParams): Reply {
  const fields = parseFields(query, false);
  const { page, perPage } = parsePaging(query);
  const test = searchFilter(ops, module, query);
  if (!test) {
    throw new SandboxZohoError(400, 'REQUIRED_PARAM_MISSING', 'One of the expected parameter is missing', {
      param_name: 'criteria',
    });
  }
  if ((page - 1) * perPage >= MAX_SEARCH_RESULTS) {
    throw new SandboxZohoError(400, 'LIMIT_REACHED', 'search results exceed the limit of 2000 records', {
      limit: MAX_SEARCH_RESULTS,
    });
  }
  const matches = ops.store.list(module).filter(test).slice(0, MAX_SEARCH_RESULTS);
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

export async function createRecords(
  ops: SandboxOperations,
  module: RecordModule,
  body: unknown,
  parent?: { id: string; module: { api_name: RecordModule } },
): Promise<Reply> {
  const inputs = writeInputs(body).map((input) =>
    parent && isObject(input) ? { ...input, Parent_Id: parent } : input,
  );
  const results: Record<string, unknown>[] = [];
  const accepted: { index: number; record: Record<string, unknown> }[] = [];
  inputs.forEach((input, index) => {
    const problem = writeProblem(ops, module, input, index);
    if (problem) results[index] = problem;
    else accepted.push({ index, record: input as Record<string, unknown> });
  });
  const by = currentUser(ops);
  const created = await ops.store.create(
    module,
    accepted.map(({ record }) => record),
    by,
  );
  created.forEach((record, i) => {
    results[accepted[i]!.index] = writeSuccess(record, 'record added');
  });
  notify(
    ops,
    module,
    'insert',
    created.map((record) => record.id),
  );
  return { status: writeStatus(results, 201), body: { data: results } };
}

/** `GET /{module}/actions/count`: how many records there are, or how many a search would find. */
export function countRecords(ops: SandboxOperations, module: RecordModule, query: URLSearchParams): Reply {
  const test = searchFilter(ops, module, query);
  const records = ops.store.list(module);
  return { status: 200, body: { count: test ? records.filter(test).length : records.length } };
}

/**
 * Zoho's default duplicate-check fields for upsert (reference §1.3). Activities and Notes have none:
 * they cannot be upserted.
 */
const UPSERT_KEYS: Readonly<Partial<Record<RecordModule, readonly string[]>>> = {
  Accounts: ['Account_Name'],
  Contacts: ['Email'],
  Deals: ['Deal_Name'],
};

/**
 * `POST /{module}/upsert`: each record updates the first existing record that shares a value of a
 * duplicate-check field (tried in order), or is inserted. Records are applied in order, so a record
 * inserted earlier in the request is found by a later one.
 */
export async function upsertRecords(
  ops: SandboxOperations,
  module: RecordModule,
  body: unknown,
  headers: RequestHeaders,
): Promise<Reply> {
  const defaults = UPSERT_KEYS[module];
  if (!defaults) {
    throw new SandboxZohoError(400, 'NOT_SUPPORTED', `upsert is not supported for the ${module} module`, {
      resource_path_index: 0,
    });
  }
  const inputs = writeInputs(body);
  const requested = isObject(body) ? body.duplicate_check_fields : undefined;
  let keys: readonly string[] = defaults;
  if (requested !== undefined) {
    if (
      !Array.isArray(requested) ||
      requested.length === 0 ||
      requested.some((field) => typeof field !== 'string' || field === '')
    ) {
      throw new SandboxZohoError(400, 'INVALID_DATA', 'invalid data', {
        api_name: 'duplicate_check_fields',
        json_path: '$.duplicate_check_fields',
        expected_data_type: 'jsonarray',
      });
    }
    keys = requested as string[];
  }
  const duplicateOf = (input: Record<string, unknown>) => {
    for (const key of keys) {
      const wanted = comparable(input[key]);
      if (wanted === undefined) continue;
      const record = ops.store.list(module).find((candidate) => comparable(candidate[key]) === wanted);
      if (record) return { record, key };
    }
    return undefined;
  };
  checkUnmodifiedSince(
    headers,
    inputs.map((input) => (isObject(input) ? duplicateOf(input)?.record : undefined)),
  );
  const by = currentUser(ops);
  const results: Record<string, unknown>[] = [];
  // One upsert call is one callback per operation: Zoho reports its inserts and its updates apart.
  const changed = { insert: [] as string[], update: [] as string[] };
  for (const [index, input] of inputs.entries()) {
    const duplicate = isObject(input) ? duplicateOf(input) : undefined;
    const problem = writeProblem(ops, module, input, index, duplicate ? 'update' : 'create');
    if (problem) {
      results.push(problem);
      continue;
    }
    const fields = input as Record<string, unknown>;
    if (duplicate) {
      const [record] = await ops.store.update(module, [{ ...fields, id: duplicate.record.id }], by);
      changed.update.push(record!.id);
      results.push(writeSuccess(record!, 'record updated', { action: 'update', duplicate_field: duplicate.key }));
    } else {
      const [record] = await ops.store.create(module, [fields], by);
      changed.insert.push(record!.id);
      results.push(writeSuccess(record!, 'record added', { action: 'insert', duplicate_field: null }));
    }
  }
  notify(ops, module, 'insert', changed.insert);
  notify(ops, module, 'update', changed.update);
  return { status: writeStatus(results), body: { data: results } };
}

/** A field value as upsert compares it: text ignoring case and surrounding space, lookups by id. */
function comparable(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : `s:${value.trim().toLowerCase()}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `s:${String(value).toLowerCase()}`;
  if (isObject(value) && typeof value.id === 'string') return `id:${value.id}`;
  return undefined;
}

/** The `data` array of a write body, or the whole-request error Zoho gives for a missing/bad/oversized one. */
function writeInputs(body: unknown): unknown[] {
  if (!isObject(body) || body.data === undefined) {
    throw new SandboxZohoError(400, 'MANDATORY_NOT_FOUND', 'required field not found', {
      api_name: 'data',
      json_path: '$.data',
    });
  }
  if (!Array.isArray(body.data) || body.data.length === 0) {
    throw new SandboxZohoError(400, 'INVALID_DATA', 'invalid data', {
      api_name: 'data',
      json_path: '$.data',
      expected_data_type: 'jsonarray',
    });
  }
  if (body.data.length > MAX_WRITE_RECORDS) {
    throw new SandboxZohoError(400, 'LIMIT_EXCEEDED', 'limit exceeded', {
      api_name: 'data',
      json_path: '$.data',
      limit: MAX_WRITE_RECORDS,
    });
  }
  return body.data;
}

/** 200 when every record succeeded, 207 when some did, 400 when none did (reference §1.3). */
function writeStatus(results: readonly Record<string, unknown>[], allOk = 200): number {
  const ok = results.filter((result) => result.status === 'success').length;
  return ok === results.length ? allOk : ok === 0 ? 400 : 207;
}

function writeSuccess(record: ZohoRecord, message: string, extra: Record<string, unknown> = {}) {
  return {
    code: 'SUCCESS',
    details: {
      Modified_Time: record.Modified_Time,
      Modified_By: nameAndId(record.Modified_By),
      Created_Time: record.Created_Time,
      id: record.id,
      Created_By: nameAndId(record.Created_By),
    },
    message,
    status: 'success',
    ...extra,
  };
}

function errorEntry(code: string, message: string, details: Record<string, unknown>) {
  return { code, details, message, status: 'error' };
}

const invalidIdEntry = (id: unknown, index?: number) =>
  errorEntry('INVALID_DATA', 'the id given seems to be invalid', {
    ...(index === undefined ? {} : { api_name: 'id', json_path: `$.data[${index}].id` }),
    id,
  });

/**
 * `If-Unmodified-Since` on a write: 412 ALREADY_MODIFIED, for the whole request, when any targeted
 * record changed after the given instant (reference §1.3, "Optimistic lock").
 */
function checkUnmodifiedSince(headers: RequestHeaders, records: readonly (ZohoRecord | undefined)[]): void {
  const header = headerOf(headers, 'if-unmodified-since');
  if (!header) return;
  const since = Date.parse(header);
  if (Number.isNaN(since)) throw invalidParam('If-Unmodified-Since');
  const changed = records.find((record) => record && timeOf(record.Modified_Time) > since);
  if (changed) {
    throw new SandboxZohoError(412, 'ALREADY_MODIFIED', 'the record has been modified since the given time', {
      id: changed.id,
      Modified_Time: changed.Modified_Time,
    });
  }
}

/** `PUT /{module}` (each record names its id) and `PUT /{module}/{id}` (the URL does). */
export async function updateRecords(
  ops: SandboxOperations,
  module: RecordModule,
  body: unknown,
  headers: RequestHeaders,
  urlId?: string,
): Promise<Reply> {
  const inputs = writeInputs(body);
  const results: Record<string, unknown>[] = [];
  const accepted: { index: number; change: { id: string } & Record<string, unknown> }[] = [];
  inputs.forEach((input, index) => {
    const id = urlId ?? (isObject(input) ? input.id : undefined);
    if (isObject(input) && (id === undefined || id === null || id === '')) {
      results[index] = errorEntry('MANDATORY_NOT_FOUND', 'required field not found', {
        api_name: 'id',
        json_path: `$.data[${index}].id`,
      });
      return;
    }
    if (isObject(input) && (typeof id !== 'string' || !ops.store.get(module, id))) {
      results[index] = invalidIdEntry(id, index);
      return;
    }
    const problem = writeProblem(ops, module, input, index, 'update');
    if (problem) results[index] = problem;
    else accepted.push({ index, change: { ...(input as Record<string, unknown>), id: id as string } });
  });
  checkUnmodifiedSince(
    headers,
    accepted.map(({ change }) => ops.store.get(module, change.id)),
  );
  const updated = await ops.store.update(
    module,
    accepted.map(({ change }) => change),
    currentUser(ops),
  );
  updated.forEach((record, i) => {
    const { index, change } = accepted[i]!;
    // Two changes to one id in a request: both land, and both report the record's final state.
    results[index] = record ? writeSuccess(record, 'record updated') : invalidIdEntry(change.id, index);
  });
  notify(
    ops,
    module,
    'update',
    updated.flatMap((record) => (record ? [record.id] : [])),
  );
  return { status: writeStatus(results), body: { data: results } };
}

/** `DELETE /{module}?ids=a,b` and `DELETE /{module}/{id}`. */
export async function deleteRecords(
  ops: SandboxOperations,
  module: RecordModule,
  query: URLSearchParams,
  urlId?: string,
): Promise<Reply> {
  let ids: string[];
  if (urlId !== undefined) ids = [urlId];
  else {
    ids = (query.get('ids') ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean);
    if (ids.length === 0) {
      throw new SandboxZohoError(400, 'REQUIRED_PARAM_MISSING', 'One of the expected parameter is missing', {
        param_name: 'ids',
      });
    }
    if (ids.length > MAX_WRITE_RECORDS) {
      throw new SandboxZohoError(400, 'LIMIT_EXCEEDED', 'limit exceeded', {
        param_name: 'ids',
        limit: MAX_WRITE_RECORDS,
      });
    }
  }
  const deleted = await ops.store.delete(module, ids, currentUser(ops));
  notify(
    ops,
    module,
    'delete',
    deleted.flatMap((entry) => (entry ? [entry.id] : [])),
  );
  const results = deleted.map((entry, i) =>
    entry
      ? { code: 'SUCCESS', details: { id: entry.id }, message: 'record deleted', status: 'success' }
      : invalidIdEntry(ids[i]),
  );
  return { status: writeStatus(results), body: { data: results } };
}

const DELETED_TYPES = ['all', 'recycle', 'permanent'] as const;

/** `GET /{module}/deleted`: the deletion log, newest first; 204 when empty, 304 when nothing is newer. */
export function listDeleted(
  ops: SandboxOperations,
  module: RecordModule,
  query: URLSearchParams,
  headers: RequestHeaders,
): Reply {
  const type = query.get('type') ?? 'all';
  if (!(DELETED_TYPES as readonly string[]).includes(type)) {
    throw new SandboxZohoError(400, 'PATTERN_NOT_MATCHED', 'Please check whether the input values are correct', {
      param_name: 'type',
      supported_values: [...DELETED_TYPES],
    });
  }
  const { page, perPage } = parsePaging(query);
  const since = ifModifiedSince(headers);
  // The sandbox only ever deletes to the recycle bin, so `permanent` lists nothing.
  const all = ops.store.deleted(module).filter((entry) => type === 'all' || entry.type === type);
  const selected = since === undefined ? all : all.filter((entry) => timeOf(entry.deleted_time) > since);
  if (selected.length === 0) return { status: since !== undefined && all.length > 0 ? 304 : 204 };
  const newestFirst = [...selected].reverse();
  const slice = newestFirst.slice((page - 1) * perPage, page * perPage);
  if (slice.length === 0) return { status: 204 };
  return {
    status: 200,
    body: {
      data: slice.map(({ module: _module, ...entry }) => entry),
      info: { per_page: perPage, count: slice.length, page, more_records: page * perPage < selected.length },
    },
  };
}

/** The first thing Zoho would refuse in one record of a write, as a per-record error entry. */
function writeProblem(
  ops: SandboxOperations,
  module: RecordModule,
  input: unknown,
  index: number,
  mode: 'create' | 'update' = 'create',
): Record<string, unknown> | undefined {
  const path = `$.data[${index}]`;
  const entry = errorEntry;
  if (!isObject(input))
    return entry('INVALID_DATA', 'invalid data', { json_path: path, expected_data_type: 'jsonobject' });
  for (const field of MANDATORY_FIELDS[module]) {
    // An update may leave a mandatory field out, but may not blank it.
    if (mode === 'update' && !(field in input)) continue;
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
    if (!isObject(input.Owner) || typeof input.Owner.id !== 'string' || !ops.store.user(input.Owner.id)) {
      return invalid('Owner');
    }
  }
  if (module === 'Notes' && (mode === 'create' || input.Parent_Id !== undefined)) {
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
    if (!isRecordModule(parentModule) || !ops.store.get(parentModule, parent.id)) {
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
    if (!isRecordModule(whatModule) || !ops.store.get(whatModule, what.id)) {
      return invalid('What_Id', { id: what.id }, 'the related id given seems to be invalid');
    }
  }
  if (input.Who_Id !== undefined && input.Who_Id !== null) {
    const who = input.Who_Id;
    if (!isObject(who) || typeof who.id !== 'string') return invalid('Who_Id', { expected_data_type: 'lookup' });
    if (!ops.store.get('Contacts', who.id))
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
    throw new SandboxZohoError(400, 'REQUIRED_PARAM_MISSING', 'One of the expected parameter is missing', {
      param_name: 'fields',
    });
  }
  if (fields.length > MAX_FIELDS) {
    throw new SandboxZohoError(400, 'LIMIT_EXCEEDED', 'limit exceeded', { param_name: 'fields', limit: MAX_FIELDS });
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

function ifModifiedSince(headers: RequestHeaders): number | undefined {
  const header = headerOf(headers, 'if-modified-since');
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

interface SortedEntry {
  record: ZohoRecord;
  key: SortKey;
}

/**
 * A listing's records in order, sorted once per store version: a full listing pages through the same
 * order 50 times at 10,000 records, and re-sorting it for every page made the sandbox the bottleneck.
 * Filtered listings (`ids`, `If-Modified-Since`) are fresh arrays and are simply sorted.
 */
const sortedListings = new WeakMap<readonly ZohoRecord[], { version: number; orders: Map<string, SortedEntry[]> }>();

function sortedListing(
  store: SandboxStore,
  records: readonly ZohoRecord[],
  sortBy: string,
  direction: 1 | -1,
): readonly SortedEntry[] {
  let cached = sortedListings.get(records);
  if (!cached || cached.version !== store.version) {
    cached = { version: store.version, orders: new Map() };
    sortedListings.set(records, cached);
  }
  const orderKey = `${sortBy}:${direction}`;
  let sorted = cached.orders.get(orderKey);
  if (!sorted) {
    sorted = records
      .map((record) => ({ record, key: sortKeyOf(record, sortBy) }))
      .sort((a, b) => direction * compareKeys(a.key, b.key));
    cached.orders.set(orderKey, sorted);
  }
  return sorted;
}

/** The index of the first entry after `after` in the listing's order (binary search; the order is total). */
function firstAfter(sorted: readonly SortedEntry[], after: SortKey, direction: 1 | -1): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (direction * compareKeys((sorted[middle] as SortedEntry).key, after) > 0) high = middle;
    else low = middle + 1;
  }
  return low;
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

/** Who the sandbox acts as: its first administrator (the connected user), else its first user. */
export function currentUser(ops: SandboxOperations): UserRef {
  const users = ops.store.users();
  const admin = users.find((user) => user.profile?.name === 'Administrator') ?? users[0];
  return admin ? { id: admin.id, name: admin.full_name, email: admin.email } : FALLBACK_USER;
}

function nameAndId(value: unknown): unknown {
  return isObject(value) ? { name: value.name, id: value.id } : value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
