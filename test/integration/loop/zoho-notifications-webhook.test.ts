import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalApiServer } from '../../../local/local-api-server.ts';
import { type LocalContainer, openLocalContainer } from '../../../local/local-stack.ts';
import {
  type SandboxNotifications,
  sandboxNotificationsOf,
} from '../../../local/zoho-sandbox/sandbox-notifications.ts';
import { loadSandboxFile } from '../../../local/zoho-sandbox/sandbox-org.ts';
import { DEFAULT_SANDBOX_CREDENTIALS } from '../../../local/zoho-sandbox/sandbox-server.ts';
import { ZohoNotificationChannels } from '../../../shared/adapters/zoho/zoho-notification-channels.ts';
import { ZohoOAuth } from '../../../shared/adapters/zoho/zoho-oauth.ts';
import { registerNotificationChannel } from '../../../shared/use-cases/register-notification-channel.ts';
import { syncFull } from '../../../shared/use-cases/sync-full.ts';
import { tempHome } from '../../support/local-home.ts';

const fixture = new URL('../../fixtures/sandbox/small-org.json', import.meta.url).pathname;
const TOKEN = 'channel-verification-token-0001';
const CHANNEL = '1000000068001';
const ACME = '4876876000000001001';
const BRIGHTLINE = '4876876000000001002';
const CONTACTS = ['4876876000000002001', '4876876000000002002', '4876876000000002003', '4876876000000002004'];

// biome-ignore lint/suspicious/noExplicitAny: response bodies are whatever the server sent; the assertions check them.
type Json = Record<string, any>;

describe('Zoho notifications through the webhook', () => {
  let deps: LocalContainer;
  let remove: () => Promise<void>;
  let api: { url: string; close(): Promise<void> };
  let notifications: SandboxNotifications;
  let oauth: ZohoOAuth;

  beforeAll(async () => {
    const home = await tempHome();
    remove = home.remove;
    deps = await openLocalContainer(home.config({ ZOHO_NOTIFICATION_TOKEN: TOKEN }));
    await deps.sandbox.store!.replace(await loadSandboxFile(fixture));
    await syncFull(deps);
    api = await startLocalApiServer({ port: 0 });
    notifications = sandboxNotificationsOf(deps.sandbox.store!)!;
    oauth = new ZohoOAuth({ accountsUrl: deps.sandbox.url, ...DEFAULT_SANDBOX_CREDENTIALS }, { cache: deps.cache });
    await registerNotificationChannel(
      { channels: new ZohoNotificationChannels({ tokens: oauth }), clock: deps.clock },
      { notifyUrl: `${api.url}/api/webhooks/zoho`, token: TOKEN, channelId: CHANNEL },
    );
  });
  afterAll(async () => {
    await api?.close();
    await deps?.close();
    await remove?.();
  });

  /** A call to the sandbox's CRM API, as anyone editing the org in Zoho would make it. */
  async function crm(path: string, method: string, body: unknown): Promise<Json> {
    const { accessToken } = await oauth.accessToken();
    const response = await fetch(`${deps.sandbox.url}/crm/v8${path}`, {
      method,
      headers: { authorization: `Zoho-oauthtoken ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return (await response.json()) as Json;
  }

  const postToWebhook = (body: unknown) =>
    fetch(`${api.url}/api/webhooks/zoho`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('applies an update made in the CRM to the copy through a real callback', async () => {
    await crm('/Accounts', 'PUT', { data: [{ id: ACME, Industry: 'Biotechnology' }] });
    await notifications.idle();
    expect((await deps.copy.loadSnapshot(ACME))?.account.industry).toBe('Biotechnology');
  });

  it('applies a record created in the CRM to the copy through a real callback', async () => {
    const owner = deps.sandbox.store!.users()[1]!;
    const created = await crm('/Calls', 'POST', {
      data: [
        {
          Subject: 'Renewal kick-off',
          Call_Type: 'Outbound',
          Call_Start_Time: '2026-11-25T10:00:00+00:00',
          Call_Duration: '15:00',
          What_Id: { id: ACME },
          $se_module: 'Accounts',
          Owner: { id: owner.id },
        },
      ],
    });
    const id = created.data[0].details.id as string;
    await notifications.idle();
    const snapshot = await deps.copy.loadSnapshot(ACME);
    expect(snapshot?.activities.find((activity) => activity.id === id)?.subject).toBe('Renewal kick-off');
  });

  it('applies each distinct change of 1,000 callbacks with 30 % replays exactly once', async () => {
    const records = [
      { module: 'Accounts', id: ACME },
      { module: 'Accounts', id: BRIGHTLINE },
      ...CONTACTS.map((id) => ({ module: 'Contacts', id })),
    ];
    const distinct = Array.from({ length: 700 }, (_, i) => {
      const record = records[i % records.length]!;
      return {
        server_time: 1_764_000_000_000 + i,
        query_params: {},
        module: record.module,
        resource_uri: `${deps.sandbox.url}/crm/v8/${record.module}`,
        ids: [record.id],
        affected_fields: [],
        operation: 'update',
        channel_id: CHANNEL,
        token: TOKEN,
      };
    });
    // Every third-or-so distinct body is replayed, spread through the stream as Zoho's retries would be.
    const bodies: unknown[] = [...distinct];
    for (let i = 0; i < 300; i++) bodies.splice((i * 7) % bodies.length, 0, distinct[(i * 13) % distinct.length]);
    const callsBefore = deps.crm.apiCalls;

    const results: Json[] = [];
    for (let start = 0; start < bodies.length; start += 20) {
      const batch = bodies.slice(start, start + 20);
      const responses = await Promise.all(batch.map(postToWebhook));
      for (const response of responses) {
        expect(response.status).toBe(200);
        results.push((await response.json()) as Json);
      }
    }

    expect(results).toHaveLength(1000);
    expect(results.filter((result) => result.duplicate)).toHaveLength(300);
    expect(results.reduce((sum, result) => sum + result.applied, 0)).toBe(700);
    expect(deps.crm.apiCalls - callsBefore).toBe(700);
  });

  it('refuses a callback with the wrong token with 401 and changes nothing', async () => {
    await deps.sandbox.store!.update('Accounts', [{ id: BRIGHTLINE, Industry: 'Aerospace' }], {
      id: deps.sandbox.store!.users()[0]!.id,
      name: 'Direct edit',
    });
    const before = await deps.copy.loadSnapshot(BRIGHTLINE);
    const response = await postToWebhook({
      server_time: 1_765_000_000_000,
      query_params: {},
      module: 'Accounts',
      resource_uri: `${deps.sandbox.url}/crm/v8/Accounts`,
      ids: [BRIGHTLINE],
      affected_fields: [],
      operation: 'update',
      channel_id: CHANNEL,
      token: 'not-the-registered-token-000000',
    });
    expect(response.status).toBe(401);
    expect((await deps.copy.loadSnapshot(BRIGHTLINE))?.account).toEqual(before?.account);
    expect(before?.account.industry).not.toBe('Aerospace');
  });
});
