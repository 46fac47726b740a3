import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sergas, sergasServer } from '../support/cli.ts';
import { tempHome } from '../support/local-home.ts';

describe('sergas sandbox faults', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let env: Record<string, string>;
  let server: ReturnType<typeof sergasServer>;
  let url: string;
  beforeAll(async () => {
    home = await tempHome();
    env = { SERGAS_HOME: home.home };
    server = sergasServer(['sandbox', 'serve', '--port', '0', '--json'], env);
    url = ((await server.ready) as { api_domain: string }).api_domain;
  });
  afterAll(async () => {
    await server.stop();
    await home.remove();
  });

  it('switches faults on in the running sandbox and prints the resulting fault set', async () => {
    const set = await sergas(
      ['sandbox', 'faults', '--url', url, '--rest-outage', 'on', '--latency', '5', '--error-rate', '0.5', '--json'],
      env,
    );
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toEqual({
      latencyMs: 5,
      errorRate: 0.5,
      rateLimitStorm: false,
      restOutage: true,
      mcpOutage: false,
      bulkOutage: false,
      expireTokensEarly: false,
    });
    expect((await fetch(`${url}/crm/v8/Accounts`)).status).toBe(503);
  });

  it('shows the current faults when given none, and clears them with --clear', async () => {
    const shown = await sergas(['sandbox', 'faults', '--url', url, '--json'], env);
    expect(JSON.parse(shown.stdout)).toMatchObject({ restOutage: true });
    const cleared = await sergas(
      ['sandbox', 'faults', '--url', url, '--clear', '--rate-limit-storm', 'on', '--json'],
      env,
    );
    expect(cleared.code).toBe(0);
    expect(JSON.parse(cleared.stdout)).toMatchObject({ restOutage: false, latencyMs: 0, rateLimitStorm: true });
    const off = await sergas(['sandbox', 'faults', '--url', url, '--clear', '--expire-tokens', '--json'], env);
    expect(JSON.parse(off.stdout)).toMatchObject({ rateLimitStorm: false, expireTokensEarly: false });
  });

  it('refuses a bad value with exit code 2, naming the option', async () => {
    const rate = await sergas(['sandbox', 'faults', '--url', url, '--error-rate', '1.5'], env);
    expect(rate.code).toBe(2);
    expect(rate.stderr).toContain('--error-rate');
    const storm = await sergas(['sandbox', 'faults', '--url', url, '--mcp-outage', 'maybe'], env);
    expect(storm.code).toBe(2);
    expect(storm.stderr).toContain('--mcp-outage');
  });

  it('exits 1 when no sandbox is running', async () => {
    const none = await sergas(['sandbox', 'faults', '--rest-outage', 'on'], env);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no sandbox is running/);
  });
});
