import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoOrg } from '../../../local/zoho-sandbox/demo-org-generator.ts';
import { loadSandboxFile } from '../../../local/zoho-sandbox/sandbox-org.ts';
import { type SandboxServer, startSandboxServer } from '../../../local/zoho-sandbox/sandbox-server.ts';
import { SandboxStore } from '../../../local/zoho-sandbox/sandbox-store.ts';

const FIXTURE = new URL('../../fixtures/sandbox/small-org.json', import.meta.url).pathname;
const ADMIN = '4876876000000000101';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are whatever the sandbox sent; the assertions check them.
type Json = Record<string, any>;

let dir: string;
let server: SandboxServer;
let token: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sandbox-metadata-'));
  const store = await SandboxStore.open(dir);
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

const api = (path: string) =>
  fetch(`${server.url}/crm/v8${path}`, { headers: { Authorization: `Zoho-oauthtoken ${token}` } });

async function fieldsOf(module: string): Promise<Map<string, Json>> {
  const response = await api(`/settings/fields?module=${module}`);
  expect(response.status).toBe(200);
  const { fields } = await response.json();
  return new Map(fields.map((field: Json) => [field.api_name, field]));
}

describe('module metadata', () => {
  it('lists the seven modules with their labels, all API-supported', async () => {
    const response = await api('/settings/modules');
    expect(response.status).toBe(200);
    const { modules } = await response.json();
    expect(modules.map((m: Json) => m.api_name)).toEqual([
      'Accounts',
      'Contacts',
      'Deals',
      'Tasks',
      'Calls',
      'Events',
      'Notes',
    ]);
    expect(modules.every((m: Json) => m.api_supported === true && /^\d{19}$/.test(m.id))).toBe(true);
    expect(modules.find((m: Json) => m.api_name === 'Events')).toMatchObject({
      singular_label: 'Meeting',
      plural_label: 'Meetings',
      module_name: 'Meetings',
    });
  });

  it('serves one module by its API name', async () => {
    const { modules } = await (await api('/settings/modules/deals')).json();
    expect(modules).toEqual([expect.objectContaining({ api_name: 'Deals', singular_label: 'Deal' })]);
  });
});

describe('field metadata', () => {
  it('describes account fields with data types, mandatory and custom flags', async () => {
    const fields = await fieldsOf('Accounts');
    expect(fields.get('Account_Name')).toMatchObject({
      data_type: 'text',
      json_type: 'string',
      system_mandatory: true,
      custom_field: false,
      length: 255,
    });
    expect(fields.get('Owner')).toMatchObject({ data_type: 'ownerlookup', system_mandatory: false });
    expect(fields.get('Annual_Revenue')).toMatchObject({ data_type: 'currency' });
    expect(fields.get('Employees')).toMatchObject({ data_type: 'integer' });
    expect(fields.get('Description')).toMatchObject({ data_type: 'textarea' });
    expect(fields.get('Modified_Time')).toMatchObject({ data_type: 'datetime', read_only: true });
    expect(fields.get('Contract_End_Date')).toMatchObject({ data_type: 'date', custom_field: true });
    expect(fields.get('Sergas_Key')).toMatchObject({ data_type: 'text', custom_field: true });
  });

  it('gives picklists their values and lookups their module', async () => {
    const deals = await fieldsOf('Deals');
    const stage = deals.get('Stage')!;
    expect(stage.data_type).toBe('picklist');
    expect(stage.pick_list_values.map((v: Json) => v.actual_value)).toEqual([
      'Qualification',
      'Needs Analysis',
      'Value Proposition',
      'Id. Decision Makers',
      'Proposal/Price Quote',
      'Negotiation/Review',
      'Closed Won',
      'Closed Lost',
    ]);
    expect(stage.pick_list_values[0]).toEqual({
      display_value: 'Qualification',
      actual_value: 'Qualification',
      id: expect.stringMatching(/^\d{19}$/),
      sequence_number: 1,
      type: 'used',
    });
    expect(deals.get('Account_Name')).toMatchObject({
      data_type: 'lookup',
      lookup: { module: { api_name: 'Accounts' } },
    });
    expect(deals.get('Contact_Name')?.lookup.module.api_name).toBe('Contacts');
    expect(deals.get('Deal_Name')?.pick_list_values).toEqual([]);
  });

  it('marks each module’s mandatory fields as in Zoho', async () => {
    const mandatory = async (module: string) =>
      [...(await fieldsOf(module)).values()].filter((f) => f.system_mandatory).map((f) => f.api_name);
    expect(await mandatory('Deals')).toEqual(['Deal_Name', 'Stage']);
    expect(await mandatory('Calls')).toEqual(['Subject', 'Call_Type', 'Call_Start_Time', 'Call_Duration']);
    expect(await mandatory('Notes')).toEqual(['Note_Content', 'Parent_Id']);
  });

  it('offers every picklist value the demo org uses', async () => {
    const org = generateDemoOrg({ accounts: 40, seed: 7, asOf: new Date('2026-11-24T00:00:00Z') });
    for (const module of ['Accounts', 'Deals', 'Tasks', 'Calls'] as const) {
      const fields = await fieldsOf(module);
      for (const record of org[module] as Json[]) {
        for (const [name, field] of fields) {
          if (field.data_type !== 'picklist' || record[name] === null || record[name] === undefined) continue;
          expect(
            field.pick_list_values.map((v: Json) => v.actual_value),
            `${module}.${name}`,
          ).toContain(record[name]);
        }
      }
    }
  });

  it('wants a module, and a known one', async () => {
    const missing = await api('/settings/fields');
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ code: 'REQUIRED_PARAM_MISSING', details: { param_name: 'module' } });
    expect((await (await api('/settings/fields?module=Leads')).json()).code).toBe('INVALID_MODULE');
  });
});

describe('related-list metadata', () => {
  it('lists a module’s related lists in Zoho’s shape, with the href to call each by', async () => {
    const response = await api('/settings/related_lists?module=accounts');
    expect(response.status).toBe(200);
    const { related_lists: lists } = await response.json();
    expect(lists.map((list: Json) => list.api_name)).toEqual([
      'Contacts',
      'Deals',
      'Tasks',
      'Calls',
      'Events',
      'Notes',
    ]);
    const { modules } = await (await api('/settings/modules/Contacts')).json();
    expect(lists[0]).toEqual({
      id: expect.stringMatching(/^\d{19}$/),
      sequence_number: '1',
      display_label: 'Contacts',
      api_name: 'Contacts',
      module: { api_name: 'Contacts', id: modules[0].id },
      name: 'Contacts',
      action: null,
      href: 'Accounts/{ENTITYID}/Contacts',
      type: 'default',
      connectedmodule: null,
      linkingmodule: null,
    });
    expect(lists.find((list: Json) => list.api_name === 'Events')).toMatchObject({ display_label: 'Meetings' });
    expect(new Set(lists.map((list: Json) => list.id)).size).toBe(lists.length);
  });

  it('gives a deal’s Stage_History no module of its own, and serves every list it names', async () => {
    const { related_lists: lists } = await (await api('/settings/related_lists?module=Deals')).json();
    expect(lists.find((list: Json) => list.api_name === 'Stage_History')).toMatchObject({
      module: null,
      href: 'Deals/{ENTITYID}/Stage_History',
    });
    const deal = (await (await api('/Deals?fields=Deal_Name&per_page=1')).json()).data[0];
    for (const list of lists) {
      const path = list.href.replace('{ENTITYID}', deal.id);
      expect((await api(`/${path}?fields=id`)).status, path).not.toBe(400);
    }
  });

  it('wants a module, and a known one', async () => {
    const missing = await api('/settings/related_lists');
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ code: 'REQUIRED_PARAM_MISSING', details: { param_name: 'module' } });
    const unknown = await api('/settings/related_lists?module=Leads');
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ code: 'INVALID_MODULE', status: 'error' });
  });
});

describe('the current user', () => {
  it('is the org’s administrator', async () => {
    const response = await api('/users?type=CurrentUser');
    expect(response.status).toBe(200);
    const { users } = await response.json();
    expect(users).toEqual([
      expect.objectContaining({ id: ADMIN, profile: expect.objectContaining({ name: 'Administrator' }) }),
    ]);
  });
});
