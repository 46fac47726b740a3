import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sergas, sergasServer } from '../support/cli.ts';
import { tempHome } from '../support/local-home.ts';

describe('sergas sandbox', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let env: Record<string, string>;
  beforeAll(async () => {
    home = await tempHome();
    env = { SERGAS_HOME: home.home };
  });
  afterAll(async () => home.remove());

  it('seeds a deterministic demo org of the size asked for', async () => {
    const seeded = await sergas(
      ['sandbox', 'seed', '--accounts', '12', '--seed', '7', '--json', '--as-of', '2026-11-24'],
      env,
    );
    expect(seeded.code).toBe(0);
    expect(JSON.parse(seeded.stdout)).toMatchObject({ accounts: 12, seed: 7, counts: { Accounts: 12 } });
  });

  it('refuses a file that is not in the sandbox format, naming the problem, with exit code 2', async () => {
    const bad = await sergas(
      ['sandbox', 'load', new URL('../fixtures/workflow/review-flow.asl.json', import.meta.url).pathname],
      env,
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/users|Accounts/);
  });

  it('serves the org over the Zoho API with the sandbox credentials', async () => {
    const server = sergasServer(['sandbox', 'serve', '--port', '0', '--json'], env);
    const credentials = (await server.ready) as {
      api_domain: string;
      clientId: string;
      clientSecret: string;
      refreshToken: string;
    };
    const token = (await (
      await fetch(`${credentials.api_domain}/oauth/v2/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          client_id: credentials.clientId,
          client_secret: credentials.clientSecret,
          refresh_token: credentials.refreshToken,
        }),
      })
    ).json()) as { access_token: string };
    const accounts = await fetch(`${credentials.api_domain}/crm/v8/Accounts?fields=Account_Name`, {
      headers: { authorization: `Zoho-oauthtoken ${token.access_token}` },
    });
    expect(((await accounts.json()) as { data: unknown[] }).data).toHaveLength(12);
    expect(await server.stop()).toBe(0);
  });
});
