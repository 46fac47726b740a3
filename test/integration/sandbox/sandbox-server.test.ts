import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSandboxFile } from '../../../local/zoho-sandbox/sandbox-org.ts';
import { type SandboxServer, startSandboxServer } from '../../../local/zoho-sandbox/sandbox-server.ts';
import { SandboxStore } from '../../../local/zoho-sandbox/sandbox-store.ts';

const FIXTURE = new URL('../../fixtures/sandbox/small-org.json', import.meta.url).pathname;
const ACME = '4876876000000001001';
const COBALT = '4876876000000001003';
const FALCON = '4876876000000001006';
const COBALT_ROLLOUT = '4876876000000003004';
const ADMIN = '4876876000000000101';
const DEFAULT_GRANT = {
  grant_type: 'refresh_token',
  client_id: 'sandbox-client',
  client_secret: 'sandbox-secret',
  refresh_token: 'sandbox-refresh-token',
};

// biome-ignore lint/suspicious/noExplicitAny: response bodies are whatever the sandbox sent; the assertions check them.
type Json = Record<string, any>;

let dir: string;
let now: Date;
let store: SandboxStore;
let server: SandboxServer;
let token: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sandbox-server-'));
  now = new Date('2026-11-24T09:00:00Z');
  store = await SandboxStore.open(dir, { now: () => now });
  await store.replace(await loadSandboxFile(FIXTURE));
  server = await startSandboxServer({ store });
  token = await accessToken(server);
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function requestToken(target: SandboxServer, fields: Record<string, string>): Promise<Json> {
  const response = await fetch(`${target.url}/oauth/v2/token`, { method: 'POST', body: new URLSearchParams(fields) });
  expect(response.status).toBe(200);
  return response.json();
}

async function accessToken(target: SandboxServer): Promise<string> {
  return (await requestToken(target, DEFAULT_GRANT)).access_token;
}

function api(path: string, init: RequestInit & { json?: unknown } = {}, target = server, bearer = token) {
  const { json, ...rest } = init;
  return fetch(`${target.url}/crm/v8${path}`, {
    ...rest,
    ...(json === undefined ? {} : { method: rest.method ?? 'POST', body: JSON.stringify(json) }),
    headers: { Authorization: `Zoho-oauthtoken ${bearer}`, ...rest.headers },
  });
}

async function expectError(response: Response, status: number, code: string): Promise<Json> {
  expect(response.status).toBe(status);
  const body = await response.json();
  expect(body).toMatchObject({ code, status: 'error' });
  expect(Object.keys(body).sort()).toEqual(['code', 'details', 'message', 'status']);
  return body;
}

describe('the OAuth token endpoint', () => {
  it('exchanges the default refresh token for an hour-long access token on its own origin', async () => {
    const body = await requestToken(server, DEFAULT_GRANT);
    expect(body).toMatchObject({ api_domain: server.url, token_type: 'Bearer', expires_in: 3600 });
    expect(body.access_token).toMatch(/^1000\.[0-9a-f]+\.[0-9a-f]+$/);
  });

  it('accepts the grant as query parameters, as Zoho samples send it', async () => {
    const response = await fetch(`${server.url}/oauth/v2/token?${new URLSearchParams(DEFAULT_GRANT)}`, {
      method: 'POST',
    });
    expect((await response.json()).access_token).toBeTruthy();
  });

  it('accepts the grant as multipart form data, as the official SDK sends it', async () => {
    const form = new FormData();
    for (const [key, value] of Object.entries(DEFAULT_GRANT)) form.set(key, value);
    const response = await fetch(`${server.url}/oauth/v2/token`, { method: 'POST', body: form });
    expect((await response.json()).access_token).toBeTruthy();
  });

  it('answers a wrong refresh token with HTTP 200 and invalid_code', async () => {
    expect(await requestToken(server, { ...DEFAULT_GRANT, refresh_token: 'nope' })).toEqual({ error: 'invalid_code' });
  });

  it('answers a wrong client id or secret with invalid_client', async () => {
    expect(await requestToken(server, { ...DEFAULT_GRANT, client_id: 'nope' })).toEqual({ error: 'invalid_client' });
    expect(await requestToken(server, { ...DEFAULT_GRANT, client_secret: 'nope' })).toEqual({
      error: 'invalid_client',
    });
  });

  it('honours overridden credentials', async () => {
    const custom = await startSandboxServer({ store, credentials: { refreshToken: 'my-refresh' } });
    try {
      expect(await requestToken(custom, DEFAULT_GRANT)).toEqual({ error: 'invalid_code' });
      expect((await requestToken(custom, { ...DEFAULT_GRANT, refresh_token: 'my-refresh' })).access_token).toBeTruthy();
    } finally {
      await custom.close();
    }
  });
});

describe('authentication of API calls', () => {
  it('answers a call without an Authorization header with 401 AUTHENTICATION_FAILURE', async () => {
    const response = await fetch(`${server.url}/crm/v8/Accounts?fields=Account_Name`);
    await expectError(response, 401, 'AUTHENTICATION_FAILURE');
  });

  it('answers an unknown token with 401 INVALID_TOKEN "invalid oauth token"', async () => {
    const body = await expectError(
      await api('/Accounts?fields=Account_Name', {}, server, '1000.bad.token'),
      401,
      'INVALID_TOKEN',
    );
    expect(body).toEqual({ code: 'INVALID_TOKEN', details: {}, message: 'invalid oauth token', status: 'error' });
  });

  it('expires access tokens after their lifetime by the store clock', async () => {
    const shortLived = await startSandboxServer({ store, accessTokenTtlSeconds: 60 });
    try {
      const bearer = await accessToken(shortLived);
      expect((await api('/Accounts?fields=Account_Name', {}, shortLived, bearer)).status).toBe(200);
      now = new Date(now.getTime() + 61_000);
      await expectError(await api('/Accounts?fields=Account_Name', {}, shortLived, bearer), 401, 'INVALID_TOKEN');
    } finally {
      now = new Date('2026-11-24T09:00:00Z');
      await shortLived.close();
    }
  });
});

describe('GET /crm/v8/users', () => {
  it('lists all users with paging info', async () => {
    const body = await (await api('/users?type=AllUsers')).json();
    expect(body.users).toHaveLength(5);
    expect(body.info).toEqual({ per_page: 200, count: 5, page: 1, more_records: false });
  });

  it('leaves deactivated users out of ActiveUsers', async () => {
    const body = await (await api('/users?type=ActiveUsers')).json();
    expect(body.users.map((user: Json) => user.full_name)).not.toContain('Paul Grant');
    expect(body.users).toHaveLength(4);
  });

  it('answers CurrentUser with the admin the token belongs to', async () => {
    const body = await (await api('/users?type=CurrentUser')).json();
    expect(body.users.map((user: Json) => user.id)).toEqual([ADMIN]);
  });
});

describe('GET /crm/v8/{module}', () => {
  it('requires fields', async () => {
    const body = await expectError(await api('/Accounts'), 400, 'REQUIRED_PARAM_MISSING');
    expect(body.details).toEqual({ param_name: 'fields' });
  });

  it('refuses more than 50 fields', async () => {
    const fields = Array.from({ length: 51 }, (_, i) => `Field_${i}`).join(',');
    await expectError(await api(`/Accounts?fields=${fields}`), 400, 'LIMIT_EXCEEDED');
  });

  it('returns only the requested fields plus id, null where a record has no value', async () => {
    const body = await (await api('/Accounts?fields=Account_Name,Contract_End_Date')).json();
    const cobalt = body.data.find((record: Json) => record.id === COBALT);
    expect(cobalt).toEqual({ Account_Name: 'Cobalt Health Systems', Contract_End_Date: null, id: COBALT });
  });

  it('sends $se_module along with a requested What_Id', async () => {
    const body = await (await api('/Calls?fields=Subject,What_Id')).json();
    expect(body.data[0]).toHaveProperty('$se_module');
  });

  it('sorts by id descending by default and wraps records in the info envelope', async () => {
    const body = await (await api('/Accounts?fields=Account_Name')).json();
    expect(body.data.map((record: Json) => record.id)).toEqual([...body.data.map((r: Json) => r.id)].sort().reverse());
    expect(body.info).toEqual({
      per_page: 200,
      count: 6,
      page: 1,
      sort_by: 'id',
      sort_order: 'desc',
      more_records: false,
      next_page_token: null,
      previous_page_token: null,
      page_token_expiry: null,
    });
  });

  it('sorts by Modified_Time ascending on request', async () => {
    const body = await (await api('/Accounts?fields=Modified_Time&sort_by=Modified_Time&sort_order=asc')).json();
    const times = body.data.map((record: Json) => Date.parse(record.Modified_Time));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('refuses to sort by anything but id, Created_Time or Modified_Time', async () => {
    await expectError(await api('/Accounts?fields=Account_Name&sort_by=Account_Name'), 400, 'INVALID_DATA');
  });

  it('pages with page and per_page, saying whether more records follow', async () => {
    const page = async (n: number) => (await api(`/Contacts?fields=Last_Name&per_page=5&page=${n}`)).json();
    const [first, second, third] = [await page(1), await page(2), await page(3)];
    expect(first.info).toMatchObject({ per_page: 5, count: 5, page: 1, more_records: true });
    expect(third.info).toMatchObject({ count: 2, page: 3, more_records: false });
    const ids = [...first.data, ...second.data, ...third.data].map((record: Json) => record.id);
    expect(new Set(ids).size).toBe(12);
  });

  it('answers a page past the end with 204 and an empty body', async () => {
    const response = await api('/Contacts?fields=Last_Name&per_page=5&page=4');
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
  });

  it('caps per_page at 200', async () => {
    const body = await (await api('/Contacts?fields=Last_Name&per_page=500')).json();
    expect(body.info.per_page).toBe(200);
  });

  it('answers If-Modified-Since with only newer records, or 304 when nothing changed', async () => {
    const newer = await api('/Accounts?fields=Account_Name', {
      headers: { 'If-Modified-Since': '2026-11-18T00:00:00+00:00' },
    });
    expect((await newer.json()).data.map((record: Json) => record.Account_Name).sort()).toEqual([
      'Acme Analytics Inc.',
      'Delta Freight GmbH',
      'Evergreen Foods Ltd',
    ]);
    const unchanged = await api('/Accounts?fields=Account_Name', {
      headers: { 'If-Modified-Since': '2026-11-23T00:00:00+00:00' },
    });
    expect(unchanged.status).toBe(304);
  });

  it('answers an unknown module with 400 INVALID_MODULE', async () => {
    await expectError(await api('/Widgets?fields=Name'), 400, 'INVALID_MODULE');
  });

  it('answers an unsupported method with 400 INVALID_REQUEST_METHOD', async () => {
    await expectError(await api('/Accounts', { method: 'PATCH' }), 400, 'INVALID_REQUEST_METHOD');
  });

  it('answers an unknown path with 404 INVALID_URL_PATTERN', async () => {
    await expectError(await api('/Accounts/1/Contacts/2/3'), 404, 'INVALID_URL_PATTERN');
    await expectError(await fetch(`${server.url}/nowhere`), 404, 'INVALID_URL_PATTERN');
  });

  it('answers an empty module with 204', async () => {
    const emptyDir = await mkdtemp(join(tmpdir(), 'sandbox-empty-'));
    const empty = await startSandboxServer({ store: await SandboxStore.open(emptyDir) });
    try {
      expect((await api('/Accounts?fields=Account_Name', {}, empty, await accessToken(empty))).status).toBe(204);
    } finally {
      await empty.close();
      await rm(emptyDir, { recursive: true, force: true });
    }
  });
});

describe('GET /crm/v8/{module}/{id}', () => {
  it('returns the whole record in a data array', async () => {
    const body = await (await api(`/Accounts/${ACME}`)).json();
    expect(body.data).toHaveLength(1);
    expect(body.data[0]).toMatchObject({ id: ACME, Account_Name: 'Acme Analytics Inc.', Rating: 'Active' });
  });

  it('answers an unknown id with 204', async () => {
    expect((await api('/Accounts/4876876000000009999')).status).toBe(204);
  });
});

describe('GET /crm/v8/{module}/{id}/{related_list}', () => {
  it("lists an account's contacts", async () => {
    const body = await (await api(`/Accounts/${ACME}/Contacts?fields=Full_Name,Email`)).json();
    expect(body.data.map((record: Json) => record.Full_Name).sort()).toEqual(['Laura Chen', 'Mike Johnson']);
  });

  it("lists an account's notes, but not its deals' notes", async () => {
    const body = await (await api(`/Accounts/${FALCON}/Notes?fields=Note_Title`)).json();
    expect(body.data.map((record: Json) => record.Note_Title).sort()).toEqual([
      'Customer escalation',
      'Risk: account health',
    ]);
  });

  it("lists a deal's stage history, newest first", async () => {
    const body = await (
      await api(`/Deals/${COBALT_ROLLOUT}/Stage_History?fields=Stage,Modified_Time,Probability`)
    ).json();
    expect(body.data.map((entry: Json) => entry.Stage)).toEqual([
      'Negotiation/Review',
      'Proposal/Price Quote',
      'Needs Analysis',
      'Qualification',
    ]);
    expect(body.data[0]).toMatchObject({ Modified_Time: '2026-09-20T20:00:00+00:00', Probability: 90 });
  });

  it('requires fields', async () => {
    await expectError(await api(`/Accounts/${ACME}/Contacts`), 400, 'REQUIRED_PARAM_MISSING');
  });

  it('answers an empty related list with 204', async () => {
    expect((await api(`/Accounts/${COBALT}/Events?fields=Event_Title`)).status).toBe(204);
  });

  it('answers an unknown related list with 400 INVALID_DATA', async () => {
    await expectError(await api(`/Accounts/${ACME}/Invoices?fields=Subject`), 400, 'INVALID_DATA');
  });
});

describe('GET /crm/v8/{module}/search', () => {
  const search = (module: string, criteria: string) =>
    api(`/${module}/search?criteria=${encodeURIComponent(criteria)}`);

  it('finds records by equals, case-insensitively', async () => {
    const body = await (await search('Accounts', '(Account_Name:equals:acme analytics inc.)')).json();
    expect(body.data.map((record: Json) => record.id)).toEqual([ACME]);
  });

  it('combines conditions with or', async () => {
    const body = await (
      await search('Accounts', '((Account_Name:starts_with:Acme)or(Billing_Country:equals:Germany))')
    ).json();
    expect(body.data.map((record: Json) => record.Account_Name).sort()).toEqual([
      'Acme Analytics Inc.',
      'Delta Freight GmbH',
    ]);
  });

  it('combines conditions with and, matching lookups by id', async () => {
    const body = await (await search('Tasks', `((What_Id:equals:${ACME})and(Status:equals:Not Started))`)).json();
    expect(body.data.map((record: Json) => record.Subject)).toEqual(['Book QBR with Laura']);
  });

  it('answers no match with 204', async () => {
    expect((await search('Accounts', '(Account_Name:equals:Nobody Ltd)')).status).toBe(204);
  });

  it('answers malformed criteria with 400 INVALID_QUERY', async () => {
    await expectError(await search('Accounts', '(Account_Name:resembles:Acme)'), 400, 'INVALID_QUERY');
  });

  it('answers a search without criteria, email, phone or word with 400 REQUIRED_PARAM_MISSING', async () => {
    await expectError(await api('/Accounts/search'), 400, 'REQUIRED_PARAM_MISSING');
  });

  it('finds contacts by e-mail', async () => {
    const body = await (await api('/Contacts/search?email=Laura.Chen@acmeanalytics.com')).json();
    expect(body.data.map((record: Json) => record.Full_Name)).toEqual(['Laura Chen']);
  });
});

describe('POST /crm/v8/Tasks and /Notes', () => {
  const task = (subject?: string) => ({
    ...(subject === undefined ? {} : { Subject: subject }),
    Due_Date: '2026-12-01',
    Status: 'Not Started',
    What_Id: { id: ACME },
    $se_module: 'Accounts',
  });

  it('creates a task with 201, stamping id, times and creator like Zoho', async () => {
    const response = await api('/Tasks', { json: { data: [task('Send QBR agenda')] } });
    expect(response.status).toBe(201);
    const [entry] = (await response.json()).data;
    expect(entry).toMatchObject({ code: 'SUCCESS', message: 'record added', status: 'success' });
    expect(entry.details).toMatchObject({
      Created_Time: '2026-11-24T09:00:00+00:00',
      Modified_Time: '2026-11-24T09:00:00+00:00',
      Created_By: { id: ADMIN, name: 'Rachel Adams' },
    });
    expect(entry.details.id).toMatch(/^\d{19}$/);
    const stored = (await (await api(`/Tasks/${entry.details.id}`)).json()).data[0];
    expect(stored).toMatchObject({
      Subject: 'Send QBR agenda',
      Owner: { id: ADMIN },
      What_Id: { id: ACME, name: 'Acme Analytics Inc.' },
    });
  });

  it('answers a partly valid batch with 207 and one result per record, in order', async () => {
    const response = await api('/Tasks', { json: { data: [task('Valid task'), task()] } });
    expect(response.status).toBe(207);
    const { data } = await response.json();
    expect(data[0].code).toBe('SUCCESS');
    expect(data[1]).toEqual({
      code: 'MANDATORY_NOT_FOUND',
      details: { api_name: 'Subject', json_path: '$.data[1].Subject' },
      message: 'required field not found',
      status: 'error',
    });
  });

  it('answers a batch where every record fails with 400, still listing each failure', async () => {
    const response = await api('/Tasks', { json: { data: [task(), task()] } });
    expect(response.status).toBe(400);
    expect((await response.json()).data.map((entry: Json) => entry.code)).toEqual([
      'MANDATORY_NOT_FOUND',
      'MANDATORY_NOT_FOUND',
    ]);
  });

  it('refuses more than 100 records with 400 LIMIT_EXCEEDED', async () => {
    const data = Array.from({ length: 101 }, (_, i) => task(`Task ${i}`));
    await expectError(await api('/Tasks', { json: { data } }), 400, 'LIMIT_EXCEEDED');
  });

  it('refuses a malformed JSON body with 400 INVALID_DATA', async () => {
    await expectError(await api('/Tasks', { method: 'POST', body: '{"data": [' }), 400, 'INVALID_DATA');
  });

  it('requires Note_Content and Parent_Id on notes', async () => {
    const { data } = await (
      await api('/Notes', { json: { data: [{ Note_Title: 'x' }, { Note_Content: 'y' }] } })
    ).json();
    expect(data.map((entry: Json) => entry.details.api_name)).toEqual(['Note_Content', 'Parent_Id']);
  });

  it('refuses a v2-style note whose Parent_Id is a bare id', async () => {
    const response = await api('/Notes', {
      json: { data: [{ Note_Content: 'y', Parent_Id: ACME, se_module: 'Accounts' }] },
    });
    expect(response.status).toBe(400);
    expect((await response.json()).data[0]).toMatchObject({ code: 'INVALID_DATA', details: { api_name: 'Parent_Id' } });
  });

  it('creates a note under a record via /{module}/{id}/Notes and lists it there', async () => {
    const response = await api(`/Accounts/${COBALT}/Notes`, {
      json: { data: [{ Note_Title: 'Sync', Note_Content: 'MSA redlines back' }] },
    });
    expect(response.status).toBe(201);
    const body = await (await api(`/Accounts/${COBALT}/Notes?fields=Note_Title,Parent_Id`)).json();
    const note = body.data.find((record: Json) => record.Note_Title === 'Sync');
    expect(note.Parent_Id).toEqual({ id: COBALT, name: 'Cobalt Health Systems', module: { api_name: 'Accounts' } });
  });

  it('keeps custom fields so an idempotency key can be searched for', async () => {
    await api('/Notes', {
      json: {
        data: [
          {
            Note_Content: 'Drafted by Sergas',
            Parent_Id: { id: ACME, module: { api_name: 'Accounts' } },
            Sergas_Key: 'rec-123',
          },
        ],
      },
    });
    const body = await (
      await api(`/Notes/search?criteria=${encodeURIComponent('(Sergas_Key:equals:rec-123)')}`)
    ).json();
    expect(body.data.map((record: Json) => record.Note_Content)).toEqual(['Drafted by Sergas']);
  });
});

describe('persistence', () => {
  it('keeps created records across a store re-open', async () => {
    const response = await api('/Tasks', { json: { data: [task('Survives a restart')] } });
    const { id } = (await response.json()).data[0].details;
    const reopened = await SandboxStore.open(dir);
    expect(reopened.get('Tasks', id)).toMatchObject({ Subject: 'Survives a restart' });
    expect(reopened.list('Accounts')).toHaveLength(6);
  });

  it('leaves no temporary files behind', async () => {
    await store.flush();
    expect(await readdir(dir)).toEqual(['org.json']);
  });

  function task(subject: string) {
    return { Subject: subject, What_Id: { id: ACME }, $se_module: 'Accounts' };
  }
});

describe('GET /sandbox/health', () => {
  it('answers 200 {ok: true} without authentication', async () => {
    const response = await fetch(`${server.url}/sandbox/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });
});
