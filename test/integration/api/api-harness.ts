import { startLocalApiServer } from '../../../local/local-api-server.ts';
import { type LocalContainer, openLocalContainer } from '../../../local/local-stack.ts';
import { loadSandboxFile } from '../../../local/zoho-sandbox/sandbox-org.ts';
import type { Role } from '../../../shared/auth/principal.ts';
import { LocalTokens, localJwtSecret } from '../../../shared/auth/tokens.ts';
import { analyzeAccounts } from '../../../shared/use-cases/analyze-accounts.ts';
import { syncFull } from '../../../shared/use-cases/sync-full.ts';
import { FIXTURE_AS_OF, tempHome } from '../../support/local-home.ts';

const fixture = new URL('../../fixtures/sandbox/small-org.json', import.meta.url).pathname;

/** The small org's people: Rachel manages Tom, Nina, Oscar and Paul. */
export const PEOPLE = {
  rachel: '4876876000000000101',
  tom: '4876876000000000102',
  nina: '4876876000000000103',
  oscar: '4876876000000000104',
} as const;

/** Accounts by owner in the small org. */
export const ACCOUNTS = {
  tom: ['4876876000000001001', '4876876000000001002'],
  nina: ['4876876000000001003', '4876876000000001006'],
  oscar: ['4876876000000001004', '4876876000000001005'],
} as const;
export const ALL_ACCOUNTS = [...ACCOUNTS.tom, ...ACCOUNTS.nina, ...ACCOUNTS.oscar];

export interface ApiHarness {
  deps: LocalContainer;
  url: string;
  /** A token of a new person each call (their own rate-limit window), signed with the home's secret. */
  token(role: Role, zohoUserId?: string | null, issued?: { at: Date; lifetimeSeconds: number }): Promise<string>;
  /** `fetch` against the local API, as `token`'s holder when given. */
  call(path: string, token?: string | null, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/**
 * The local stack as `sergas start` serves it, on the small org: synced, every account analysed (so each has
 * pending approvals), and the local API server in front of the same handlers API Gateway invokes.
 */
export async function startApiHarness(
  options: { env?: Record<string, string>; analyze?: readonly string[] } = {},
): Promise<ApiHarness> {
  const home = await tempHome();
  const config = home.config(options.env ?? {});
  const deps = await openLocalContainer(config);
  await deps.sandbox.store!.replace(await loadSandboxFile(fixture));
  await syncFull(deps);
  await analyzeAccounts(deps, {
    accountIds: options.analyze ?? ALL_ACCOUNTS,
    asOf: FIXTURE_AS_OF,
    requestedBy: 'test',
    concurrency: 2,
  });
  const api = await startLocalApiServer({ port: 0 });
  if (config.auth.kind !== 'local') throw new Error('the harness issues local tokens');
  const auth = config.auth;
  const tokens = new LocalTokens(() => localJwtSecret(auth));
  let people = 0;
  return {
    deps,
    url: api.url,
    async token(role, zohoUserId = null, issued) {
      people += 1;
      const { token } = await tokens.issue(
        {
          userId: `test-${role}-${people}`,
          email: `${role}${people}@example.com`,
          name: `Test ${role} ${people}`,
          role,
          zohoUserId,
        },
        issued?.lifetimeSeconds,
        issued?.at,
      );
      return token;
    },
    call(path, token, init = {}) {
      const headers = new Headers(init.headers);
      if (token) headers.set('authorization', `Bearer ${token}`);
      return fetch(`${api.url}${path}`, { ...init, headers, redirect: 'manual' });
    },
    async close() {
      await api.close();
      await deps.close();
      await home.remove();
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are whatever the server sent; the assertions check them.
export type Json = Record<string, any>;
