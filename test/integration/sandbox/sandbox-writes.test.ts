import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSandboxFile } from '../../../local/zoho-sandbox/sandbox-org.ts';
import { type SandboxServer, startSandboxServer } from '../../../local/zoho-sandbox/sandbox-server.ts';
import { SandboxStore } from '../../../local/zoho-sandbox/sandbox-store.ts';

const FIXTURE = new URL('../../fixtures/sandbox/small-org.json', import.meta.url).pathname;
const ACME = '4876876000000001001';
const BRIGHTLINE = '4876876000000001002';
const LAURA = '4876876000000002001';
const ACME_PROPOSAL = '4876876000000003002';
const ACME_CALL_NOTE = '4876876000000008001';
const ACME_QBR_TASK = '4876876000000005002';
const ADMIN = { name: 'Rachel Adams', id: '4876876000000000101' };
const UNKNOWN = '4876876000009999999';
const START = new Date('2026-11-24T09:00:00Z');

// biome-ignore lint/suspicious/noExplicitAny: response bodies are whatever the sandbox sent; the assertions check them.
type Json = Record<string, any>;

let dir: string;
let now: Date;
let store: SandboxStore;
let server: SandboxServer;
let token: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sandbox-writes-'));
  now = START;
  store = await SandboxStore.open(dir, { now: () => now });
  await store.replace(await loadSandboxFile(FIXTURE));
  server = await startSandboxServer({ store });
  const grant = new URLSearchParams({
    grant_type: 'refresh_token',
    client_id: 'sandbox-client',
    client_secret: 'sandbox-secret',
    refresh_token: 'sandbox-refresh-token',
  });
  token = (await (await fetch(`${server.url}/oauth/v2/token`, { method: 'POST', body: grant })).json()).access_token;
});

afterEach(async () => {
  await server?.close();
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

const put = (path: string, json: unknown, headers: Record<string, string> = {}) =>
  api(path, { method: 'PUT', json, headers });
const del = (path: string) => api(path, { method: 'DELETE' });

async function expectError(response: Response, status: number, code: string): Promise<Json> {
  expect(response.status).toBe(status);
  const body = await response.json();
  expect(body).toMatchObject({ code, status: 'error' });
  return body;
}

const later = (minutes: number) => {
  now = new Date(START.getTime() + minutes * 60_000);
};

describe('updating records', () => {
  it('updates many records by id, answering each with "record updated" and the new modification stamp', async () => {
    later(5);
    const response = await put('/Accounts', {
      data: [
        { id: ACME, Rating: 'Active', Sergas_Key: 'acme-1' },
        { id: BRIGHTLINE, Phone: '+1 555 0100' },
      ],
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.data).toEqual([
      {
        code: 'SUCCESS',
        details: {
          Modified_Time: '2026-11-24T09:05:00+00:00',
          Modified_By: ADMIN,
          Created_Time: expect.any(String),
          id: ACME,
        },
        message: 'record updated',
        status: 'success',
      },
      expect.objectContaining({ code: 'SUCCESS', details: expect.objectContaining({ id: BRIGHTLINE }) }),
    ]);
    const acme = (await (await api(`/Accounts/${ACME}`)).json()).data[0];
    expect(acme).toMatchObject({
      Account_Name: 'Acme Analytics Inc.',
      Rating: 'Active',
      Sergas_Key: 'acme-1',
      Modified_Time: '2026-11-24T09:05:00+00:00',
      Modified_By: { id: ADMIN.id, name: ADMIN.name },
    });
  });

  it('updates one record through PUT /{module}/{id} without an id in the body', async () => {
    const response = await put(`/Contacts/${LAURA}`, { data: [{ Title: 'VP Data' }] });
    expect(response.status).toBe(200);
    expect((await response.json()).data[0]).toMatchObject({ code: 'SUCCESS', details: { id: LAURA } });
    expect(store.get('Contacts', LAURA)).toMatchObject({ Title: 'VP Data', Email: 'laura.chen@acmeanalytics.com' });
  });

  it('answers 207 with INVALID_DATA for an unknown id next to a successful update', async () => {
    const response = await put('/Accounts', {
      data: [
        { id: ACME, Rating: 'Active' },
        { id: UNKNOWN, Rating: 'Active' },
      ],
    });
    expect(response.status).toBe(207);
    const body = await response.json();
    expect(body.data[0]).toMatchObject({ code: 'SUCCESS', status: 'success' });
    expect(body.data[1]).toEqual({
      code: 'INVALID_DATA',
      details: { api_name: 'id', json_path: '$.data[1].id', id: UNKNOWN },
      message: 'the id given seems to be invalid',
      status: 'error',
    });
  });

  it('answers 400 with per-record errors when every update fails, and changes nothing', async () => {
    const response = await put('/Accounts', { data: [{ Rating: 'Active' }, { id: ACME, Account_Name: '' }] });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.data.map((entry: Json) => [entry.code, entry.details.api_name])).toEqual([
      ['MANDATORY_NOT_FOUND', 'id'],
      ['MANDATORY_NOT_FOUND', 'Account_Name'],
    ]);
    expect(store.get('Accounts', ACME)?.Account_Name).toBe('Acme Analytics Inc.');
  });

  it('refuses more than 100 records with LIMIT_EXCEEDED', async () => {
    const data = Array.from({ length: 101 }, () => ({ id: ACME, Rating: 'Active' }));
    await expectError(await put('/Accounts', { data }), 400, 'LIMIT_EXCEEDED');
  });

  it('answers 412 ALREADY_MODIFIED when a record changed after If-Unmodified-Since, and writes nothing', async () => {
    // Acme was last modified 2026-11-18T16:20:00Z in the fixture.
    const stale = await put(
      '/Accounts',
      { data: [{ id: ACME, Rating: 'Stale' }] },
      { 'If-Unmodified-Since': '2026-11-01T00:00:00+00:00' },
    );
    await expectError(stale, 412, 'ALREADY_MODIFIED');
    expect(store.get('Accounts', ACME)?.Rating).not.toBe('Stale');
    const fresh = await put(
      `/Accounts/${ACME}`,
      { data: [{ Rating: 'Fresh' }] },
      { 'If-Unmodified-Since': '2026-11-20T00:00:00+00:00' },
    );
    expect(fresh.status).toBe(200);
  });

  it('adds a Stage_History row when a deal changes stage, and none when the stage stays', async () => {
    const historyOf = async () =>
      (await (await api(`/Deals/${ACME_PROPOSAL}/Stage_History?fields=Stage,Modified_Time,Amount`)).json()).data;
    const before = await historyOf();
    later(10);
    await put(`/Deals/${ACME_PROPOSAL}`, { data: [{ Stage: 'Negotiation/Review', Amount: 50000, Probability: 80 }] });
    await put(`/Deals/${ACME_PROPOSAL}`, { data: [{ Description: 'Same stage' }] });
    const after = await historyOf();
    expect(after).toHaveLength(before.length + 1);
    expect(after).toContainEqual(
      expect.objectContaining({
        Stage: 'Negotiation/Review',
        Modified_Time: '2026-11-24T09:10:00+00:00',
        Amount: 50000,
      }),
    );
  });

  it('sees the update in an If-Modified-Since listing', async () => {
    later(1);
    await put(`/Accounts/${ACME}`, { data: [{ Rating: 'Active' }] });
    const response = await api('/Accounts?fields=Rating', {
      headers: { 'If-Modified-Since': '2026-11-24T09:00:00+00:00' },
    });
    expect(response.status).toBe(200);
    expect((await response.json()).data).toEqual([{ Rating: 'Active', id: ACME }]);
  });
});

describe('deleting records', () => {
  it('deletes by ids, answering each with "record deleted", and the records leave lists, get and search', async () => {
    const response = await del(`/Accounts?ids=${ACME},${BRIGHTLINE}`);
    expect(response.status).toBe(200);
    expect((await response.json()).data).toEqual([
      { code: 'SUCCESS', details: { id: ACME }, message: 'record deleted', status: 'success' },
      { code: 'SUCCESS', details: { id: BRIGHTLINE }, message: 'record deleted', status: 'success' },
    ]);
    expect((await api(`/Accounts/${ACME}`)).status).toBe(204);
    const ids = (await (await api('/Accounts?fields=Account_Name')).json()).data.map((a: Json) => a.id);
    expect(ids).not.toContain(ACME);
    expect((await api('/Accounts/search?criteria=(Account_Name:starts_with:Acme)')).status).toBe(204);
  });

  it('deletes one record through DELETE /{module}/{id}', async () => {
    const response = await del(`/Tasks/${ACME_QBR_TASK}`);
    expect(response.status).toBe(200);
    expect((await response.json()).data[0]).toMatchObject({ code: 'SUCCESS', details: { id: ACME_QBR_TASK } });
    expect((await api(`/Tasks/${ACME_QBR_TASK}`)).status).toBe(204);
    // It was Acme's only task, so Acme's Tasks related list is now empty.
    expect((await api(`/Accounts/${ACME}/Tasks?fields=Subject`)).status).toBe(204);
  });

  it('answers 207 when some ids are unknown and 400 when all are', async () => {
    const mixed = await del(`/Accounts?ids=${ACME},${UNKNOWN}`);
    expect(mixed.status).toBe(207);
    expect((await mixed.json()).data[1]).toMatchObject({ code: 'INVALID_DATA', details: { id: UNKNOWN } });
    expect((await del(`/Accounts/${UNKNOWN}`)).status).toBe(400);
  });

  it('asks for ids with REQUIRED_PARAM_MISSING and caps them at 100', async () => {
    const missing = await expectError(await del('/Accounts'), 400, 'REQUIRED_PARAM_MISSING');
    expect(missing.details).toEqual({ param_name: 'ids' });
    const ids = Array.from({ length: 101 }, (_, i) => String(i)).join(',');
    await expectError(await del(`/Accounts?ids=${ids}`), 400, 'LIMIT_EXCEEDED');
  });

  it('takes the notes of a deleted record with it and clears lookups that pointed at it', async () => {
    await del(`/Accounts/${ACME}`);
    expect(store.get('Notes', ACME_CALL_NOTE)).toBeUndefined();
    expect(store.get('Contacts', LAURA)?.Account_Name).toBeNull();
    expect(store.get('Tasks', ACME_QBR_TASK)).toMatchObject({ What_Id: null, $se_module: null });
  });

  it('keeps the deletion log in the org file, so a reopened store still knows', async () => {
    await del(`/Accounts/${ACME}`);
    await store.flush();
    const reopened = await SandboxStore.open(dir);
    expect(reopened.get('Accounts', ACME)).toBeUndefined();
    expect(reopened.deleted('Accounts').map((entry) => entry.id)).toEqual([ACME]);
  });
});

describe('listing deleted records', () => {
  it('lists deleted records newest first in Zoho’s shape', async () => {
    later(1);
    await del(`/Accounts/${ACME}`);
    later(2);
    await del(`/Accounts/${BRIGHTLINE}`);
    const response = await api('/Accounts/deleted?type=all');
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.data).toEqual([
      {
        id: BRIGHTLINE,
        display_name: 'Brightline Logistics LLC',
        type: 'recycle',
        deleted_by: ADMIN,
        created_by: null,
        deleted_time: '2026-11-24T09:02:00+00:00',
      },
      expect.objectContaining({
        id: ACME,
        display_name: 'Acme Analytics Inc.',
        deleted_time: '2026-11-24T09:01:00+00:00',
      }),
    ]);
    expect(body.info).toEqual({ per_page: 200, count: 2, page: 1, more_records: false });
  });

  it('pages with page and per_page', async () => {
    await del(`/Accounts?ids=${ACME},${BRIGHTLINE}`);
    const body = await (await api('/Accounts/deleted?per_page=1&page=2')).json();
    expect(body.data).toHaveLength(1);
    expect(body.info).toMatchObject({ page: 2, per_page: 1, more_records: false });
  });

  it('answers 204 when nothing was deleted and for type=permanent, which the sandbox never does', async () => {
    expect((await api('/Accounts/deleted')).status).toBe(204);
    await del(`/Accounts/${ACME}`);
    expect((await api('/Accounts/deleted?type=permanent')).status).toBe(204);
    expect((await api('/Accounts/deleted?type=recycle')).status).toBe(200);
  });

  it('lists the notes deleted along with their parent under Notes', async () => {
    await del(`/Accounts/${ACME}`);
    const notes = await (await api('/Notes/deleted')).json();
    expect(notes.data.map((entry: Json) => entry.id)).toContain(ACME_CALL_NOTE);
  });

  it('answers If-Modified-Since with only later deletions, or 304 when there are none', async () => {
    later(1);
    await del(`/Accounts/${ACME}`);
    later(10);
    await del(`/Accounts/${BRIGHTLINE}`);
    const newer = await api('/Accounts/deleted', { headers: { 'If-Modified-Since': '2026-11-24T09:05:00+00:00' } });
    expect((await newer.json()).data.map((entry: Json) => entry.id)).toEqual([BRIGHTLINE]);
    const none = await api('/Accounts/deleted', { headers: { 'If-Modified-Since': '2026-11-24T10:00:00+00:00' } });
    expect(none.status).toBe(304);
  });

  it('refuses an unknown type with PATTERN_NOT_MATCHED', async () => {
    await expectError(await api('/Accounts/deleted?type=everything'), 400, 'PATTERN_NOT_MATCHED');
  });
});

describe('upserting records', () => {
  it('updates the account with the same name and inserts a new one, saying which it did', async () => {
    const response = await api('/Accounts/upsert', {
      json: { data: [{ Account_Name: 'acme analytics inc.', Rating: 'Active' }, { Account_Name: 'Zeta Robotics' }] },
    });
    expect(response.status).toBe(200);
    const [updated, inserted] = (await response.json()).data;
    expect(updated).toMatchObject({
      code: 'SUCCESS',
      action: 'update',
      duplicate_field: 'Account_Name',
      message: 'record updated',
      details: { id: ACME },
    });
    expect(inserted).toMatchObject({
      code: 'SUCCESS',
      action: 'insert',
      duplicate_field: null,
      message: 'record added',
    });
    expect(store.get('Accounts', ACME)?.Rating).toBe('Active');
    expect(store.get('Accounts', inserted.details.id)?.Account_Name).toBe('Zeta Robotics');
  });

  it('matches contacts by Email by default and by the duplicate_check_fields given', async () => {
    const byEmail = await api('/Contacts/upsert', {
      json: { data: [{ Last_Name: 'Chen', Email: 'LAURA.CHEN@acmeanalytics.com', Title: 'CDO' }] },
    });
    expect((await byEmail.json()).data[0]).toMatchObject({
      action: 'update',
      duplicate_field: 'Email',
      details: { id: LAURA },
    });
    const byTitle = await api('/Contacts/upsert', {
      json: { data: [{ Last_Name: 'Other', Title: 'CDO' }], duplicate_check_fields: ['Email', 'Title'] },
    });
    expect((await byTitle.json()).data[0]).toMatchObject({
      action: 'update',
      duplicate_field: 'Title',
      details: { id: LAURA },
    });
  });

  it('reports a missing mandatory field on an insert per record, with 207 next to a success', async () => {
    const response = await api('/Deals/upsert', {
      json: { data: [{ Deal_Name: 'Brand new deal' }, { Deal_Name: 'Brand new deal 2', Stage: 'Qualification' }] },
    });
    expect(response.status).toBe(207);
    const [missing, inserted] = (await response.json()).data;
    expect(missing).toMatchObject({ code: 'MANDATORY_NOT_FOUND', details: { api_name: 'Stage' } });
    expect(inserted).toMatchObject({ action: 'insert' });
  });

  it('refuses to upsert activities and notes with NOT_SUPPORTED', async () => {
    for (const module of ['Tasks', 'Calls', 'Events', 'Notes']) {
      await expectError(await api(`/${module}/upsert`, { json: { data: [{ Subject: 'x' }] } }), 400, 'NOT_SUPPORTED');
    }
  });

  it('answers 412 when the matched record changed after If-Unmodified-Since', async () => {
    const response = await api('/Accounts/upsert', {
      json: { data: [{ Account_Name: 'Acme Analytics Inc.', Rating: 'Stale' }] },
      headers: { 'If-Unmodified-Since': '2026-01-01T00:00:00+00:00' },
    });
    await expectError(response, 412, 'ALREADY_MODIFIED');
  });
});

describe('counting records', () => {
  it('counts a module’s records, and only those matching criteria when given', async () => {
    expect(await (await api('/Accounts/actions/count')).json()).toEqual({ count: 6 });
    const acme = await api(
      `/Contacts/actions/count?criteria=${encodeURIComponent(`(Account_Name.id:equals:${ACME})`)}`,
    );
    expect(await acme.json()).toEqual({ count: store.related('Accounts', ACME, 'Contacts')?.length });
  });

  it('no longer counts deleted records', async () => {
    await del(`/Accounts/${ACME}`);
    expect(await (await api('/Accounts/actions/count')).json()).toEqual({ count: 5 });
  });

  it('answers bad criteria with INVALID_QUERY', async () => {
    await expectError(await api('/Accounts/actions/count?criteria=(Account_Name:like:x)'), 400, 'INVALID_QUERY');
  });
});
