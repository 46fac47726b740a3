import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SandboxBulkReadOptions } from '../../../local/zoho-sandbox/sandbox-bulk-read.ts';
import type { SandboxOrg } from '../../../local/zoho-sandbox/sandbox-org.ts';
import { DEFAULT_SANDBOX_CREDENTIALS, startSandboxServer } from '../../../local/zoho-sandbox/sandbox-server.ts';
import { SandboxStore } from '../../../local/zoho-sandbox/sandbox-store.ts';
import { MemoryCache } from '../../../shared/adapters/cache/memory-cache.ts';
import { ZohoOAuth, type ZohoOAuthConfig } from '../../../shared/adapters/zoho/zoho-oauth.ts';
import { ZohoRestClient, type ZohoRestClientOptions } from '../../../shared/adapters/zoho/zoho-rest-client.ts';
import type { Cache } from '../../../shared/ports/cache.ts';

/** The small org every sandbox-backed test starts from (CONTRACTS.md sandbox file format). */
export const SMALL_ORG_FILE = new URL('../../fixtures/sandbox/small-org.json', import.meta.url).pathname;

/** A real sandbox server on 127.0.0.1, over a store in a temporary directory, with a clock tests can move. */
export interface RunningSandbox {
  url: string;
  /** The MCP endpoint mounted on the same origin, key included. */
  mcpUrl: string;
  store: SandboxStore;
  /** Moves the sandbox's clock (token expiry, Created/Modified stamps) forward. */
  advanceClock(seconds: number): void;
  oauthConfig(overrides?: Partial<ZohoOAuthConfig>): ZohoOAuthConfig;
  /** A REST client the way the composition root builds one: OAuth through `cache`, API domain from the token. */
  client(options?: { cache?: Cache } & Partial<ZohoRestClientOptions>): { client: ZohoRestClient; oauth: ZohoOAuth };
  close(): Promise<void>;
}

export async function startSandbox(
  org: SandboxOrg,
  options: { accessTokenTtlSeconds?: number; mcpKey?: string; bulkRead?: SandboxBulkReadOptions } = {},
): Promise<RunningSandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'sergas-sandbox-'));
  let offsetMs = 0;
  const store = await SandboxStore.open(dir, { now: () => new Date(Date.now() + offsetMs) });
  await store.replace(org);
  const server = await startSandboxServer({ store, port: 0, ...options });
  const oauthConfig = (overrides: Partial<ZohoOAuthConfig> = {}): ZohoOAuthConfig => ({
    accountsUrl: server.url,
    ...DEFAULT_SANDBOX_CREDENTIALS,
    ...overrides,
  });
  return {
    url: server.url,
    mcpUrl: server.mcpUrl,
    store,
    advanceClock(seconds) {
      offsetMs += seconds * 1000;
    },
    oauthConfig,
    client({ cache = new MemoryCache(), ...clientOptions } = {}) {
      const oauth = new ZohoOAuth(oauthConfig(), { cache });
      return { client: new ZohoRestClient({ tokens: oauth, ...clientOptions }), oauth };
    },
    async close() {
      await server.close();
      await store.flush();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
