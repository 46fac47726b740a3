import { expect } from 'vitest';
import { sergas, sergasServer } from './cli.ts';
import { tempHome } from './local-home.ts';

/** What `sergas start --json` reports once it is serving. */
export interface StartReport {
  dashboard_url: string;
  sandbox_url: string;
  accounts: number;
  by_risk: Record<string, number>;
  pending_approvals: number;
}

export interface RunningStack {
  home: Awaited<ReturnType<typeof tempHome>>;
  env: Record<string, string>;
  server: ReturnType<typeof sergasServer>;
  report: StartReport;
  /** The dashboard's origin, without a trailing slash. */
  base: string;
  /** The token `sergas user create --admin` printed for Lee (lee@example.com). */
  token: string;
}

/**
 * `sergas start` in a fresh home on free ports, with a demo org of `accounts`, and an admin created through
 * the CLI. The per-person rate limit is raised: these tests poll, and the limit itself is tested elsewhere.
 * `extraEnv` is added to the stack's and the CLI's environment (e.g. Cognito sign-in settings).
 */
export async function startStackWithAdmin(
  accounts: number,
  extraEnv: Record<string, string> = {},
): Promise<RunningStack> {
  const home = await tempHome();
  const env = {
    SERGAS_HOME: home.home,
    SERGAS_PORT: '0',
    SERGAS_SANDBOX_PORT: '0',
    SERGAS_DEMO_ACCOUNTS: String(accounts),
    SERGAS_USER: 'lee',
    SERGAS_RATE_LIMIT: '10000',
    ...extraEnv,
  };
  const server = sergasServer(['start', '--json'], env);
  const report = (await server.ready) as StartReport;
  const created = await sergas(
    ['user', 'create', '--admin', '--name', 'Lee', '--email', 'lee@example.com', '--json'],
    env,
  );
  expect(created.code, created.stderr).toBe(0);
  const { token } = JSON.parse(created.stdout) as { token: string };
  return { home, env, server, report, base: report.dashboard_url.replace(/\/$/, ''), token };
}
