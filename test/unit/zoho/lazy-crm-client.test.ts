import { createRequire } from 'node:module';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { LazyCrmClient, lazyZohoSdkCrmClient } from '../../../shared/adapters/zoho/lazy-crm-client.ts';
import { TieredCrmClient } from '../../../shared/adapters/zoho/tiered-crm-client.ts';
import type { ZohoSdkCrmClientOptions } from '../../../shared/adapters/zoho/zoho-sdk-crm-client.ts';
import { CrmRequestError } from '../../../shared/errors.ts';
import type { CrmClient } from '../../../shared/ports/crm-client.ts';
import { FakeCrmClient } from './fake-crm-client.ts';

// The SDK adapter module, replaced by a stand-in that records when it is evaluated and what it builds.
const adapter = vi.hoisted(() => ({ evaluated: 0, built: [] as unknown[] }));
vi.mock('../../../shared/adapters/zoho/zoho-sdk-crm-client.ts', () => {
  adapter.evaluated += 1;
  return {
    ZohoSdkCrmClient: class {
      apiCalls = 0;
      constructor(options: unknown) {
        adapter.built.push(options);
      }
      async listUsers() {
        this.apiCalls += 1;
        return [{ id: '1' }];
      }
    },
  };
});

const OPTIONS: ZohoSdkCrmClientOptions = {
  apiDomain: 'https://www.zohoapis.eu',
  accountsUrl: 'https://accounts.zoho.eu',
  clientId: 'id',
  clientSecret: 'secret',
  refreshToken: 'refresh',
  resourcePath: '/tmp/zoho-sdk',
};

const sdkLoaded = () => Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes('@zohocrm'));

beforeEach(() => {
  adapter.built.length = 0;
});

describe('the lazy SDK client', () => {
  it('does not import the SDK adapter until its first call, and imports it once', async () => {
    const client = lazyZohoSdkCrmClient(OPTIONS);
    expect(client.apiCalls).toBe(0);
    expect(client.loaded).toBe(false);
    expect(adapter.evaluated).toBe(0);

    expect(await Promise.all([client.listUsers(), client.listUsers()])).toEqual([[{ id: '1' }], [{ id: '1' }]]);
    expect(adapter.evaluated).toBe(1);
    expect(adapter.built).toEqual([OPTIONS]);
    expect(client.loaded).toBe(true);
    expect(client.apiCalls).toBe(2);
  });

  it('leaves the SDK package itself unloaded by importing the lazy client', () => {
    lazyZohoSdkCrmClient(OPTIONS);
    expect(sdkLoaded()).toBe(false);
  });
});

describe('a lazy CRM client', () => {
  it('makes its client once, on the first call', async () => {
    const fake = new FakeCrmClient();
    const load = vi.fn(async (): Promise<CrmClient> => fake);
    const client = new LazyCrmClient('fake', load);
    expect(load).not.toHaveBeenCalled();
    await client.listUsers();
    await client.listUsers();
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('says NOT_SUPPORTED when it cannot load, so a tiered client passes it over for reads and writes', async () => {
    const load = vi.fn(async (): Promise<CrmClient> => {
      throw new Error("Cannot find package '@zohocrm/typescript-sdk-8.0'");
    });
    const broken = new LazyCrmClient('sdk', load);
    const error = await broken.listUsers().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CrmRequestError);
    expect(error).toMatchObject({ details: { code: 'NOT_SUPPORTED' } });
    expect((error as Error).message).toContain('Cannot find package');

    const rest = new FakeCrmClient({ ok: [{ id: '1' }] });
    const tiered = new TieredCrmClient({
      tiers: [
        { name: 'sdk', client: broken },
        { name: 'rest', client: rest },
      ],
    });
    await expect(tiered.listUsers()).resolves.toEqual([{ id: '1' }]);
    await expect(tiered.createRecords('Tasks', [{ Subject: 'x' }])).resolves.toHaveLength(1);
    expect(rest.calls).toEqual(['listUsers', 'createRecords Tasks 1']);
    expect(load).toHaveBeenCalledTimes(1);
    expect(tiered.tierStatus()[0]).toMatchObject({ name: 'sdk', failures: 0 });
  });

  it('says NOT_SUPPORTED for deletedRecords when the client it loaded has none', async () => {
    // FakeCrmClient has no deletion log, as Zoho's MCP server has none.
    const client = new LazyCrmClient('mcp-like', async () => new FakeCrmClient());
    await expect(client.deletedRecords('Accounts', { page: 1 })).rejects.toMatchObject({
      details: { code: 'NOT_SUPPORTED' },
    });
  });
});
