import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSandboxFile } from '../../../local/zoho-sandbox/sandbox-org.ts';
import { type SandboxServer, startSandboxServer } from '../../../local/zoho-sandbox/sandbox-server.ts';
import { SandboxStore } from '../../../local/zoho-sandbox/sandbox-store.ts';

const FIXTURE = new URL('../../fixtures/sandbox/small-org.json', import.meta.url).pathname;
const ACME = '4876876000000001001';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are whatever the sandbox sent; the assertions check them.
type Json = Record<string, any>;

let dir: string;
let store: SandboxStore;
let server: SandboxServer;
let token: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sandbox-coql-'));
  store = await SandboxStore.open(dir);
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

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const coql = (select_query: unknown) =>
  fetch(`${server.url}/crm/v8/coql`, {
    method: 'POST',
    body: JSON.stringify({ select_query }),
    headers: { Authorization: `Zoho-oauthtoken ${token}` },
  });

async function rows(query: string): Promise<Json> {
  const response = await coql(query);
  expect(response.status).toBe(200);
  return response.json();
}

async function refused(query: string, code: string): Promise<Json> {
  const response = await coql(query);
  expect(response.status).toBe(400);
  const body = await response.json();
  expect(body).toMatchObject({ code, status: 'error' });
  return body;
}

describe('COQL queries', () => {
  it('selects the named fields and the id of matching records, in the order asked', async () => {
    const body = await rows(
      "select Account_Name, Modified_Time from Accounts where Modified_Time > '2026-11-01T00:00:00+00:00' order by Modified_Time desc",
    );
    const expected = store
      .list('Accounts')
      .filter((a) => Date.parse(String(a.Modified_Time)) > Date.parse('2026-11-01T00:00:00Z'))
      .sort((a, b) => Date.parse(String(b.Modified_Time)) - Date.parse(String(a.Modified_Time)));
    expect(body.data.map((row: Json) => row.id)).toEqual(expected.map((a) => a.id));
    expect(Object.keys(body.data[0]).sort()).toEqual(['Account_Name', 'Modified_Time', 'id']);
    expect(body.info).toEqual({ count: expected.length, more_records: false });
  });

  it('answers lookups as {id}, and reaches into a lookup with a dotted name', async () => {
    const body = await rows(
      `select Deal_Name, Account_Name, Account_Name.Account_Name, Owner from Deals where Account_Name = '${ACME}'`,
    );
    expect(body.data.length).toBeGreaterThan(0);
    for (const row of body.data) {
      expect(row.Account_Name).toEqual({ id: ACME });
      expect(row['Account_Name.Account_Name']).toBe('Acme Analytics Inc.');
      expect(Object.keys(row.Owner)).toEqual(['id']);
    }
  });

  it('filters through a lookup’s fields', async () => {
    const body = await rows("select Last_Name from Contacts where Account_Name.Account_Name like 'acme%'");
    expect(body.data.map((row: Json) => row.id).sort()).toEqual(
      store
        .related('Accounts', ACME, 'Contacts')
        ?.map((contact) => contact.id)
        .sort(),
    );
  });

  it('pages with limit offset, count and says whether more records follow', async () => {
    const first = await rows('select Subject from Tasks where Subject is not null order by id limit 0, 3');
    const second = await rows('select Subject from Tasks where Subject is not null order by id limit 3, 3');
    expect(first.info).toEqual({ count: 3, more_records: true });
    expect(second.data[0].id > first.data[2].id).toBe(true);
  });

  it('answers 204 when nothing matches', async () => {
    expect((await coql("select Account_Name from Accounts where Account_Name = 'Nobody'")).status).toBe(204);
  });

  it('refuses a query without where with SYNTAX_ERROR naming the clause', async () => {
    const body = await refused('select Account_Name from Accounts', 'SYNTAX_ERROR');
    expect(body.details).toEqual({ clause: 'where' });
  });

  it('refuses a limit above 2000 with LIMIT_EXCEEDED', async () => {
    await refused('select id from Accounts where id is not null limit 2001', 'LIMIT_EXCEEDED');
  });

  it('refuses unknown modules and fields, and multi-line fields in where, with INVALID_QUERY', async () => {
    await refused('select id from Leads where id is not null', 'INVALID_QUERY');
    const unknown = await refused('select Nope from Accounts where id is not null', 'INVALID_QUERY');
    expect(unknown.details).toMatchObject({ column_name: 'Nope' });
    await refused("select id from Accounts where Description like '%x%'", 'INVALID_QUERY');
    await refused("select id from Accounts where Account_Name.Account_Name = 'x'", 'INVALID_QUERY');
  });

  it('wants a select_query', async () => {
    expect((await (await coql(undefined)).json()).code).toBe('REQUIRED_PARAM_MISSING');
  });
});
