import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { strFromU8, unzipSync } from 'fflate';
import { afterEach, describe, expect, it } from 'vitest';
import type { SandboxBulkReadOptions } from '../../../local/zoho-sandbox/sandbox-bulk-read.ts';
import type { ZohoRecord } from '../../../local/zoho-sandbox/sandbox-org.ts';
import { parseCsv } from '../../../shared/adapters/zoho/csv.ts';
import { startTestSandbox, type TestSandbox } from './sandbox-test-server.ts';

// Zoho's Bulk Read as the sandbox serves it (reference §6), over real HTTP: job, report, ZIP, callback.

// biome-ignore lint/suspicious/noExplicitAny: response bodies are whatever the sandbox sent; the assertions check them.
type Json = Record<string, any>;

const sandboxes: TestSandbox[] = [];
const receivers: Server[] = [];

afterEach(async () => {
  await Promise.all(sandboxes.splice(0).map((running) => running.close()));
  await Promise.all(receivers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A sandbox whose jobs complete only when polled twice, unless a test asks otherwise. */
async function sandbox(bulkRead: SandboxBulkReadOptions = {}) {
  const running = await startTestSandbox({ bulkRead: { completeAfterMs: 60_000, ...bulkRead } });
  sandboxes.push(running);
  const token = await running.token();
  const bulk = (path: string, init: RequestInit = {}) =>
    fetch(`${running.server.url}/crm/bulk/v8/${path}`, {
      ...init,
      headers: { authorization: `Zoho-oauthtoken ${token}`, ...init.headers },
    });
  const create = (body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    bulk('read', { method: 'POST', headers, body: JSON.stringify(body) });
  const poll = async (id: string): Promise<Json> => (await bulk(`read/${id}`)).json();
  /** Creates a job, polls it to completion and answers its report. */
  const run = async (query: Json): Promise<Json> => {
    const created = await create({ query });
    expect(created.status).toBe(201);
    const id: string = (await created.json()).data[0].details.id;
    let report = await poll(id);
    while (report.data[0].state !== 'COMPLETED') report = await poll(id);
    return report.data[0];
  };
  /** The CSV of a completed job, as rows. */
  const csvOf = async (id: string) => {
    const response = await bulk(`read/${id}/result`);
    expect(response.status).toBe(200);
    const files = unzipSync(new Uint8Array(await response.arrayBuffer()));
    return { files: Object.keys(files), rows: parseCsv(strFromU8(files[`${id}.csv`] ?? new Uint8Array())) };
  };
  return { running, store: running.store, create, poll, run, csvOf, bulk };
}

const idsOf = (records: readonly ZohoRecord[]) => records.map((record) => record.id).sort();

describe('a Bulk Read job in the sandbox', () => {
  it('is added, then in progress, then completed, with a result to download', async () => {
    const { create, poll, store } = await sandbox();
    const created = await create({ query: { module: { api_name: 'Deals' }, fields: ['Deal_Name'] } });
    const added: Json = await created.json();
    expect(created.status).toBe(201);
    expect(added).toEqual({
      data: [
        {
          status: 'success',
          code: 'ADDED_SUCCESSFULLY',
          message: 'Added successfully.',
          details: {
            id: expect.stringMatching(/^\d{19}$/),
            operation: 'read',
            state: 'ADDED',
            created_by: { id: expect.any(String), name: expect.any(String) },
            created_time: '2026-11-24T09:00:00+00:00',
          },
        },
      ],
      info: {},
    });
    const id = added.data[0].details.id;

    expect((await poll(id)).data[0]).toMatchObject({ id, state: 'IN PROGRESS' });
    const done = (await poll(id)).data[0];
    expect(done).toMatchObject({
      id,
      operation: 'read',
      state: 'COMPLETED',
      query: { module: { api_name: 'Deals' }, fields: ['Deal_Name'] },
      file_type: 'csv',
      result: {
        page: 1,
        per_page: 200_000,
        count: store.list('Deals').length,
        download_url: `/crm/bulk/v8/read/${id}/result`,
        more_records: false,
      },
    });
  });

  it('serves a ZIP holding {job_id}.csv, the id column first and one row per record', async () => {
    const { run, csvOf, store } = await sandbox();
    const job = await run({ module: { api_name: 'Accounts' }, fields: ['Account_Name', 'Annual_Revenue'] });
    const { files, rows } = await csvOf(job.id);
    const [header, ...records] = rows;
    expect(files).toEqual([`${job.id}.csv`]);
    expect(header).toEqual(['id', 'Account_Name', 'Annual_Revenue']);
    const accounts = store.list('Accounts');
    expect(records).toHaveLength(accounts.length);
    for (const account of accounts) {
      expect(records).toContainEqual([account.id, account.Account_Name, String(account.Annual_Revenue ?? '')]);
    }
  });

  it('writes commas, quotes and line breaks in values as RFC 4180 quoting keeps them', async () => {
    const { run, csvOf, store } = await sandbox();
    const [account] = store.list('Accounts');
    const text = 'Renewal, "premium" tier\r\nsecond line';
    await store.update('Accounts', [{ id: account!.id, Description: text }], { id: 'u', name: 'Test' });

    const job = await run({ module: { api_name: 'Accounts' }, fields: ['Description'] });

    const { rows } = await csvOf(job.id);
    expect(rows).toContainEqual([account!.id, text]);
  });

  it('exports the owner and lookups as ids, and What_Id with its $se_module', async () => {
    const { run, csvOf, store } = await sandbox();
    const job = await run({ module: { api_name: 'Tasks' }, fields: ['Subject', 'Owner', 'What_Id', 'Who_Id'] });
    const [header, ...records] = (await csvOf(job.id)).rows;
    expect(header).toEqual(['id', 'Subject', 'Owner', 'What_Id', '$se_module', 'Who_Id']);
    const lookupId = (value: unknown) => (value as { id?: string } | null | undefined)?.id ?? '';
    for (const task of store.list('Tasks')) {
      expect(records).toContainEqual([
        task.id,
        task.Subject,
        lookupId(task.Owner),
        lookupId(task.What_Id),
        task.$se_module ?? '',
        lookupId(task.Who_Id),
      ]);
    }
  });

  it('exports every field of the module when no fields are named', async () => {
    const { run, csvOf } = await sandbox();
    const job = await run({ module: { api_name: 'Deals' } });
    const [header] = (await csvOf(job.id)).rows;
    expect(header?.[0]).toBe('id');
    expect(header).toEqual(expect.arrayContaining(['Deal_Name', 'Stage', 'Amount', 'Owner', 'Modified_Time']));
  });

  it('exports only the records its criteria match', async () => {
    const { run, csvOf, store } = await sandbox();
    const since = '2026-01-01T00:00:00+00:00';
    const job = await run({
      module: { api_name: 'Deals' },
      fields: ['Stage'],
      criteria: {
        group_operator: 'and',
        group: [
          { field: { api_name: 'Modified_Time' }, comparator: 'greater_than', value: since },
          { field: { api_name: 'Stage' }, comparator: 'not_equal', value: 'Closed Lost' },
        ],
      },
    });
    const expected = store
      .list('Deals')
      .filter((deal) => Date.parse(String(deal.Modified_Time)) > Date.parse(since) && deal.Stage !== 'Closed Lost');
    expect(expected.length).toBeGreaterThan(0);
    expect(job.result.count).toBe(expected.length);
    const [, ...records] = (await csvOf(job.id)).rows;
    expect(records.map(([id]) => id).sort()).toEqual(idsOf(expected));
  });

  it.each([
    ['in', ['Closed Won', 'Closed Lost'], (stage: string) => stage.startsWith('Closed')],
    ['equal', 'Needs Analysis', (stage: string) => stage === 'Needs Analysis'],
  ])('filters a picklist with %s', async (comparator, value, keeps) => {
    const { run, csvOf, store } = await sandbox();
    const job = await run({
      module: { api_name: 'Deals' },
      fields: ['Stage'],
      criteria: { field: { api_name: 'Stage' }, comparator, value },
    });
    const [, ...records] = (await csvOf(job.id)).rows;
    expect(records.map(([id]) => id).sort()).toEqual(idsOf(store.list('Deals').filter((d) => keeps(String(d.Stage)))));
  });

  it('filters a creation time between two instants', async () => {
    const { run, store } = await sandbox();
    const range = ['2025-01-01T00:00:00+00:00', '2026-12-31T00:00:00+00:00'];
    const job = await run({
      module: { api_name: 'Contacts' },
      fields: ['Last_Name'],
      criteria: { field: { api_name: 'Created_Time' }, comparator: 'between', value: range },
    });
    const inRange = store.list('Contacts').filter((contact) => {
      const at = Date.parse(String(contact.Created_Time));
      return at >= Date.parse(range[0]!) && at <= Date.parse(range[1]!);
    });
    expect(job.result.count).toBe(inRange.length);
  });

  it.each([
    ['a field the module lacks', { field: { api_name: 'No_Such_Field' }, comparator: 'equal', value: 'x' }],
    ['an unknown comparator', { field: { api_name: 'Stage' }, comparator: 'sounds_like', value: 'x' }],
    ['between with one value', { field: { api_name: 'Modified_Time' }, comparator: 'between', value: '2026-01-01' }],
    ['a time that is not one', { field: { api_name: 'Modified_Time' }, comparator: 'greater_than', value: 'soon' }],
    ['a group without an operator', { group: [{ field: { api_name: 'Stage' }, comparator: 'equal', value: 'x' }] }],
  ])('refuses criteria with %s as INVALID_CRITERIA', async (_what, criteria) => {
    const { create } = await sandbox();
    const response = await create({ query: { module: { api_name: 'Deals' }, criteria } });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'INVALID_CRITERIA', status: 'error' });
  });

  it('refuses a job sent without a JSON content type with 415 MEDIA_TYPE_NOT_SUPPORTED', async () => {
    const { create } = await sandbox();
    const response = await create({ query: { module: { api_name: 'Deals' } } }, { 'content-type': 'text/plain' });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ code: 'MEDIA_TYPE_NOT_SUPPORTED', status: 'error' });
  });

  it.each(['Notes', 'Leads_Unknown'])('refuses to export %s with MODULE_NOT_SUPPORTED', async (module) => {
    const { create } = await sandbox();
    const response = await create({ query: { module: { api_name: module } } });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'MODULE_NOT_SUPPORTED', details: { module } });
  });

  it('answers RESOURCE_NOT_FOUND for a job it does not know, and for a result not ready yet', async () => {
    const { create, bulk } = await sandbox();
    expect((await bulk('read/5725767000000000404')).status).toBe(404);
    const id = (await (await create({ query: { module: { api_name: 'Deals' } } })).json()).data[0].details.id;
    const early = await bulk(`read/${id}/result`);
    expect(early.status).toBe(404);
    expect(await early.json()).toMatchObject({ code: 'RESOURCE_NOT_FOUND' });
  });

  it('splits a module into jobs, the next reached through next_page_token or page 2', async () => {
    const { run, csvOf, store } = await sandbox({ recordsPerJob: 5 });
    const query = { module: { api_name: 'Contacts' }, fields: ['Last_Name'] };
    const first = await run(query);
    expect(first.result).toMatchObject({ page: 1, per_page: 5, count: 5, more_records: true });
    const byToken = await run({ ...query, page_token: first.result.next_page_token });
    const byPage = await run({ ...query, page: 2 });
    expect(byToken.result).toMatchObject({ page: 2, count: 5, more_records: true });
    expect((await csvOf(byToken.id)).rows).toEqual((await csvOf(byPage.id)).rows);
    const last = await run({ ...query, page_token: byToken.result.next_page_token });
    expect(last.result).toMatchObject({ page: 3, count: store.list('Contacts').length - 10, more_records: false });
  });

  it('refuses a page token from another query', async () => {
    const { run, create } = await sandbox({ recordsPerJob: 5 });
    const first = await run({ module: { api_name: 'Contacts' }, fields: ['Last_Name'] });
    const response = await create({
      query: { module: { api_name: 'Contacts' }, fields: ['Email'], page_token: first.result.next_page_token },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'TOKEN_BOUND_DATA_MISMATCH' });
  });
});

describe('the Bulk Read callback', () => {
  it('receives the same report a poll gives, once the job completes on its own', async () => {
    const received: Json[] = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(200).end();
      });
    });
    receivers.push(receiver);
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/bulk-done`;
    const { create, poll, running } = await sandbox({ completeAfterMs: 20 });

    const created = await create({
      callback: { url, method: 'post' },
      query: { module: { api_name: 'Accounts' }, fields: ['Account_Name'] },
    });
    const id = (await created.json()).data[0].details.id;
    await expect.poll(() => received.length, { timeout: 5000 }).toBe(1);
    await running.server.bulkRead.idle();

    expect(received[0]).toEqual(await poll(id));
    expect(received[0]?.data[0]).toMatchObject({ id, state: 'COMPLETED', result: { count: 6 } });
  });

  it('must be a web address taking POST', async () => {
    const { create } = await sandbox();
    const response = await create({
      callback: { url: 'ftp://example.com/done', method: 'post' },
      query: { module: { api_name: 'Accounts' } },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'INVALID_DATA', details: { api_name: 'callback.url' } });
  });
});

describe('Bulk Read under the limits and faults of any CRM call', () => {
  it('allows 10 downloads a minute and answers the 11th with 429 until the minute has passed', async () => {
    const { run, bulk, running } = await sandbox();
    const job = await run({ module: { api_name: 'Accounts' }, fields: ['Account_Name'] });
    for (let i = 0; i < 10; i++) expect((await bulk(`read/${job.id}/result`)).status).toBe(200);

    const refused = await bulk(`read/${job.id}/result`);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ code: 'TOO_MANY_REQUESTS' });

    running.advanceClock(60_000);
    expect((await bulk(`read/${job.id}/result`)).status).toBe(200);
  });

  it('charges one credit for each job, poll and download', async () => {
    const { run, bulk, running } = await sandbox();
    const before = running.server.limits.used();
    const job = await run({ module: { api_name: 'Accounts' } });
    await bulk(`read/${job.id}/result`);
    // One job, two polls, one download.
    expect(running.server.limits.used() - before).toBe(4);
  });

  it('asks for a valid access token', async () => {
    const { running } = await sandbox();
    const response = await fetch(`${running.server.url}/crm/bulk/v8/read`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: { module: { api_name: 'Accounts' } } }),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'AUTHENTICATION_FAILURE' });
  });

  it('answers 503 during a bulk outage while the records API still answers', async () => {
    const { create, running } = await sandbox();
    running.server.faults.apply({ bulkOutage: true });
    expect((await create({ query: { module: { api_name: 'Accounts' } } })).status).toBe(503);
    expect((await running.crm('Accounts?fields=Account_Name')).status).toBe(200);
  });

  it('fails with the injected error rate like any CRM call', async () => {
    const { create, running } = await sandbox();
    running.server.faults.apply({ errorRate: 1 });
    const response = await create({ query: { module: { api_name: 'Accounts' } } });
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ code: 'INTERNAL_ERROR' });
  });
});
