/**
 * Zoho's Bulk Read in the sandbox (reference §6): `POST /crm/bulk/v8/read` queues an export of one
 * module, `GET /crm/bulk/v8/read/{job_id}` reports it (ADDED → IN PROGRESS → COMPLETED) and, once it is
 * done, `GET /crm/bulk/v8/read/{job_id}/result` serves a ZIP holding `{job_id}.csv`. A job with a
 * callback URL has its final report POSTed there too.
 *
 * A real job takes seconds to minutes; here it completes on the second poll, or after `completeAfterMs`
 * when nobody polls, so a client's polling loop and a callback receiver are both exercised without a wait.
 * The CSV is taken when the job completes, one snapshot of up to 200,000 records in id order; the rest of
 * the module is reached with `page: 2…` or the job's `next_page_token`. Jobs live in memory only: a
 * restarted sandbox answers RESOURCE_NOT_FOUND for them, as an expired Zoho job would.
 */
import { strToU8, zipSync } from 'fflate';
import { formatCsv } from '../../shared/adapters/zoho/csv.ts';
import type { PageCursor } from './page-tokens.ts';
import { tooManyRequests } from './sandbox-limits.ts';
import { fieldNames, fieldType, modulesMetadata } from './sandbox-metadata.ts';
import {
  currentUser,
  invalidUrl,
  type Reply,
  type RequestHeaders,
  type SandboxOperations,
  SandboxZohoError,
} from './sandbox-operations.ts';
import { RECORD_MODULES, type RecordModule, type ZohoRecord } from './sandbox-org.ts';
import { matchesCriteria, type SearchOperator } from './search-criteria.ts';
import { zohoDateTime, zohoId } from './zoho-formats.ts';

/** Zoho's cap on the records of one job. */
export const MAX_BULK_READ_RECORDS = 200_000;
/** Zoho's limit on result downloads per org. */
export const BULK_DOWNLOADS_PER_MINUTE = 10;

export interface SandboxBulkReadOptions {
  /** The poll that finds a job COMPLETED; the ones before find it IN PROGRESS (default 2). */
  pollsToComplete?: number;
  /** Real milliseconds after which a job completes even if nobody polls, firing its callback (default 500). */
  completeAfterMs?: number;
  /** Records per job (default 200,000); lower it to meet `more_records` without a huge org. */
  recordsPerJob?: number;
  /** Result downloads per rolling minute of the store's clock (default 10). */
  downloadsPerMinute?: number;
  fetch?: typeof fetch;
  callbackTimeoutMs?: number;
}

/** A REST answer that may be a file instead of JSON. */
export interface SandboxReply extends Reply {
  file?: { bytes: Uint8Array; contentType: string; name: string };
}

type JobState = 'ADDED' | 'IN PROGRESS' | 'COMPLETED';

type Comparator = (typeof COMPARATORS)[number];
type BulkCriteria =
  | { kind: 'condition'; field: string; comparator: Comparator; values: string[] }
  | { kind: 'group'; operator: 'and' | 'or'; items: BulkCriteria[] };

interface Job {
  id: string;
  module: RecordModule;
  /** The CSV's columns: `id` first, then the fields asked for (all of the module's when none were). */
  columns: string[];
  /** `query` as the client sent it (fields, criteria, page or page_token), echoed in every report. */
  query: Record<string, unknown>;
  criteria: BulkCriteria | null;
  start: PageCursor | { served: number; after: null };
  binding: string;
  callbackUrl: string | null;
  state: JobState;
  polls: number;
  createdBy: { id: string; name: string };
  createdTime: string;
  timer: NodeJS.Timeout | undefined;
  result?: {
    page: number;
    count: number;
    moreRecords: boolean;
    nextPageToken: string | null;
    zip: Uint8Array;
  };
}

/** Comparators the sandbox evaluates: the ones a sync filters by (times, picklists, ids). */
const COMPARATORS = [
  'equal',
  'not_equal',
  'in',
  'not_in',
  'greater_than',
  'greater_equal',
  'less_than',
  'less_equal',
  'between',
  'not_between',
  'starts_with',
] as const;

/** The search operator each comparator is, and whether its answer is negated. */
const AS_SEARCH: Readonly<Record<Comparator, { operator: SearchOperator; negated: boolean }>> = {
  equal: { operator: 'equals', negated: false },
  not_equal: { operator: 'not_equal', negated: false },
  in: { operator: 'in', negated: false },
  not_in: { operator: 'in', negated: true },
  greater_than: { operator: 'greater_than', negated: false },
  greater_equal: { operator: 'greater_equal', negated: false },
  less_than: { operator: 'less_than', negated: false },
  less_equal: { operator: 'less_equal', negated: false },
  between: { operator: 'between', negated: false },
  not_between: { operator: 'between', negated: true },
  starts_with: { operator: 'starts_with', negated: false },
};
const ORDERING: readonly Comparator[] = [
  'greater_than',
  'greater_equal',
  'less_than',
  'less_equal',
  'between',
  'not_between',
];

const MINUTE_MS = 60_000;
/** Finished jobs kept for download; older ones are forgotten, as Zoho drops results after a day. */
const MAX_KEPT_JOBS = 50;

const invalidMethod = () =>
  new SandboxZohoError(400, 'INVALID_REQUEST_METHOD', 'The http request method type is not a valid one');
const invalidCriteria = (message: string, details: Record<string, unknown>) =>
  new SandboxZohoError(400, 'INVALID_CRITERIA', message, details);
const invalidData = (apiName: string, message = 'invalid data', extra: Record<string, unknown> = {}) =>
  new SandboxZohoError(400, 'INVALID_DATA', message, { api_name: apiName, ...extra });
const notFound = (resource: string, message = 'the requested resource is not found') =>
  new SandboxZohoError(404, 'RESOURCE_NOT_FOUND', message, { resource });

export class SandboxBulkRead {
  readonly #ops: SandboxOperations;
  readonly #pollsToComplete: number;
  readonly #completeAfterMs: number;
  readonly #recordsPerJob: number;
  readonly #downloadsPerMinute: number;
  readonly #fetch: typeof fetch;
  readonly #callbackTimeoutMs: number;
  readonly #jobs = new Map<string, Job>();
  readonly #downloads: number[] = [];
  readonly #callbacks = new Set<Promise<void>>();
  readonly #stopped = new AbortController();
  #sequence = 0;
  /** Callbacks that got a 2xx, and those that did not: for tests and diagnostics. */
  delivered = 0;
  failed = 0;

  constructor(ops: SandboxOperations, options: SandboxBulkReadOptions = {}) {
    this.#ops = ops;
    this.#pollsToComplete = Math.max(1, options.pollsToComplete ?? 2);
    this.#completeAfterMs = options.completeAfterMs ?? 500;
    this.#recordsPerJob = Math.max(1, Math.min(options.recordsPerJob ?? MAX_BULK_READ_RECORDS, MAX_BULK_READ_RECORDS));
    this.#downloadsPerMinute = options.downloadsPerMinute ?? BULK_DOWNLOADS_PER_MINUTE;
    this.#fetch = options.fetch ?? fetch;
    this.#callbackTimeoutMs = options.callbackTimeoutMs ?? 10_000;
  }

  /**
   * `/crm/bulk/v8/{segments}`. `body` is the raw body of a POST; it is JSON only with a JSON content
   * type, which Zoho insists on before reading it.
   */
  async handle(
    method: string,
    segments: readonly string[],
    headers: RequestHeaders,
    body: Buffer | undefined,
  ): Promise<SandboxReply> {
    const [resource, jobId, sub, ...rest] = segments;
    if (resource !== 'read' || rest.length > 0) throw invalidUrl();
    if (jobId === undefined) {
      if (method !== 'POST') throw invalidMethod();
      return this.#create(headers, body);
    }
    if (method !== 'GET') throw invalidMethod();
    if (sub === undefined) return this.#report(jobId);
    if (sub === 'result') return this.#download(jobId);
    throw invalidUrl();
  }

  /** Resolves once every callback sent so far was delivered or given up on. */
  async idle(): Promise<void> {
    while (this.#callbacks.size > 0) await Promise.allSettled([...this.#callbacks]);
  }

  /** Stops the completion timers and waits for callbacks in flight. */
  async close(): Promise<void> {
    this.#stopped.abort();
    for (const job of this.#jobs.values()) clearTimeout(job.timer);
    await this.idle();
  }

  #create(headers: RequestHeaders, raw: Buffer | undefined): SandboxReply {
    const type = headerOf(headers, 'content-type') ?? '';
    if (!/^application\/json\s*(;|$)/i.test(type)) {
      throw new SandboxZohoError(415, 'MEDIA_TYPE_NOT_SUPPORTED', 'the content type is not supported', {
        supported: ['application/json'],
      });
    }
    let body: unknown;
    try {
      body = JSON.parse((raw ?? Buffer.alloc(0)).toString('utf8'));
    } catch {
      throw new SandboxZohoError(400, 'INVALID_DATA', 'the request body is not valid JSON', {});
    }
    if (!isObject(body)) throw invalidData('body', 'expected a JSON object');
    const query = body.query;
    if (!isObject(query)) {
      throw new SandboxZohoError(400, 'MANDATORY_NOT_FOUND', 'required field not found', { api_name: 'query' });
    }
    const module = this.#module(query.module);
    const fileType = body.file_type ?? 'csv';
    if (fileType !== 'csv') {
      throw invalidData('file_type', 'the sandbox exports CSV only', { supported_values: ['csv'] });
    }
    if (query.cvid !== undefined && query.cvid !== null) {
      throw invalidData('cvid', 'the sandbox has no custom views');
    }
    const columns = columnsOf(module, query.fields);
    const criteria =
      query.criteria === undefined || query.criteria === null ? null : parseCriteria(module, query.criteria);
    const callbackUrl = callbackOf(body.callback);
    const binding = JSON.stringify(['bulk-read', module, columns, query.criteria ?? null]);
    const start = this.#startOf(query, binding);

    const user = currentUser(this.#ops);
    const job: Job = {
      id: zohoId(800_000_000_000 + ++this.#sequence),
      module,
      columns,
      query: { ...query, module: { api_name: module } },
      criteria,
      start,
      binding,
      callbackUrl,
      state: 'ADDED',
      polls: 0,
      createdBy: { id: user.id, name: user.name },
      createdTime: zohoDateTime(this.#ops.store.now()),
      timer: undefined,
    };
    if (!this.#stopped.signal.aborted) {
      job.timer = setTimeout(() => {
        try {
          this.#complete(job);
        } catch {
          // A timer has nobody to answer; the job stays open and the next poll completes it or says why.
        }
      }, this.#completeAfterMs);
      job.timer.unref();
    }
    this.#keep(job);
    return {
      status: 201,
      body: {
        data: [
          {
            status: 'success',
            code: 'ADDED_SUCCESSFULLY',
            message: 'Added successfully.',
            details: {
              id: job.id,
              operation: 'read',
              state: job.state,
              created_by: job.createdBy,
              created_time: job.createdTime,
            },
          },
        ],
        info: {},
      },
    };
  }

  #report(jobId: string): SandboxReply {
    const job = this.#jobs.get(jobId);
    if (!job) throw notFound(jobId);
    job.polls += 1;
    if (job.state !== 'COMPLETED') {
      if (job.polls >= this.#pollsToComplete) this.#complete(job);
      else job.state = 'IN PROGRESS';
    }
    return { status: 200, body: this.#describe(job) };
  }

  #download(jobId: string): SandboxReply {
    const now = this.#ops.store.now().getTime();
    while (this.#downloads.length > 0 && (this.#downloads[0] ?? 0) <= now - MINUTE_MS) this.#downloads.shift();
    if (this.#downloads.length >= this.#downloadsPerMinute) throw tooManyRequests();
    this.#downloads.push(now);
    const job = this.#jobs.get(jobId);
    if (!job) throw notFound(jobId);
    if (!job.result) throw notFound(jobId, 'the job has not completed yet');
    return {
      status: 200,
      file: { bytes: job.result.zip, contentType: 'application/zip', name: `${job.id}.zip` },
    };
  }

  #module(given: unknown): RecordModule {
    const name = isObject(given) ? given.api_name : undefined;
    if (typeof name !== 'string' || name === '') {
      throw new SandboxZohoError(400, 'MANDATORY_NOT_FOUND', 'required field not found', {
        api_name: 'module',
      });
    }
    const module = RECORD_MODULES.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
    // Zoho exports no Notes, attachments or emails; the sandbox has no other module to offer.
    if (!module || module === 'Notes') {
      throw new SandboxZohoError(400, 'MODULE_NOT_SUPPORTED', 'the module is not supported for bulk read', {
        api_name: 'module',
        module: name,
      });
    }
    return module;
  }

  /** Where the job's records begin: a page of 200,000, or just after the last record of an earlier job. */
  #startOf(query: Record<string, unknown>, binding: string): Job['start'] {
    const token = query.page_token;
    const hasPage = query.page !== undefined && query.page !== null;
    if (token !== undefined && token !== null) {
      if (hasPage) {
        throw new SandboxZohoError(400, 'AMBIGUITY_DURING_PROCESSING', 'page and page_token cannot be given together', {
          param_names: ['page', 'page_token'],
        });
      }
      if (typeof token !== 'string') throw invalidData('page_token');
      const reading = this.#ops.pageTokens.read(token, binding, this.#ops.store.now());
      if (reading.ok) return reading.cursor;
      if (reading.problem === 'expired') {
        throw new SandboxZohoError(400, 'EXPIRED_VALUE', 'the page_token has expired', { api_name: 'page_token' });
      }
      if (reading.problem === 'mismatch') {
        throw new SandboxZohoError(
          400,
          'TOKEN_BOUND_DATA_MISMATCH',
          'the page_token was issued for a different module, fields or criteria',
          { api_name: 'page_token' },
        );
      }
      throw invalidData('page_token', 'the page_token given seems to be invalid');
    }
    const page = hasPage ? query.page : 1;
    if (typeof page !== 'number' || !Number.isInteger(page) || page < 1) throw invalidData('page');
    return { served: (page - 1) * this.#recordsPerJob, after: null };
  }

  /** Takes the job's snapshot, zips its CSV and tells the callback. */
  #complete(job: Job): void {
    if (job.state === 'COMPLETED') return;
    clearTimeout(job.timer);
    const criteria = job.criteria;
    const matching = this.#ops.store
      .list(job.module)
      .filter((record) => criteria === null || matches(record, criteria))
      .sort((a, b) => compareIds(a.id, b.id));
    const { served, after } = job.start;
    const from = after === null ? served : matching.findIndex((record) => compareIds(record.id, after[1]) > 0);
    const remaining = from < 0 ? [] : matching.slice(from);
    const records = remaining.slice(0, this.#recordsPerJob);
    const moreRecords = remaining.length > records.length;
    const last = records.at(-1);
    const next =
      moreRecords && last
        ? this.#ops.pageTokens.issue(
            job.binding,
            { served: served + records.length, after: [0, last.id] },
            this.#ops.store.now(),
          )
        : undefined;
    const csv = formatCsv([job.columns, ...records.map((record) => job.columns.map((column) => cell(record[column])))]);
    job.result = {
      page: Math.floor(served / this.#recordsPerJob) + 1,
      count: records.length,
      moreRecords,
      nextPageToken: next?.token ?? null,
      zip: zipSync({ [`${job.id}.csv`]: strToU8(csv) }),
    };
    job.state = 'COMPLETED';
    if (job.callbackUrl) this.#callBack(job.callbackUrl, this.#describe(job));
  }

  #describe(job: Job) {
    const moduleId = modulesMetadata().find((entry) => entry.api_name === job.module)?.id;
    const { result } = job;
    return {
      data: [
        {
          id: job.id,
          operation: 'read',
          state: job.state,
          query: { ...job.query, module: { api_name: job.module, id: moduleId } },
          created_by: job.createdBy,
          created_time: job.createdTime,
          file_type: 'csv',
          ...(result
            ? {
                result: {
                  page: result.page,
                  per_page: this.#recordsPerJob,
                  count: result.count,
                  download_url: `/crm/bulk/v8/read/${job.id}/result`,
                  more_records: result.moreRecords,
                  ...(result.nextPageToken ? { next_page_token: result.nextPageToken } : {}),
                },
              }
            : {}),
        },
      ],
    };
  }

  #keep(job: Job): void {
    this.#jobs.set(job.id, job);
    for (const [id, kept] of this.#jobs) {
      if (this.#jobs.size <= MAX_KEPT_JOBS) break;
      clearTimeout(kept.timer);
      this.#jobs.delete(id);
    }
  }

  #callBack(url: string, body: unknown): void {
    if (this.#stopped.signal.aborted) return;
    const sent = (async () => {
      try {
        const response = await this.#fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.any([this.#stopped.signal, AbortSignal.timeout(this.#callbackTimeoutMs)]),
        });
        await response.body?.cancel();
        if (response.ok) this.delivered += 1;
        else this.failed += 1;
      } catch {
        // The receiver is the client's; a client that cannot take the callback still has polling.
        this.failed += 1;
      }
    })().finally(() => this.#callbacks.delete(sent));
    this.#callbacks.add(sent);
  }
}

/** The CSV's columns: `id` always first; every field the module has when none were asked for. */
function columnsOf(module: RecordModule, given: unknown): string[] {
  if (given !== undefined && given !== null && !Array.isArray(given)) {
    throw invalidData('fields', 'invalid data', { expected_data_type: 'jsonarray' });
  }
  const fields = (given ?? []) as unknown[];
  for (const field of fields) if (typeof field !== 'string' || field === '') throw invalidData('fields');
  const asked = fields.length === 0 ? fieldNames(module) : (fields as string[]);
  const columns = ['id'];
  for (const field of asked) {
    if (columns.includes(field)) continue;
    columns.push(field);
    // A polymorphic lookup means nothing without its module, so it travels with What_Id, as in REST.
    if (field === 'What_Id' && !asked.includes('$se_module')) columns.push('$se_module');
  }
  return columns;
}

function callbackOf(given: unknown): string | null {
  if (given === undefined || given === null) return null;
  if (!isObject(given)) throw invalidData('callback');
  const { url, method } = given;
  if (typeof url !== 'string' || !URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    throw invalidData('callback.url');
  }
  if (method !== 'post') throw invalidData('callback.method', 'invalid data', { supported_values: ['post'] });
  return url;
}

/**
 * Zoho's criteria: a condition `{field: {api_name}, comparator, value}` or a group `{group_operator,
 * group: [...]}`, nested. Conditions on fields the module lacks, unknown comparators and values of the
 * wrong shape are INVALID_CRITERIA.
 */
function parseCriteria(module: RecordModule, given: unknown): BulkCriteria {
  if (!isObject(given)) throw invalidCriteria('the criteria is not an object', {});
  if (given.group !== undefined) {
    const operator = given.group_operator;
    if (operator !== 'and' && operator !== 'or') {
      throw invalidCriteria('group_operator must be and or or', { api_name: 'group_operator', value: operator });
    }
    if (!Array.isArray(given.group) || given.group.length === 0) {
      throw invalidCriteria('a group needs conditions', { api_name: 'group' });
    }
    return { kind: 'group', operator, items: given.group.map((item) => parseCriteria(module, item)) };
  }
  const apiName = isObject(given.field) ? given.field.api_name : given.api_name;
  if (typeof apiName !== 'string' || (apiName !== 'id' && !fieldNames(module).includes(apiName))) {
    throw invalidCriteria('the field in the criteria is not one of the module’s', { api_name: apiName ?? null });
  }
  const comparator = given.comparator;
  if (typeof comparator !== 'string' || !(COMPARATORS as readonly string[]).includes(comparator)) {
    throw invalidCriteria('the comparator is not supported', {
      api_name: apiName,
      comparator: comparator ?? null,
      supported: [...COMPARATORS],
    });
  }
  const typed = comparator as Comparator;
  const wrongValue = () => invalidCriteria('the value does not suit the comparator', { api_name: apiName, comparator });
  const raw = given.value;
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.some((value) => typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')) {
    throw wrongValue();
  }
  const values = list.map(String);
  if ((typed === 'between' || typed === 'not_between') && (!Array.isArray(raw) || values.length !== 2)) {
    throw wrongValue();
  }
  if (!['in', 'not_in', 'between', 'not_between'].includes(typed) && Array.isArray(raw)) throw wrongValue();
  const type = fieldType(module, apiName);
  if (ORDERING.includes(typed) && (type === 'datetime' || type === 'date')) {
    if (values.some((value) => Number.isNaN(Date.parse(value)))) throw wrongValue();
  }
  return { kind: 'condition', field: apiName, comparator: typed, values };
}

function matches(record: ZohoRecord, criteria: BulkCriteria): boolean {
  if (criteria.kind === 'group') {
    return criteria.operator === 'and'
      ? criteria.items.every((item) => matches(record, item))
      : criteria.items.some((item) => matches(record, item));
  }
  const { operator, negated } = AS_SEARCH[criteria.comparator];
  const hit = matchesCriteria(record, { kind: 'condition', field: criteria.field, operator, values: criteria.values });
  return negated ? !hit : hit;
}

/**
 * A record's value as its CSV cell: lookups by id, a multi-select's values joined by `;`, nothing as
 * empty; anything more structured (an event's participants) as its JSON, since a cell holds only text.
 */
function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.join(';');
  if (isObject(value) && typeof value.id === 'string') return value.id;
  return JSON.stringify(value);
}

function compareIds(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  return a < b ? -1 : a > b ? 1 : 0;
}

function headerOf(headers: RequestHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
