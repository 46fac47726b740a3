import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SANDBOX_ADMIN_SECRET, SANDBOX_ADMIN_HEADER } from '../../../local/zoho-sandbox/sandbox-faults.ts';
import { loadSandboxFile, type SandboxOrg } from '../../../local/zoho-sandbox/sandbox-org.ts';
import { MemoryCache } from '../../../shared/adapters/cache/memory-cache.ts';
import {
  ZohoBulkReadClient,
  type ZohoBulkReadClientOptions,
} from '../../../shared/adapters/zoho/zoho-bulk-read-client.ts';
import { ZohoOAuth } from '../../../shared/adapters/zoho/zoho-oauth.ts';
import { ZohoRestClient } from '../../../shared/adapters/zoho/zoho-rest-client.ts';
import { toAccount, toActivity, toContact, toDeal, ZOHO_FIELDS } from '../../../shared/domain/zoho-mapping.ts';
import { CrmRequestError, RetryableUpstreamError } from '../../../shared/errors.ts';
import type { BulkReadModule, ZohoRecord } from '../../../shared/ports/crm-client.ts';
import { type RunningSandbox, SMALL_ORG_FILE, startSandbox } from './sandbox-harness.ts';

// The Bulk Read client against the sandbox over real HTTP: what it yields must be what the REST client
// lists, so a full sync can take either.

const MODULES: readonly BulkReadModule[] = ['Accounts', 'Contacts', 'Deals', 'Tasks', 'Calls', 'Events'];
/** Lookups that name a user: REST and the export both give the user's name and email. */
const OWNER_FIELDS = new Set(['Owner', 'Created_By', 'Modified_By']);
const FAST_POLLS = { pollDelayMs: 1, maxPollDelayMs: 5 } as const;

let org: SandboxOrg;
beforeAll(async () => {
  org = await loadSandboxFile(SMALL_ORG_FILE);
});

function clients(sandbox: RunningSandbox, options: Partial<ZohoBulkReadClientOptions> = {}) {
  const tokens = new ZohoOAuth(sandbox.oauthConfig(), { cache: new MemoryCache() });
  return {
    bulk: new ZohoBulkReadClient({ tokens, ...FAST_POLLS, ...options }),
    rest: new ZohoRestClient({ tokens }),
  };
}

async function exportAll(client: ZohoBulkReadClient, module: BulkReadModule, fields: readonly string[]) {
  const pages: ZohoRecord[][] = [];
  const result = await client.exportModule(module, fields, async (records) => {
    pages.push(records);
  });
  return { ...result, pages, records: pages.flat() };
}

async function listAll(client: ZohoRestClient, module: BulkReadModule, fields: readonly string[]) {
  const records: ZohoRecord[] = [];
  for (let page = 1; ; page++) {
    const listed = await client.listRecords(module, { fields, page, sortBy: 'id', sortOrder: 'asc' });
    records.push(...listed.records);
    if (!listed.moreRecords) return records;
  }
}

/** A REST record as the export can give it: lookup names are not in Zoho's CSV, only ids. */
function withLookupsById(record: ZohoRecord): ZohoRecord {
  const out: ZohoRecord = { ...record };
  for (const [field, value] of Object.entries(record)) {
    if (OWNER_FIELDS.has(field) || typeof value !== 'object' || value === null || !('id' in value)) continue;
    out[field] = { id: value.id };
  }
  return out;
}

const byId = (a: ZohoRecord, b: ZohoRecord) => a.id.localeCompare(b.id);

describe('exporting the small org through Bulk Read', () => {
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    // Every test here downloads; Zoho's 10 a minute has a test of its own below.
    sandbox = await startSandbox(org, { bulkRead: { downloadsPerMinute: 1000 } });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it.each(MODULES)('yields the %s records REST lists, lookups by id and owners in full', async (module) => {
    const { bulk, rest } = clients(sandbox);
    // An event's participants are a list of people, which a CSV cell can only carry as text; the
    // mapping does not read them.
    const fields = ZOHO_FIELDS[module].filter((field) => field !== 'Participants');
    const exported = await exportAll(bulk, module, fields);
    const listed = await listAll(rest, module, fields);

    expect(exported.records.length).toBe(org[module].length);
    expect([...exported.records].sort(byId)).toEqual(listed.map(withLookupsById).sort(byId));
  });

  it.each(MODULES)('maps %s to the same domain values as the REST records do', async (module) => {
    const { bulk, rest } = clients(sandbox);
    const links = { accountOfDeal: () => 'acct', accountOfContact: () => 'acct' };
    const map = (raw: ZohoRecord) => {
      if (module === 'Accounts') return toAccount(raw);
      if (module === 'Contacts') return toContact(raw);
      if (module === 'Deals') return toDeal(raw);
      return toActivity(module, raw, links);
    };
    const exported = (await exportAll(bulk, module, ZOHO_FIELDS[module])).records.sort(byId).map(map);
    const listed = (await listAll(rest, module, ZOHO_FIELDS[module])).sort(byId).map(map);

    expect(exported.every((result) => result.ok)).toBe(true);
    expect(exported).toEqual(listed);
  });

  it('types numbers, booleans and empty cells by the field metadata', async () => {
    const { bulk } = clients(sandbox);
    const { records } = await exportAll(bulk, 'Accounts', ['Annual_Revenue', 'Employees', 'Phone', 'Parent_Account']);
    const acme = records.find((record) => record.id === org.Accounts[0]!.id);
    expect(acme).toEqual({
      id: org.Accounts[0]!.id,
      Annual_Revenue: 48_000_000,
      Employees: 210,
      // A phone number stays text however numeric it looks.
      Phone: '+1 (312) 555-0134',
      Parent_Account: null,
    });
  });

  it('hands the records over in pages of the size it was given', async () => {
    const { bulk } = clients(sandbox, { pageSize: 4 });
    const { pages, records, jobs } = await exportAll(bulk, 'Accounts', ['Account_Name']);
    expect(pages.map((page) => page.length)).toEqual([4, org.Accounts.length - 4]);
    expect({ records: records.length, jobs }).toEqual({ records: org.Accounts.length, jobs: 1 });
  });

  it('counts each metadata read, job, poll and download as an API call, and reuses the metadata', async () => {
    const { bulk } = clients(sandbox);
    await exportAll(bulk, 'Accounts', ['Account_Name', 'Owner']);
    // Fields, users, the job, two polls (the sandbox completes a job on its second), the download.
    expect(bulk.apiCalls).toBe(6);
    await exportAll(bulk, 'Accounts', ['Account_Name', 'Owner']);
    expect(bulk.apiCalls).toBe(10);
  });

  it('refuses Notes without calling Zoho', async () => {
    const { bulk } = clients(sandbox);
    const refused = bulk.exportModule('Notes' as BulkReadModule, ['Note_Content'], async () => {});
    await expect(refused).rejects.toBeInstanceOf(CrmRequestError);
    await expect(refused).rejects.toMatchObject({ details: { code: 'NOT_SUPPORTED' } });
    expect(bulk.apiCalls).toBe(0);
  });

  it('hands an error thrown while handling a page back as it was thrown', async () => {
    const { bulk } = clients(sandbox);
    const failure = new Error('the copy is down');
    await expect(
      bulk.exportModule('Accounts', ['Account_Name'], async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
  });
});

describe('exporting a module larger than one job', () => {
  let sandbox: RunningSandbox | undefined;
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  it('runs a job per slice, following next_page_token, and yields every record once', async () => {
    sandbox = await startSandbox(org, { bulkRead: { recordsPerJob: 5 } });
    const { bulk } = clients(sandbox);
    const { records, jobs } = await exportAll(bulk, 'Contacts', ['Last_Name']);
    expect(jobs).toBe(Math.ceil(org.Contacts.length / 5));
    expect(records.map((record) => record.id).sort()).toEqual(org.Contacts.map((contact) => contact.id).sort());
  });

  it('waits out Zoho’s download limit instead of failing', async () => {
    sandbox = await startSandbox(org, { bulkRead: { downloadsPerMinute: 1 } });
    const running = sandbox;
    const waits: number[] = [];
    const { bulk } = clients(running, {
      // Waiting out the limit moves the sandbox's clock instead of the test's.
      sleep: async (ms) => {
        if (ms >= 1000) {
          waits.push(ms);
          running.advanceClock(ms / 1000);
        }
      },
      downloadLimitWaitsMs: [60_000],
    });
    await exportAll(bulk, 'Accounts', ['Account_Name']);
    const deals = await exportAll(bulk, 'Deals', ['Deal_Name']);
    expect(deals.records).toHaveLength(org.Deals.length);
    expect(waits).toEqual([60_000]);
  });

  it('fails with a retryable upstream error while the Bulk API is out', async () => {
    sandbox = await startSandbox(org);
    const faults = await fetch(`${sandbox.url}/sandbox/admin/faults`, {
      method: 'PUT',
      headers: { [SANDBOX_ADMIN_HEADER]: DEFAULT_SANDBOX_ADMIN_SECRET, 'content-type': 'application/json' },
      body: JSON.stringify({ bulkOutage: true }),
    });
    expect(faults.status).toBe(200);
    const { bulk } = clients(sandbox, { retries: 0 });
    await expect(exportAll(bulk, 'Accounts', ['Account_Name'])).rejects.toBeInstanceOf(RetryableUpstreamError);
  });
});
