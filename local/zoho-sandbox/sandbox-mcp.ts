/**
 * The sandbox's stand-in for Zoho's hosted CRM MCP server (reference §7): Streamable HTTP JSON-RPC at
 * `/mcp/<key>/message`, the secret key in the path as Zoho issues it, over the same SandboxStore as the
 * REST API in sandbox-server.ts.
 *
 * Tools take Zoho's MCP argument shape `{path_variables, query_params, body}` and answer with the JSON
 * body the REST API would send for the same request, both as `structuredContent` and as JSON text in
 * `content[0].text`. A whole-request failure is a tool result with `isError: true` carrying Zoho's error
 * JSON `{code, details, message, status: "error"}`; per-record write errors stay inside `data[]`, as in a
 * REST 207. Where REST answers 204 (nothing found) a tool answers an empty `{data: [], info}`, because a
 * tool result has to carry something.
 *
 * The record semantics (projection, paging, page tokens, write checks, COQL) are the REST API's own, from
 * sandbox-operations.ts: a tool only maps its arguments onto an operation and its reply onto a result.
 * startSandboxServer mounts this endpoint on the REST origin; startSandboxMcpServer serves it alone.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { listen } from './http-listen.ts';
import { recordsIn, writeCost } from './sandbox-limits.ts';
import {
  canonicalModule,
  coql,
  createRecords,
  getRecord,
  listRecords,
  listRelatedRecords,
  type Reply,
  type SandboxOperations,
  SandboxZohoError,
  sandboxOperations,
  searchRecords,
  updateRecords,
} from './sandbox-operations.ts';
import type { SandboxStore } from './sandbox-store.ts';

/** The key the sandbox's MCP endpoint accepts unless told otherwise. */
export const DEFAULT_SANDBOX_MCP_KEY = 'sandbox-mcp-key';

/** The tools the sandbox serves, named as Zoho's MCP server names them. */
export const SANDBOX_MCP_TOOLS = [
  'ZohoCRM_getRecords',
  'ZohoCRM_getRecord',
  'ZohoCRM_getRelatedRecords',
  'ZohoCRM_Search_Records',
  'ZohoCRM_createRecords',
  'ZohoCRM_updateRecords',
  'ZohoCRM_executeCOQLQuery',
] as const;

/** The endpoint an MCP client is given: `<origin>/mcp/<key>/message`. */
export function sandboxMcpUrl(origin: string, key: string): string {
  return `${origin}/mcp/${encodeURIComponent(key)}/message`;
}

/** `/mcp/<key>/message`: Zoho's URL shape, the key being the only credential. */
const MCP_PATH = /^\/mcp\/([^/]+)\/message\/?$/;

const MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * How the sandbox meters tool calls: the same credits, concurrency and faults as its REST calls, since
 * Zoho's MCP server spends the connected user's API limits. Absent, tool calls are not metered.
 */
export interface SandboxMcpGate {
  /** Lets a call costing `credits` through, or throws Zoho's error; resolves to the function that ends it. */
  admit(credits: number): Promise<() => void>;
  /** `X-API-CREDITS-REMAINING` as it stands, or undefined while it is not sent. */
  creditsHeader(): string | undefined;
}

/** The gate as one request's tools use it: `answered` puts the credits header on that request's response. */
interface ToolGate {
  admit(credits: number): Promise<() => void>;
  answered(): void;
}

// ---------------------------------------------------------------------------------------------------
// HTTP

export interface SandboxMcpServerOptions {
  store: SandboxStore;
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** The secret in `/mcp/<key>/message` (default DEFAULT_SANDBOX_MCP_KEY). */
  key?: string;
}

export interface SandboxMcpServer {
  /** The endpoint to give an MCP client, key included: `http://127.0.0.1:41234/mcp/<key>/message`. */
  url: string;
  /** The origin alone. */
  origin: string;
  close(): Promise<void>;
}

/**
 * Serves one MCP request, statelessly: a fresh McpServer and transport per request, so no session
 * outlives it and the handler can be mounted anywhere (its own server here, sandbox-server.ts later).
 * `body` is the parsed JSON-RPC body. Only POST carries messages; anything else is 405, which clients
 * read as "this server offers no SSE stream". The caller has already checked the key.
 */
export async function handleSandboxMcp(
  ops: SandboxOperations,
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
  gate?: SandboxMcpGate,
): Promise<void> {
  if (req.method !== 'POST') {
    jsonRpcError(res, 405, -32000, 'Method not allowed: this MCP endpoint is stateless and takes POST only', {
      allow: 'POST',
    });
    return;
  }
  const toolGate: ToolGate | undefined = gate && {
    admit: (credits) => gate.admit(credits),
    answered: () => {
      const remaining = gate.creditsHeader();
      if (remaining !== undefined && !res.headersSent) res.setHeader('x-api-credits-remaining', remaining);
    },
  };
  const server = sandboxMcpServer(ops, toolGate);
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, body);
}

/**
 * Routes a request under `/mcp/`: checks the key in `/mcp/<key>/message`, parses the body and hands it
 * to handleSandboxMcp. A wrong or missing key is a 401 and any other path a 404, both as JSON-RPC
 * errors that say nothing about the org. A failure before the answer started is a JSON-RPC 500.
 */
export async function serveSandboxMcp(
  options: { ops: SandboxOperations; key: string; gate?: SandboxMcpGate },
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    await routeSandboxMcp(options, req, res);
  } catch (error) {
    if (res.headersSent) throw error;
    jsonRpcError(res, 500, -32603, 'Internal error');
  }
}

async function routeSandboxMcp(
  options: { ops: SandboxOperations; key: string; gate?: SandboxMcpGate },
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const pathname = new URL(req.url ?? '/', 'http://sandbox.invalid').pathname;
  const given = MCP_PATH.exec(pathname)?.[1];
  if (given === undefined) {
    jsonRpcError(res, pathname === '/mcp' || pathname === '/mcp/' ? 401 : 404, -32001, 'Unknown MCP server URL');
    return;
  }
  if (!sameSecret(decodeURIComponent(given), options.key)) {
    jsonRpcError(res, 401, -32001, 'Invalid MCP server key');
    return;
  }
  let body: unknown;
  if (req.method === 'POST') {
    try {
      body = await readJsonBody(req);
    } catch (error) {
      const tooLarge = error instanceof RangeError;
      jsonRpcError(res, tooLarge ? 413 : 400, -32700, tooLarge ? 'Request body too large' : 'Parse error');
      return;
    }
  }
  await handleSandboxMcp(options.ops, req, res, body, options.gate);
}

/** Starts the MCP endpoint on its own `node:http` server (127.0.0.1 and a free port by default). */
export async function startSandboxMcpServer(options: SandboxMcpServerOptions): Promise<SandboxMcpServer> {
  const { store, port = 0, host = '127.0.0.1', key = DEFAULT_SANDBOX_MCP_KEY } = options;
  // Nobody watches this org's changes here, so writes notify no one (startSandboxServer's mount does).
  const ops = sandboxOperations(store);
  const server = createServer((req, res) => {
    serveSandboxMcp({ ops, key }, req, res).catch((error: unknown) => {
      // Only reachable once the answer has started; there is nobody left to tell.
      res.destroy(error instanceof Error ? error : undefined);
    });
  });
  const listening = await listen(server, port, host);
  return {
    url: sandboxMcpUrl(listening.origin, key),
    origin: listening.origin,
    close: listening.close,
  };
}

function jsonRpcError(res: ServerResponse, status: number, code: number, message: string, headers = {}): void {
  const json = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });
  res
    .writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(json),
      ...headers,
    })
    .end(json);
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  // timingSafeEqual needs equal lengths; the length itself is not the secret.
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new RangeError('request body is too large');
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

// ---------------------------------------------------------------------------------------------------
// Tools

// Zoho's MCP passes query params as REST would; numbers are accepted as JSON numbers or strings.
const Param = z.union([z.string(), z.number()]);
const FieldsParam = z.union([z.string(), z.array(z.string())]);
/** What every listing takes: the fields to project, and a page by number or by token. */
const ListParams = z.object({
  fields: FieldsParam.optional(),
  page: Param.optional(),
  per_page: Param.optional(),
  page_token: z.string().optional(),
});
const Module = z.string().min(1).describe('Module API name, e.g. Accounts');
const WriteBody = z.looseObject({ data: z.array(z.unknown()).optional(), trigger: z.array(z.string()).optional() });

const EMPTY = { data: [], info: { count: 0, more_records: false } };

function sandboxMcpServer(ops: SandboxOperations, gate: ToolGate | undefined): McpServer {
  const answer = (run: () => Reply | Promise<Reply>, credits = 1) => answerMetered(gate, credits, run);
  const server = new McpServer({ name: 'zoho-crm-sandbox', version: '0.1.0' });

  server.registerTool(
    'ZohoCRM_getRecords',
    {
      description: 'GET /crm/v8/{module}: one page of records with the given fields.',
      inputSchema: {
        path_variables: z.object({ module: Module }),
        query_params: ListParams.extend({
          sort_by: z.string().optional(),
          sort_order: z.string().optional(),
          ids: z.string().optional(),
        }).optional(),
      },
      annotations: { readOnlyHint: true },
    },
    ({ path_variables, query_params }) =>
      answer(() => {
        const module = canonicalModule(path_variables.module);
        return listRecords(ops, module, ops.store.list(module), queryOf(query_params));
      }),
  );

  server.registerTool(
    'ZohoCRM_getRecord',
    {
      description: 'GET /crm/v8/{module}/{recordID}: one record.',
      inputSchema: {
        path_variables: z.object({ module: Module, recordID: z.string().min(1) }),
        query_params: z.object({ fields: FieldsParam.optional() }).optional(),
      },
      annotations: { readOnlyHint: true },
    },
    ({ path_variables, query_params }) =>
      answer(() =>
        getRecord(ops, canonicalModule(path_variables.module), path_variables.recordID, queryOf(query_params)),
      ),
  );

  server.registerTool(
    'ZohoCRM_getRelatedRecords',
    {
      description: 'GET /crm/v8/{module}/{id}/{relatedList}: one page of a related list.',
      inputSchema: {
        path_variables: z.object({
          parentRecordModule: Module,
          parentRecord: z.string().min(1),
          relatedList: z.string().min(1),
        }),
        query_params: ListParams.optional(),
      },
      annotations: { readOnlyHint: true },
    },
    ({ path_variables, query_params }) =>
      answer(() => {
        const module = canonicalModule(path_variables.parentRecordModule);
        const { parentRecord, relatedList } = path_variables;
        return listRelatedRecords(ops, module, parentRecord, relatedList, queryOf(query_params));
      }),
  );

  server.registerTool(
    'ZohoCRM_Search_Records',
    {
      description: 'GET /crm/v8/{module}/search: records matching criteria (or email, phone, word).',
      inputSchema: {
        path_variables: z.object({ module: Module }),
        query_params: z.object({
          criteria: z.string().optional(),
          email: z.string().optional(),
          phone: z.string().optional(),
          word: z.string().optional(),
          fields: FieldsParam.optional(),
          page: Param.optional(),
          per_page: Param.optional(),
        }),
      },
      annotations: { readOnlyHint: true },
    },
    ({ path_variables, query_params }) =>
      answer(() => searchRecords(ops, canonicalModule(path_variables.module), queryOf(query_params))),
  );

  server.registerTool(
    'ZohoCRM_createRecords',
    {
      description: 'POST /crm/v8/{module}: inserts up to 100 records; one result per record in data[].',
      inputSchema: { path_variables: z.object({ module: Module }), body: WriteBody },
    },
    ({ path_variables, body }) =>
      answer(() => createRecords(ops, canonicalModule(path_variables.module), body), writeCost(recordsIn(body))),
  );

  server.registerTool(
    'ZohoCRM_updateRecords',
    {
      description: 'PUT /crm/v8/{module}: updates up to 100 records, each naming its id; one result per record.',
      inputSchema: { path_variables: z.object({ module: Module }), body: WriteBody },
      annotations: { idempotentHint: true },
    },
    ({ path_variables, body }) =>
      answer(() => updateRecords(ops, canonicalModule(path_variables.module), body, {}), writeCost(recordsIn(body))),
  );

  server.registerTool(
    'ZohoCRM_executeCOQLQuery',
    {
      description: 'POST /crm/v8/coql: runs a COQL select query.',
      inputSchema: { body: z.object({ select_query: z.string() }) },
      annotations: { readOnlyHint: true },
    },
    ({ body }) => answer(() => coql(ops, body)),
  );

  return server;
}

/**
 * Runs an operation and wraps its reply (or Zoho's error for what it throws) as a tool result. A reply
 * without a body (REST's 204) becomes EMPTY, since a tool result has to carry something.
 */
async function answerMetered(
  gate: ToolGate | undefined,
  credits: number,
  run: () => Reply | Promise<Reply>,
): Promise<CallToolResult> {
  let body: Record<string, unknown>;
  let isError = false;
  try {
    const release = gate ? await gate.admit(credits) : undefined;
    try {
      const reply = await run();
      body = (reply.body ?? EMPTY) as Record<string, unknown>;
    } finally {
      release?.();
    }
  } catch (error) {
    const failure =
      error instanceof SandboxZohoError ? error : new SandboxZohoError(500, 'INTERNAL_ERROR', 'Internal Server Error');
    body = failure.toJSON();
    isError = true;
  }
  gate?.answered();
  return {
    content: [{ type: 'text', text: JSON.stringify(body) }],
    structuredContent: body,
    ...(isError ? { isError } : {}),
  };
}

/** Query params as the REST handlers read them, so both transports parse them the same way. */
function queryOf(params: Record<string, string | number | string[] | undefined> | undefined): URLSearchParams {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value === undefined) continue;
    query.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  return query;
}
