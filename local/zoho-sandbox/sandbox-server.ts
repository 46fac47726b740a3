/**
 * The sandbox's Zoho stand-in (CONTRACTS.md, "The sandbox as a Zoho stand-in"): Zoho's accounts server
 * (`POST /oauth/v2/token`) and the CRM v8 API (`/crm/v8/…`) on one origin, over a SandboxStore.
 * Status codes, envelopes and error shapes follow our Zoho CRM v8 reference notes, so that a client that
 * works here works against Zoho. Zoho's MCP endpoint (sandbox-mcp.ts) is mounted at `/mcp/<key>/message`
 * on the same origin and org. This file is the HTTP side only: what a request does to the org is in
 * sandbox-operations.ts, which both transports call.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen } from './http-listen.ts';
import { SandboxBulkRead, type SandboxBulkReadOptions, type SandboxReply } from './sandbox-bulk-read.ts';
import {
  DEFAULT_SANDBOX_ADMIN_SECRET,
  parseFaultChange,
  SANDBOX_ADMIN_HEADER,
  SandboxFaults,
} from './sandbox-faults.ts';
import { recordsIn, SandboxLimits, type SandboxLimitsOptions, tooManyRequests, writeCost } from './sandbox-limits.ts';
import { DEFAULT_SANDBOX_MCP_KEY, sandboxMcpUrl, serveSandboxMcp } from './sandbox-mcp.ts';
import { SandboxNotifications } from './sandbox-notifications.ts';
import {
  canonicalModule,
  coql,
  countRecords,
  createRecords,
  deleteRecords,
  getRecord,
  invalidUrl,
  listDeleted,
  listRecords,
  listRelatedRecords,
  listUsers,
  MAX_TOKEN_RECORDS,
  type Reply,
  relatedList,
  type SandboxOperations,
  SandboxZohoError,
  sandboxOperations,
  searchRecords,
  settings,
  updateRecords,
  upsertRecords,
} from './sandbox-operations.ts';
import type { SandboxStore } from './sandbox-store.ts';

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
  /** Waits before each retry of a failed notification callback (sandbox-notifications.ts). */
  notificationRetryDelaysMs?: readonly number[];
  /** The secret in the MCP endpoint's path `/mcp/<key>/message` (default DEFAULT_SANDBOX_MCP_KEY). */
  mcpKey?: string;
  /** The org's edition and API limits (default: enterprise, as many users as the org has). */
  limits?: SandboxLimitsOptions;
  /** The secret admin calls carry in `x-sandbox-admin` (default DEFAULT_SANDBOX_ADMIN_SECRET). */
  adminSecret?: string;
  /** Seeds the generator that picks which calls an injected error rate fails (default 1). */
  faultSeed?: number;
  /** Replaces that generator outright. */
  faultRandom?: () => number;
  /** How quickly Bulk Read jobs complete, how many records one holds, how many downloads a minute allows. */
  bulkRead?: SandboxBulkReadOptions;
}

export interface SandboxServer {
  /** The origin, e.g. `http://127.0.0.1:41234`: both the accounts URL and the API domain. */
  url: string;
  port: number;
  /** The MCP endpoint on the same origin and org, key included: `<url>/mcp/<key>/message`. */
  mcpUrl: string;
  /** Watch channels and their callbacks; `await notifications.idle()` before checking what a receiver got. */
  notifications: SandboxNotifications;
  /** Credits and concurrency, for tests that check what was charged. */
  limits: SandboxLimits;
  /** The injected faults; the same object `PUT /sandbox/admin/faults` changes. */
  faults: SandboxFaults;
  /** Bulk Read jobs; `await bulkRead.idle()` before checking what a callback receiver got. */
  bulkRead: SandboxBulkRead;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;

const invalidMethod = () =>
  new SandboxZohoError(400, 'INVALID_REQUEST_METHOD', 'The http request method type is not a valid one');

/** Starts the sandbox on `host:port` (127.0.0.1 and a free port by default). */
export async function startSandboxServer(options: SandboxServerOptions): Promise<SandboxServer> {
  const {
    store,
    port = 0,
    host = '127.0.0.1',
    accessTokenTtlSeconds = 3600,
    pageTokenRecordLimit = MAX_TOKEN_RECORDS,
    mcpKey = DEFAULT_SANDBOX_MCP_KEY,
  } = options;
  const credentials = { ...DEFAULT_SANDBOX_CREDENTIALS, ...options.credentials };
  const tokens = new Map<string, number>();
  const limits = new SandboxLimits({ users: Math.max(1, store.users().length), ...options.limits }, () => store.now());
  const faults = new SandboxFaults({
    ...(options.faultSeed !== undefined ? { seed: options.faultSeed } : {}),
    ...(options.faultRandom ? { random: options.faultRandom } : {}),
    // Revoking is what expiry looks like to a client: INVALID_TOKEN until it refreshes.
    expireTokens: () => tokens.clear(),
  });
  let origin = '';
  const notifications = await SandboxNotifications.open({
    store,
    origin: () => origin,
    ...(options.notificationRetryDelaysMs ? { retryDelaysMs: options.notificationRetryDelaysMs } : {}),
  });

  // Writes over MCP notify the watch channels too: Zoho fires them whoever made the change.
  const ops = sandboxOperations(store, {
    pageTokenRecordLimit,
    recordsChanged: (module, operation, ids) => notifications.recordsChanged(module, operation, ids),
  });
  const bulkRead = new SandboxBulkRead(ops, options.bulkRead);
  const api: Api = {
    store,
    credentials,
    tokens,
    accessTokenTtlSeconds,
    ops,
    origin: () => origin,
    notifications,
    limits,
    faults,
    bulkRead,
    adminSecret: options.adminSecret ?? DEFAULT_SANDBOX_ADMIN_SECRET,
  };
  const server = createServer((req, res) => {
    let served: Promise<void>;
    if (!isMcpPath(req)) served = handle(api, req, res);
    else if (faults.current().mcpOutage) served = outage(res);
    else {
      served = serveSandboxMcp(
        {
          ops: api.ops,
          key: mcpKey,
          // Zoho's MCP server calls the API as the user who connected it, so it shares that user's limits.
          gate: {
            admit: (credits) => admit(api, SANDBOX_USER, credits),
            creditsHeader: () => limits.remainingHeader(),
          },
        },
        req,
        res,
      );
    }
    served.catch((error: unknown) => {
      // Only reachable if writing the response itself failed; there is nobody left to tell.
      res.destroy(error instanceof Error ? error : undefined);
    });
  });
  const listening = await listen(server, port, host);
  origin = listening.origin;
  return {
    url: origin,
    mcpUrl: sandboxMcpUrl(origin, mcpKey),
    port: listening.port,
    notifications,
    limits,
    faults,
    bulkRead,
    close: async () => {
      await listening.close();
      await notifications.close();
      await bulkRead.close();
    },
  };
}

interface Api {
  store: SandboxStore;
  credentials: SandboxCredentials;
  tokens: Map<string, number>;
  accessTokenTtlSeconds: number;
  ops: SandboxOperations;
  origin: () => string;
  notifications: SandboxNotifications;
  limits: SandboxLimits;
  faults: SandboxFaults;
  bulkRead: SandboxBulkRead;
  adminSecret: string;
}

/**
 * The sandbox has one set of OAuth credentials, hence one connected user; every token and the MCP key
 * act as that user, so they share one concurrency limit, as calls of one Zoho user would.
 */
const SANDBOX_USER = 'sandbox-user';

/**
 * Lets one CRM call through the limits and faults, in Zoho's order: a rate-limit storm or a full set of
 * concurrent calls refuses it before it is charged; then its credits are spent; then the injected latency
 * (holding the slot, as a slow call does) and error rate apply. Gives back the function that frees the slot.
 */
async function admit(api: Api, user: string, credits: number): Promise<() => void> {
  if (api.faults.current().rateLimitStorm) throw tooManyRequests();
  const release = api.limits.enter(user);
  try {
    api.limits.charge(credits);
    await api.faults.disturb();
    return release;
  } catch (error) {
    release();
    throw error;
  }
}

async function outage(res: ServerResponse): Promise<void> {
  const json = JSON.stringify({
    code: 'SERVICE_UNAVAILABLE',
    details: {},
    message: 'Service Unavailable',
    status: 'error',
  });
  res.writeHead(503, { 'content-type': 'application/json;charset=UTF-8', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

/** `/mcp` and below belong to the MCP endpoint, which answers in JSON-RPC rather than Zoho's REST JSON. */
function isMcpPath(req: IncomingMessage): boolean {
  const pathname = new URL(req.url ?? '/', 'http://sandbox.invalid').pathname;
  return pathname === '/mcp' || pathname.startsWith('/mcp/');
}

async function handle(api: Api, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let reply: SandboxReply;
  try {
    reply = await route(api, req);
  } catch (error) {
    const failure =
      error instanceof SandboxZohoError ? error : new SandboxZohoError(500, 'INTERNAL_ERROR', 'Internal Server Error');
    reply = { status: failure.status, body: failure.toJSON() };
  }
  // Every CRM answer, errors included, tells the client how many credits are left once half are gone.
  const remaining = isCrmPath(req) ? api.limits.remainingHeader() : undefined;
  const creditHeaders = remaining === undefined ? {} : { 'x-api-credits-remaining': remaining };
  if (reply.file) {
    const { bytes, contentType, name } = reply.file;
    res.writeHead(reply.status, {
      'content-type': contentType,
      'content-length': bytes.byteLength,
      'content-disposition': `attachment; filename="${name}"`,
      ...creditHeaders,
    });
    res.end(bytes);
    return;
  }
  if (reply.body === undefined) {
    res.writeHead(reply.status, creditHeaders).end();
    return;
  }
  const json = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json;charset=UTF-8',
    'content-length': Buffer.byteLength(json),
    ...creditHeaders,
  });
  res.end(json);
}

function isCrmPath(req: IncomingMessage): boolean {
  const pathname = new URL(req.url ?? '/', 'http://sandbox.invalid').pathname;
  return pathname === '/crm' || pathname.startsWith('/crm/');
}

async function route(api: Api, req: IncomingMessage): Promise<SandboxReply> {
  const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
  const method = req.method ?? 'GET';
  if (url.pathname === '/sandbox/health') {
    if (method !== 'GET') throw invalidMethod();
    return { status: 200, body: { ok: true } };
  }
  if (url.pathname === '/sandbox/admin/faults') return adminFaults(api, req, method);
  if (url.pathname === '/oauth/v2/token') {
    if (method !== 'POST') throw invalidMethod();
    return issueToken(api, url, req);
  }
  if (url.pathname === '/crm' || url.pathname.startsWith('/crm/')) {
    if (api.faults.current().restOutage) throw new SandboxZohoError(503, 'SERVICE_UNAVAILABLE', 'Service Unavailable');
    if (url.pathname.startsWith('/crm/bulk/')) return bulk(api, req, method, url);
    authenticate(api, req);
    if (!url.pathname.startsWith('/crm/v8/')) throw invalidUrl();
    const segments = url.pathname.slice('/crm/v8/'.length).split('/').filter(Boolean).map(decodeURIComponent);
    // Bodies are read before the call is admitted, because a write is charged by how many records it carries.
    const body = method === 'POST' || method === 'PUT' || method === 'PATCH' ? await readBody(req) : undefined;
    const release = await admit(api, SANDBOX_USER, costOf(method, segments, body));
    try {
      return await crm(api, body, method, segments, url.searchParams, req.headers);
    } finally {
      release();
    }
  }
  throw invalidUrl();
}

/**
 * `/crm/bulk/v8/…`: the same token check, credits and faults as any CRM call (each create, poll and
 * download costs 1), plus the bulk outage a test can switch on while the rest of the API answers.
 */
async function bulk(api: Api, req: IncomingMessage, method: string, url: URL): Promise<SandboxReply> {
  if (api.faults.current().bulkOutage) throw new SandboxZohoError(503, 'SERVICE_UNAVAILABLE', 'Service Unavailable');
  authenticate(api, req);
  if (!url.pathname.startsWith('/crm/bulk/v8/')) throw invalidUrl();
  const segments = url.pathname.slice('/crm/bulk/v8/'.length).split('/').filter(Boolean).map(decodeURIComponent);
  const body = method === 'POST' ? await readBody(req) : undefined;
  const release = await admit(api, SANDBOX_USER, 1);
  try {
    return await api.bulkRead.handle(method, segments, req.headers, body);
  } finally {
    release();
  }
}

/** What a REST call costs: writes per 10 records, anything else 1 (reference §4). */
function costOf(method: string, segments: readonly string[], body: Buffer | undefined): number {
  const [first, second, third] = segments;
  const write =
    first !== undefined &&
    !['actions', 'users', 'coql', 'settings'].includes(first) &&
    ((second === undefined && (method === 'POST' || method === 'PUT')) ||
      (second === 'upsert' && method === 'POST') ||
      (third === 'Notes' && method === 'POST'));
  if (!write || body === undefined) return 1;
  try {
    return writeCost(recordsIn(JSON.parse(body.toString('utf8'))));
  } catch {
    return 1;
  }
}

// ---------------------------------------------------------------------------------------------------
// Admin

async function adminFaults(api: Api, req: IncomingMessage, method: string): Promise<Reply> {
  const given = req.headers[SANDBOX_ADMIN_HEADER];
  if (given !== api.adminSecret) {
    throw new SandboxZohoError(401, 'AUTHENTICATION_FAILURE', `admin calls need the ${SANDBOX_ADMIN_HEADER} header`);
  }
  if (method === 'GET') return { status: 200, body: api.faults.current() };
  if (method !== 'PUT') throw invalidMethod();
  return { status: 200, body: api.faults.apply(parseFaultChange(parseJsonBody(await readBody(req)))) };
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
  if (!token) throw new SandboxZohoError(401, 'AUTHENTICATION_FAILURE', 'Authentication failed');
  const expiresAt = api.tokens.get(token);
  if (expiresAt === undefined || expiresAt <= api.store.now().getTime()) {
    throw new SandboxZohoError(401, 'INVALID_TOKEN', 'invalid oauth token');
  }
}

// ---------------------------------------------------------------------------------------------------
// CRM routes

async function crm(
  api: Api,
  raw: Buffer | undefined,
  method: string,
  segments: string[],
  query: URLSearchParams,
  headers: IncomingMessage['headers'],
): Promise<Reply> {
  const [first, second, third, ...rest] = segments;
  const { ops } = api;
  const readJson = async () => parseJsonBody(raw ?? Buffer.alloc(0));
  if (first === undefined || rest.length > 0) throw invalidUrl();
  if (first === 'actions' && second === 'watch' && third === undefined) {
    const body = method === 'GET' || method === 'DELETE' ? undefined : await readJson();
    return api.notifications.handle(method, query, body);
  }
  if (first === 'users') {
    if (third !== undefined) throw invalidUrl();
    if (method !== 'GET') throw invalidMethod();
    return listUsers(ops, query, second);
  }
  if (first === 'coql') {
    if (second !== undefined) throw invalidUrl();
    if (method !== 'POST') throw invalidMethod();
    return coql(ops, await readJson());
  }
  if (first === 'settings') {
    if (method !== 'GET') throw invalidMethod();
    return settings(second, third, query);
  }
  const module = canonicalModule(first);
  if (second === undefined) {
    if (method === 'GET') return listRecords(ops, module, ops.store.list(module), query, headers);
    if (method === 'POST') return createRecords(ops, module, await readJson());
    if (method === 'PUT') return updateRecords(ops, module, await readJson(), headers);
    if (method === 'DELETE') return deleteRecords(ops, module, query);
    throw invalidMethod();
  }
  if (second === 'search' && third === undefined) {
    if (method !== 'GET') throw invalidMethod();
    return searchRecords(ops, module, query);
  }
  if (second === 'upsert' && third === undefined) {
    if (method !== 'POST') throw invalidMethod();
    return upsertRecords(ops, module, await readJson(), headers);
  }
  if (second === 'deleted' && third === undefined) {
    if (method !== 'GET') throw invalidMethod();
    return listDeleted(ops, module, query, headers);
  }
  if (second === 'actions' && third === 'count') {
    if (method !== 'GET') throw invalidMethod();
    return countRecords(ops, module, query);
  }
  if (third === undefined) {
    if (method === 'PUT') return updateRecords(ops, module, await readJson(), headers, second);
    if (method === 'DELETE') return deleteRecords(ops, module, query, second);
    if (method !== 'GET') throw invalidMethod();
    return getRecord(ops, module, second, query);
  }
  relatedList(module, third);
  if (method === 'POST' && third === 'Notes') {
    return createRecords(ops, 'Notes', await readJson(), { id: second, module: { api_name: module } });
  }
  if (method !== 'GET') throw invalidMethod();
  return listRelatedRecords(ops, module, second, third, query, headers);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new SandboxZohoError(413, 'LIMIT_EXCEEDED', 'request body is too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function parseJsonBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new SandboxZohoError(400, 'INVALID_DATA', 'the request body is not valid JSON', {});
  }
}
