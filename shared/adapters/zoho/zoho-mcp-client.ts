import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { CrmRateLimitedError, CrmRequestError, RetryableUpstreamError } from '../../errors.ts';
import type {
  CrmClient,
  CrmModule,
  CrmWriteResult,
  ListOptions,
  RecordPage,
  ZohoRecord,
} from '../../ports/crm-client.ts';
import {
  MAX_DISCRETE_PAGE,
  MAX_WRITE_BATCH,
  PER_PAGE,
  parseEnvelope,
  parseJson,
  RecordsEnvelope,
  WriteEnvelope,
  writeResultOf,
  ZohoError,
} from './zoho-envelopes.ts';

export interface ZohoMcpClientOptions {
  /**
   * The MCP server URL as Zoho's console shows it, key included
   * (`https://<server>-<org>.zohomcp.eu/mcp/<key>/message`). Treat it as a secret.
   */
  url: string | URL;
  /** Wraps every HTTP request, e.g. with the CreditBudget's `wrap(fetch)`. */
  fetch?: FetchLike;
  /** Per tool call, and for the initialize handshake (default 30 s). */
  timeoutMs?: number;
  /** How this client introduces itself in `initialize`. */
  clientInfo?: { name: string; version: string };
}

/** `listRecords` beyond the port, as ZohoRestClient has it: Zoho's page_token past 2000 records. */
export interface McpListOptions extends ListOptions {
  pageToken?: string;
}

export interface McpRecordPage extends RecordPage {
  nextPageToken: string | null;
}

/** Zoho serves at most 10 numbered pages of 200; past them only `page_token` works. */

const ToolResult = z.looseObject({
  content: z.array(z.looseObject({ type: z.string(), text: z.string().optional() })).optional(),
  structuredContent: z.record(z.string(), z.unknown()).optional(),
  isError: z.boolean().optional(),
});

/** Zoho codes that mean "Zoho could not serve this now", not "this request is wrong". */
const UNAVAILABLE_CODES = new Set(['INTERNAL_ERROR', 'SERVICE_UNAVAILABLE', 'TIMEOUT']);
const RATE_LIMITED_CODES = new Set(['TOO_MANY_REQUESTS']);

type Args = Record<string, unknown>;

/**
 * Zoho CRM through Zoho's hosted MCP server (reference §7), over the MCP SDK's Streamable HTTP client.
 * Connects lazily on the first call and again after any transport failure. Each tool call counts as one
 * API call (the initialize handshake does not: it is not a CRM API call).
 *
 * Errors map onto the taxonomy ZohoRestClient uses, so TieredCrmClient treats both tiers alike: a tool
 * result with Zoho's `TOO_MANY_REQUESTS` (or HTTP 429) → CrmRateLimitedError; `INTERNAL_ERROR`, HTTP
 * 5xx, timeouts and socket failures → RetryableUpstreamError (the tiered client fails over to REST);
 * any other Zoho code, and HTTP 401/403/404 on the endpoint (a wrong or regenerated key) →
 * CrmRequestError with Zoho's code in `details.code`. A refused connection stays in the error's cause
 * chain, so the tiered client knows a write was never sent.
 *
 * Nothing here retries: the tiered client does, with jitter, and only for reads.
 */
export class ZohoMcpClient implements CrmClient {
  readonly #url: URL;
  readonly #fetch: FetchLike | undefined;
  readonly #timeoutMs: number;
  readonly #clientInfo: { name: string; version: string };
  #client: Client | null = null;
  #connecting: Promise<Client> | null = null;
  #apiCalls = 0;

  constructor(options: ZohoMcpClientOptions) {
    this.#url = new URL(options.url);
    this.#fetch = options.fetch;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#clientInfo = options.clientInfo ?? { name: 'sergas', version: '0.1.0' };
  }

  get apiCalls(): number {
    return this.#apiCalls;
  }

  /**
   * Zoho's MCP tool list has no users tool that we know of (reference §7: the list is unverified), so
   * this throws CrmRequestError with code NOT_SUPPORTED without calling anything. TieredCrmClient
   * passes a tier over on NOT_SUPPORTED, so behind it users come from the next tier (REST).
   */
  async listUsers(): Promise<ZohoRecord[]> {
    throw new CrmRequestError('Zoho MCP has no users tool: list users over REST', {
      details: { code: 'NOT_SUPPORTED', operation: 'listUsers' },
    });
  }

  /** One page of a module. Accepts `pageToken` (and returns `nextPageToken`) for lists past 2000 records. */
  async listRecords(module: CrmModule, options: McpListOptions): Promise<McpRecordPage> {
    const body = await this.#call('ZohoCRM_getRecords', {
      path_variables: { module },
      // Undefined params vanish in the JSON-RPC body, as unset query params would.
      query_params: {
        fields: options.fields.join(','),
        // Zoho rejects page together with page_token (AMBIGUITY_DURING_PROCESSING).
        page: options.pageToken ? undefined : (options.page ?? 1),
        page_token: options.pageToken,
        per_page: options.perPage ?? PER_PAGE,
        sort_by: options.sortBy,
        sort_order: options.sortOrder,
      },
    });
    const envelope = parseEnvelope(RecordsEnvelope, body, `ZohoCRM_getRecords ${module}`);
    return {
      records: envelope.data,
      moreRecords: envelope.info?.more_records ?? false,
      nextPageToken: envelope.info?.next_page_token ?? null,
    };
  }

  async getRecord(module: CrmModule, id: string, fields?: readonly string[]): Promise<ZohoRecord | null> {
    const body = await this.#call('ZohoCRM_getRecord', {
      path_variables: { module, recordID: id },
      ...(fields && fields.length > 0 ? { query_params: { fields: fields.join(',') } } : {}),
    });
    return parseEnvelope(RecordsEnvelope, body, `ZohoCRM_getRecord ${module}`).data[0] ?? null;
  }

  /** Every record of a related list, all pages; empty when there are none. */
  async relatedRecords(
    module: CrmModule,
    id: string,
    relatedList: string,
    fields: readonly string[],
  ): Promise<ZohoRecord[]> {
    return this.#collect('ZohoCRM_getRelatedRecords', {
      path_variables: { parentRecordModule: module, parentRecord: id, relatedList },
      query_params: { fields: fields.join(',') },
    });
  }

  /** All matches (Zoho caps a search at 2000). Newly written records may not be indexed yet. */
  async searchRecords(module: CrmModule, criteria: string, fields?: readonly string[]): Promise<ZohoRecord[]> {
    return this.#collect('ZohoCRM_Search_Records', {
      path_variables: { module },
      query_params: { criteria, fields: fields?.join(',') },
    });
  }

  /**
   * Creates records, 100 per tool call, one result per input record in input order. Never retried here:
   * a call that timed out may have been applied, so the caller (holding the idempotency key) decides.
   */
  async createRecords(
    module: 'Tasks' | 'Notes',
    records: readonly Record<string, unknown>[],
  ): Promise<CrmWriteResult[]> {
    const results: CrmWriteResult[] = [];
    for (let start = 0; start < records.length; start += MAX_WRITE_BATCH) {
      const batch = records.slice(start, start + MAX_WRITE_BATCH);
      const body = await this.#call('ZohoCRM_createRecords', { path_variables: { module }, body: { data: batch } });
      const envelope = parseEnvelope(WriteEnvelope, body, `ZohoCRM_createRecords ${module}`);
      if (envelope.data.length !== batch.length) {
        throw new CrmRequestError(
          `Zoho MCP ZohoCRM_createRecords ${module} answered ${envelope.data.length} results for ${batch.length} records`,
        );
      }
      results.push(...envelope.data.map(writeResultOf));
    }
    return results;
  }

  /** Ends the MCP session, if one is open. The next call connects again. */
  async close(): Promise<void> {
    const client = this.#client ?? (await this.#connecting?.catch(() => null)) ?? null;
    this.#client = null;
    this.#connecting = null;
    await client?.close().catch(() => {});
  }

  // ---- transport -----------------------------------------------------------------------------------

  /** Pages through a list tool: numbered pages up to 10, then `page_token` when Zoho offers one. */
  async #collect(tool: string, args: { query_params: Args } & Args): Promise<ZohoRecord[]> {
    const all: ZohoRecord[] = [];
    let page = 1;
    let pageToken: string | undefined;
    for (;;) {
      const cursor = pageToken ? { page_token: pageToken } : { page };
      const body = await this.#call(tool, {
        ...args,
        query_params: { ...args.query_params, ...cursor, per_page: PER_PAGE },
      });
      const { data, info } = parseEnvelope(RecordsEnvelope, body, tool);
      all.push(...data);
      if (!info?.more_records) return all;
      if (page < MAX_DISCRETE_PAGE && !pageToken) page += 1;
      else if (info.next_page_token) pageToken = info.next_page_token;
      else {
        throw new CrmRequestError(
          `Zoho MCP ${tool} has more than ${MAX_DISCRETE_PAGE * PER_PAGE} records and no page_token`,
          { details: { tool, fetched: all.length } },
        );
      }
    }
  }

  /** Calls one tool and answers the Zoho JSON body it returned, or throws the mapped error. */
  async #call(tool: string, args: Args): Promise<unknown> {
    const what = `Zoho MCP ${tool}`;
    const client = await this.#connection(what);
    let raw: unknown;
    try {
      this.#apiCalls += 1;
      raw = await client.callTool({ name: tool, arguments: args }, undefined, { timeout: this.#timeoutMs });
    } catch (error) {
      throw await this.#failed(what, error);
    }
    const result = ToolResult.safeParse(raw);
    if (!result.success) throw new CrmRequestError(`${what}: the tool result is not an MCP CallToolResult`);
    const body = result.data.structuredContent ?? parseJson(result.data.content?.[0]?.text);
    if (result.data.isError) throw toolError(what, body, result.data.content?.[0]?.text);
    if (body === undefined) throw new CrmRequestError(`${what}: the tool result carries no JSON`);
    return body;
  }

  async #connection(what: string): Promise<Client> {
    if (this.#client) return this.#client;
    this.#connecting ??= (async () => {
      const client = new Client(this.#clientInfo);
      const transport = new StreamableHTTPClientTransport(this.#url, this.#fetch ? { fetch: this.#fetch } : {});
      try {
        await client.connect(transport, { timeout: this.#timeoutMs });
      } catch (error) {
        await client.close().catch(() => {});
        throw error;
      }
      this.#client = client;
      return client;
    })().finally(() => {
      this.#connecting = null;
    });
    try {
      return await this.#connecting;
    } catch (error) {
      throw await this.#failed(what, error);
    }
  }

  /** Maps a failure of the connection itself; anything but a protocol-level refusal drops the session. */
  async #failed(what: string, error: unknown): Promise<Error> {
    const mapped = transportError(what, error);
    if (!(mapped instanceof CrmRequestError)) {
      // The session may be gone (server restarted, session expired): start a new one on the next call.
      const client = this.#client;
      this.#client = null;
      await client?.close().catch(() => {});
    }
    return mapped;
  }
}

/** A tool result with `isError: true`: Zoho's error JSON if it is one, else the tool's own message. */
function toolError(what: string, body: unknown, text: string | undefined): Error {
  const error = ZohoError.safeParse(body);
  if (!error.success) {
    // E.g. the SDK's "MCP error -32602: Input validation error": our arguments were wrong.
    return new CrmRequestError(`${what} failed: ${text?.slice(0, 200) ?? 'tool error'}`, {
      details: { code: 'MCP_TOOL_ERROR', message: text },
    });
  }
  const { code, message, details } = error.data;
  const summary = `${what} failed: ${code}${message ? ` (${message})` : ''}`;
  const options = { details: { code, message, details } };
  if (RATE_LIMITED_CODES.has(code)) return new CrmRateLimitedError(summary, options);
  if (UNAVAILABLE_CODES.has(code)) return new RetryableUpstreamError(summary, options);
  return new CrmRequestError(summary, options);
}

function transportError(what: string, error: unknown): Error {
  if (error instanceof CrmRequestError || error instanceof RetryableUpstreamError) return error;
  if (error instanceof StreamableHTTPError) {
    const status = error.code ?? -1;
    const details = { httpStatus: status };
    if (status === 429) return new CrmRateLimitedError(`${what}: Zoho rate limit reached`, { cause: error, details });
    if (status === 401 || status === 403 || status === 404) {
      // The key in the URL is the credential: a refused one will be refused on every retry.
      return new CrmRequestError(`${what} was refused with HTTP ${status}: check the MCP server URL and key`, {
        cause: error,
        details: { ...details, code: 'MCP_ENDPOINT_REFUSED' },
      });
    }
    if (status >= 400 && status < 500) {
      return new CrmRequestError(`${what} failed with HTTP ${status}`, { cause: error, details });
    }
    return new RetryableUpstreamError(`${what} failed with HTTP ${status}`, { cause: error, details });
  }
  if (error instanceof McpError) {
    const gone = error.code === ErrorCode.RequestTimeout || error.code === ErrorCode.ConnectionClosed;
    if (gone) return new RetryableUpstreamError(`${what} failed: ${error.message}`, { cause: error });
    // The server answered with a JSON-RPC error, e.g. an unknown tool: our request is wrong.
    return new CrmRequestError(`${what} failed: ${error.message}`, {
      cause: error,
      details: { code: 'MCP_PROTOCOL_ERROR', mcpCode: error.code },
    });
  }
  // Socket-level failures (fetch failed, ECONNREFUSED, resets) and timeouts: keep the cause chain, which
  // tells the tiered client whether a write could have been sent.
  return new RetryableUpstreamError(`${what} failed: ${messageOf(error)}`, { cause: error });
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
  }
  return String(error);
}
