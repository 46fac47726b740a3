import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSandboxFile } from '../../../local/zoho-sandbox/sandbox-org.ts';
import {
  DEFAULT_SANDBOX_CREDENTIALS,
  type SandboxServer,
  startSandboxServer,
} from '../../../local/zoho-sandbox/sandbox-server.ts';
import { SandboxStore } from '../../../local/zoho-sandbox/sandbox-store.ts';
import { MemoryCache } from '../../../shared/adapters/cache/memory-cache.ts';
import { ZohoNotificationChannels } from '../../../shared/adapters/zoho/zoho-notification-channels.ts';
import { ZohoOAuth } from '../../../shared/adapters/zoho/zoho-oauth.ts';
import { channelIdFor, keepNotificationChannel } from '../../../shared/use-cases/keep-notification-channel.ts';
import {
  CHANNEL_LIFETIME_MS,
  registerNotificationChannel,
  WATCHED_EVENTS,
} from '../../../shared/use-cases/register-notification-channel.ts';

const FIXTURE = new URL('../../fixtures/sandbox/small-org.json', import.meta.url).pathname;
const ACME = '4876876000000001001';
const BRIGHTLINE = '4876876000000001002';
const TOKEN = 'receiver-verification-token-01';
const START = new Date('2026-11-24T09:00:00Z');
const HOUR = 3600_000;

// biome-ignore lint/suspicious/noExplicitAny: response bodies are whatever the sandbox sent; the assertions check them.
type Json = Record<string, any>;

let dir: string;
let now: Date;
let store: SandboxStore;
let server: SandboxServer;
let token: string;
let receiver: Server;
let receiverUrl: string;
let received: Json[];
/** Statuses the receiver answers with, one per callback, then 200. */
let refusals: number[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sandbox-notifications-'));
  now = START;
  store = await SandboxStore.open(dir, { now: () => now });
  await store.replace(await loadSandboxFile(FIXTURE));
  server = await startSandboxServer({ store, notificationRetryDelaysMs: [5, 5] });
  token = await grantToken();
  received = [];
  refusals = [];
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(refusals.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});

async function grantToken(): Promise<string> {
  const grant = new URLSearchParams({
    grant_type: 'refresh_token',
    client_id: DEFAULT_SANDBOX_CREDENTIALS.clientId,
    client_secret: DEFAULT_SANDBOX_CREDENTIALS.clientSecret,
    refresh_token: DEFAULT_SANDBOX_CREDENTIALS.refreshToken,
  });
  return (await (await fetch(`${server.url}/oauth/v2/token`, { method: 'POST', body: grant })).json()).access_token;
}

afterEach(async () => {
  await server?.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

function api(path: string, init: RequestInit & { json?: unknown } = {}) {
  const { json, ...rest } = init;
  return fetch(`${server.url}/crm/v8${path}`, {
    ...rest,
    ...(json === undefined ? {} : { method: rest.method ?? 'POST', body: JSON.stringify(json) }),
    headers: { Authorization: `Zoho-oauthtoken ${token}`, ...rest.headers },
  });
}

const channel = (overrides: Json = {}) => ({
  channel_id: '1000000068001',
  events: ['Accounts.all', 'Deals.edit'],
  notify_url: `${receiverUrl}?org=acme&kind=crm`,
  token: TOKEN,
  ...overrides,
});
const watch = (entry: Json, method = 'POST') => api('/actions/watch', { method, json: { watch: [entry] } });

async function watchError(entry: Json): Promise<Json> {
  const response = await watch(entry);
  expect(response.status).toBe(400);
  return (await response.json()).watch[0];
}

describe('the sandbox watch API', () => {
  it('enables a channel and answers with the watched modules and their expiry', async () => {
    const response = await watch(channel());
    expect(response.status).toBe(201);
    const [entry] = (await response.json()).watch;
    expect(entry).toMatchObject({ code: 'SUCCESS', status: 'success' });
    expect(entry.details.events.map((event: Json) => event.resource_name)).toEqual(['Accounts', 'Deals']);
    expect(entry.details.events[0]).toMatchObject({
      channel_id: '1000000068001',
      resource_uri: `${server.url}/crm/v8/Accounts`,
      channel_expiry: '2026-11-24T10:00:00+00:00',
    });
  });

  it('lists the enabled channels', async () => {
    await watch(channel());
    const response = await api('/actions/watch');
    expect(response.status).toBe(200);
    expect((await response.json()).watch).toEqual([
      expect.objectContaining({ channel_id: '1000000068001', events: ['Accounts.all', 'Deals.edit'] }),
    ]);
  });

  it('disables a channel by id, after which nothing is listed', async () => {
    await watch(channel());
    const response = await api('/actions/watch?channel_ids=1000000068001', { method: 'DELETE' });
    expect(response.status).toBe(200);
    expect((await response.json()).watch[0]).toMatchObject({ code: 'SUCCESS' });
    expect((await api('/actions/watch')).status).toBe(204);
  });

  it('adds events to a channel with PATCH and removes them with _delete_events', async () => {
    await watch(channel());
    await watch({ channel_id: '1000000068001', events: ['Tasks.create'] }, 'PATCH');
    await watch({ channel_id: '1000000068001', events: ['Deals.edit'], _delete_events: true }, 'PATCH');
    expect(server.notifications.channels()[0]?.events).toEqual(['Accounts.all', 'Tasks.create']);
  });

  it('refuses a token longer than 50 characters with INVALID_DATA', async () => {
    expect(await watchError(channel({ token: 'x'.repeat(51) }))).toMatchObject({
      code: 'INVALID_DATA',
      details: { api_name: 'token' },
    });
  });

  it.each(['channel_id', 'events', 'notify_url'])(
    'refuses a channel without %s with MANDATORY_NOT_FOUND',
    async (field) => {
      expect(await watchError(channel({ [field]: undefined }))).toMatchObject({
        code: 'MANDATORY_NOT_FOUND',
        details: { api_name: field },
      });
    },
  );

  it('refuses an event on a module it does not know with INVALID_MODULE', async () => {
    expect(await watchError(channel({ events: ['Invoices.all'] }))).toMatchObject({ code: 'INVALID_MODULE' });
  });

  it('gives a channel asked for more than a week one hour instead', async () => {
    await watch(channel({ channel_expiry: new Date(START.getTime() + 8 * 24 * HOUR).toISOString() }));
    expect(server.notifications.channels()[0]?.expires_at).toBe(START.getTime() + HOUR);
  });

  it('keeps a channel asked for six days for six days', async () => {
    await watch(channel({ channel_expiry: new Date(START.getTime() + 6 * 24 * HOUR).toISOString() }));
    expect(server.notifications.channels()[0]?.expires_at).toBe(START.getTime() + 6 * 24 * HOUR);
  });
});

describe('a write through the sandbox API', () => {
  beforeEach(async () => {
    expect((await watch(channel())).status).toBe(201);
  });

  it('posts a create to the channel as an insert with the new id, the token and the query params', async () => {
    const response = await api('/Accounts', { json: { data: [{ Account_Name: 'Northwind Traders' }] } });
    const id = (await response.json()).data[0].details.id;
    await server.notifications.idle();
    expect(received).toEqual([
      {
        server_time: START.getTime(),
        query_params: { org: 'acme', kind: 'crm' },
        module: 'Accounts',
        resource_uri: `${server.url}/crm/v8/Accounts`,
        ids: [id],
        affected_fields: [],
        operation: 'insert',
        channel_id: '1000000068001',
        token: TOKEN,
      },
    ]);
  });

  it('posts an update as an update', async () => {
    await api('/Accounts', { method: 'PUT', json: { data: [{ id: ACME, Phone: '+1 555 0100' }] } });
    await server.notifications.idle();
    expect(received).toEqual([expect.objectContaining({ operation: 'update', ids: [ACME], token: TOKEN })]);
  });

  it('posts a delete as a delete', async () => {
    await api(`/Accounts?ids=${ACME}`, { method: 'DELETE' });
    await server.notifications.idle();
    expect(received).toEqual([expect.objectContaining({ operation: 'delete', ids: [ACME], module: 'Accounts' })]);
  });

  it('batches the ids of one write call into one callback', async () => {
    await api('/Accounts', {
      method: 'PUT',
      json: {
        data: [
          { id: ACME, Phone: '1' },
          { id: BRIGHTLINE, Phone: '2' },
        ],
      },
    });
    await server.notifications.idle();
    expect(received.map((body) => body.ids)).toEqual([[ACME, BRIGHTLINE]]);
  });

  it('sends nothing for an event the channel does not watch', async () => {
    await api('/Deals', { method: 'POST', json: { data: [{ Deal_Name: 'New', Stage: 'Qualification' }] } });
    await server.notifications.idle();
    expect(received).toEqual([]);
  });

  it('sends nothing once the channel has expired', async () => {
    now = new Date(START.getTime() + HOUR + 1);
    await api('/Accounts', { method: 'PUT', json: { data: [{ id: ACME, Phone: '+1 555 0100' }] } });
    await server.notifications.idle();
    expect(received).toEqual([]);
  });

  it('sends nothing once the channel is disabled', async () => {
    await api('/actions/watch?channel_ids=1000000068001', { method: 'DELETE' });
    await api('/Accounts', { method: 'PUT', json: { data: [{ id: ACME, Phone: '+1 555 0100' }] } });
    await server.notifications.idle();
    expect(received).toEqual([]);
  });

  it('retries a callback the receiver refused', async () => {
    refusals = [503];
    await api('/Accounts', { method: 'PUT', json: { data: [{ id: ACME, Phone: '+1 555 0100' }] } });
    await server.notifications.idle();
    expect(received).toHaveLength(2);
    expect(received[1]).toEqual(received[0]);
    expect(server.notifications.delivered).toBe(1);
  });
});

describe('registering the notification channel', () => {
  const channelsOf = () =>
    new ZohoNotificationChannels({
      tokens: new ZohoOAuth({ accountsUrl: server.url, ...DEFAULT_SANDBOX_CREDENTIALS }, { cache: new MemoryCache() }),
    });
  const clock = { now: () => now };

  it('subscribes every mirrored module for a week with a generated token of 16 to 50 characters', async () => {
    const registered = await registerNotificationChannel(
      { channels: channelsOf(), clock },
      { notifyUrl: receiverUrl, channelId: '42' },
    );
    const [stored] = server.notifications.channels();
    expect(stored).toMatchObject({ channel_id: '42', events: [...WATCHED_EVENTS], notify_url: receiverUrl });
    expect(stored?.expires_at).toBe(START.getTime() + CHANNEL_LIFETIME_MS);
    expect(stored?.token).toBe(registered.token);
    expect(registered.token.length).toBeGreaterThanOrEqual(16);
    expect(registered.token.length).toBeLessThanOrEqual(50);
  });

  it('leaves a channel with more than a day left alone', async () => {
    const registered = await registerNotificationChannel({ channels: channelsOf(), clock }, { notifyUrl: receiverUrl });
    expect(await registered.renewIfExpiring(new Date(START.getTime() + 5 * 24 * HOUR))).toBe(false);
  });

  it('renews a channel with less than a day left for another week', async () => {
    const registered = await registerNotificationChannel({ channels: channelsOf(), clock }, { notifyUrl: receiverUrl });
    now = new Date(START.getTime() + 6.5 * 24 * HOUR);
    expect(await registered.renewIfExpiring(now)).toBe(true);
    expect(server.notifications.channels()[0]?.expires_at).toBe(now.getTime() + CHANNEL_LIFETIME_MS);
    expect(registered.expiresAt().getTime()).toBe(now.getTime() + CHANNEL_LIFETIME_MS);
  });
});

describe('keeping the notification channel alive from start-up and the schedule', () => {
  const channels = () =>
    new ZohoNotificationChannels({
      tokens: new ZohoOAuth({ accountsUrl: server.url, ...DEFAULT_SANDBOX_CREDENTIALS }, { cache: new MemoryCache() }),
    });
  const keep = (notifyUrl = receiverUrl) =>
    keepNotificationChannel({ channels: channels(), clock: { now: () => now } }, { notifyUrl, token: TOKEN });
  const expiryOfOnlyChannel = () => {
    const live = server.notifications.channels();
    expect(live).toHaveLength(1);
    return live[0]?.expires_at;
  };

  it('subscribes a channel named after the webhook when Zoho has none', async () => {
    expect(await keep()).toMatchObject({ action: 'subscribed', channelId: channelIdFor(receiverUrl) });
    expect(server.notifications.channels()[0]).toMatchObject({
      channel_id: channelIdFor(receiverUrl),
      events: [...WATCHED_EVENTS],
      notify_url: receiverUrl,
      token: TOKEN,
    });
  });

  it('changes nothing while more than a day is left', async () => {
    await keep();
    now = new Date(START.getTime() + 5 * 24 * HOUR);
    expect((await keep()).action).toBe('unchanged');
    expect(expiryOfOnlyChannel()).toBe(START.getTime() + CHANNEL_LIFETIME_MS);
  });

  it('renews for another week once less than a day is left', async () => {
    await keep();
    now = new Date(START.getTime() + 6.5 * 24 * HOUR);
    expect((await keep()).action).toBe('renewed');
    expect(expiryOfOnlyChannel()).toBe(now.getTime() + CHANNEL_LIFETIME_MS);
  });

  it('subscribes again after the channel lapsed, and callbacks flow again', async () => {
    await keep();
    now = new Date(START.getTime() + 8 * 24 * HOUR);
    expect(server.notifications.channels()).toHaveLength(0);
    expect((await keep()).action).toBe('subscribed');
    token = await grantToken();
    await api('/Accounts', { method: 'PUT', json: { data: [{ id: ACME, Phone: '+1 555 0199' }] } });
    await server.notifications.idle();
    expect(received.map((callback) => callback.ids)).toEqual([[ACME]]);
  });

  it('re-points a channel whose webhook moved', async () => {
    const moved = `${receiverUrl}?moved=1`;
    await keepNotificationChannel(
      { channels: channels(), clock: { now: () => now } },
      { notifyUrl: receiverUrl, token: TOKEN, channelId: '77' },
    );
    const kept = await keepNotificationChannel(
      { channels: channels(), clock: { now: () => now } },
      { notifyUrl: moved, token: TOKEN, channelId: '77' },
    );
    expect(kept.action).toBe('subscribed');
    expect(server.notifications.channels()).toMatchObject([{ channel_id: '77', notify_url: moved }]);
  });
});
