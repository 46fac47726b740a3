import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSandboxFile } from '../../../local/zoho-sandbox/sandbox-org.ts';
import {
  DEFAULT_SANDBOX_CREDENTIALS,
  type SandboxServer,
  type SandboxServerOptions,
  startSandboxServer,
} from '../../../local/zoho-sandbox/sandbox-server.ts';
import { SandboxStore } from '../../../local/zoho-sandbox/sandbox-store.ts';

const SMALL_ORG_FILE = new URL('../../fixtures/sandbox/small-org.json', import.meta.url).pathname;

/**
 * A sandbox over the small org whose clock stands still until a test moves it, so credits spent in one
 * test come back exactly 24 h of store time later, however long the test really takes.
 */
export interface TestSandbox {
  server: SandboxServer;
  store: SandboxStore;
  advanceClock(ms: number): void;
  /** A fresh access token from the sandbox's accounts endpoint (which costs no credits). */
  token(): Promise<string>;
  /** A CRM call with a fresh token unless one is given. */
  crm(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  close(): Promise<void>;
}

export async function startTestSandbox(options: Omit<SandboxServerOptions, 'store'> = {}): Promise<TestSandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'sergas-sandbox-limits-'));
  let now = Date.parse('2026-11-24T09:00:00Z');
  const store = await SandboxStore.open(dir, { now: () => new Date(now) });
  await store.replace(await loadSandboxFile(SMALL_ORG_FILE));
  const server = await startSandboxServer({ store, port: 0, ...options });
  const token = async () => {
    const response = await fetch(`${server.url}/oauth/v2/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: DEFAULT_SANDBOX_CREDENTIALS.clientId,
        client_secret: DEFAULT_SANDBOX_CREDENTIALS.clientSecret,
        refresh_token: DEFAULT_SANDBOX_CREDENTIALS.refreshToken,
      }),
    });
    return ((await response.json()) as { access_token: string }).access_token;
  };
  return {
    server,
    store,
    advanceClock(ms) {
      now += ms;
    },
    token,
    async crm(path, { token: given, headers, ...init } = {}) {
      const access = given ?? (await token());
      return fetch(`${server.url}/crm/v8/${path}`, {
        ...init,
        headers: { authorization: `Zoho-oauthtoken ${access}`, 'content-type': 'application/json', ...headers },
      });
    },
    async close() {
      await server.close();
      await store.flush();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
