import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateDemoOrg } from '../../../local/zoho-sandbox/demo-org-generator.ts';
import { DEFAULT_SANDBOX_ADMIN_SECRET, SANDBOX_ADMIN_HEADER } from '../../../local/zoho-sandbox/sandbox-faults.ts';
import { loadSandboxFile, type SandboxOrg } from '../../../local/zoho-sandbox/sandbox-org.ts';
import { MemoryCache } from '../../../shared/adapters/cache/memory-cache.ts';
import { SqlCrmCopy } from '../../../shared/adapters/db/sql-crm-copy.ts';
import { TieredCrmClient } from '../../../shared/adapters/zoho/tiered-crm-client.ts';
import { ZohoBulkReadClient } from '../../../shared/adapters/zoho/zoho-bulk-read-client.ts';
import { ZohoOAuth } from '../../../shared/adapters/zoho/zoho-oauth.ts';
import { ZohoRestClient } from '../../../shared/adapters/zoho/zoho-rest-client.ts';
import type { Db } from '../../../shared/ports/db.ts';
import { type BulkReadFallback, type SyncFullResult, syncFull } from '../../../shared/use-cases/sync-full.ts';
import { freshPostgres, type TestDatabase } from '../../support/databases.ts';
import { type RunningSandbox, SMALL_ORG_FILE, startSandbox } from '../zoho/sandbox-harness.ts';

const AS_OF = new Date('2026-11-24T02:00:00Z');
const clock = { now: () => AS_OF };
const EXPORTED = ['Accounts', 'Contacts', 'Deals', 'Tasks', 'Calls', 'Events'] as const;
/** A module listing: `GET /crm/v8/{module}`, 200 records a call. */
const LISTING = new RegExp(`^/crm/v8/(${EXPORTED.join('|')})$`);

const written = (result: SyncFullResult) =>
  Object.values(result.counts).reduce((sum, c) => sum + c.inserted + c.updated, 0);

/** Counts the module listings a client sends. */
function countingListings() {
  const counted = { listings: 0 };
  const counting: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (LISTING.test(url.pathname)) counted.listings += 1;
    return fetch(input, init);
  };
  return { counted, fetch: counting };
}

/** The CRM client as the composition root builds it: REST, with Bulk Read for whole-module exports. */
function bulkReadingClient(sandbox: RunningSandbox, options: { fetch?: typeof fetch } = {}) {
  const tokens = new ZohoOAuth(sandbox.oauthConfig(), { cache: new MemoryCache() });
  const listings = countingListings();
  const bulk = new ZohoBulkReadClient({ tokens, pollDelayMs: 1, maxPollDelayMs: 5, retries: 0, ...options });
  const crm = new TieredCrmClient({
    tiers: [{ name: 'rest', client: new ZohoRestClient({ tokens, retries: 0, fetch: listings.fetch }) }],
    bulkRead: bulk,
    readAttempts: 1,
  });
  return { crm, bulk, counted: listings.counted };
}

/** A REST client alone: every module paged through. */
function pagingClient(sandbox: RunningSandbox) {
  const tokens = new ZohoOAuth(sandbox.oauthConfig(), { cache: new MemoryCache() });
  const listings = countingListings();
  return { crm: new ZohoRestClient({ tokens, fetch: listings.fetch }), counted: listings.counted };
}

/** The copy's rows, without what says when and from which raw shape they were written. */
async function copyOf(db: Db) {
  const tables = ['owners', 'accounts', 'contacts', 'deals', 'activities', 'notes'];
  const copy: Record<string, unknown[]> = {};
  for (const table of tables) {
    const rows = await db.query<Record<string, unknown>>(`SELECT * FROM ${table} ORDER BY id`);
    copy[table] = rows.map(({ raw: _raw, sync_hash: _hash, synced_at: _at, ...row }) => row);
  }
  copy.deal_stage_history = await db.query('SELECT * FROM deal_stage_history ORDER BY deal_id, stage, entered_at');
  copy.sync_state = await db.query('SELECT * FROM sync_state ORDER BY module');
  return copy;
}

async function setFaults(sandbox: RunningSandbox, faults: Record<string, unknown>) {
  const response = await fetch(`${sandbox.url}/sandbox/admin/faults`, {
    method: 'PUT',
    headers: { [SANDBOX_ADMIN_HEADER]: DEFAULT_SANDBOX_ADMIN_SECRET, 'content-type': 'application/json' },
    body: JSON.stringify(faults),
  });
  expect(response.status).toBe(200);
}

// One org, two copies: one filled through Bulk Read, one page by page. Building the org and both copies
// is the slow part, so the tests share them.
describe('a full sync of a 2,000-account org through Bulk Read', () => {
  let org: SandboxOrg;
  let sandbox: RunningSandbox;
  let bulkDb: TestDatabase;
  let pagedDb: TestDatabase;
  let bulkClient: ReturnType<typeof bulkReadingClient>;
  let pagedClient: ReturnType<typeof pagingClient>;
  let viaBulk: SyncFullResult;
  let viaPages: SyncFullResult;

  beforeAll(async () => {
    org = generateDemoOrg({ accounts: 2000, seed: 7, asOf: AS_OF });
    // Two bulk syncs download 12 results inside a minute; Zoho's 10 a minute is the sandbox tests' concern.
    sandbox = await startSandbox(org, { bulkRead: { downloadsPerMinute: 100 } });
    [bulkDb, pagedDb] = await Promise.all([freshPostgres(), freshPostgres()]);
    bulkClient = bulkReadingClient(sandbox);
    pagedClient = pagingClient(sandbox);
    viaBulk = await syncFull({ crm: bulkClient.crm, copy: new SqlCrmCopy(bulkDb.db), clock });
    viaPages = await syncFull({ crm: pagedClient.crm, copy: new SqlCrmCopy(pagedDb.db), clock });
  }, 240_000);

  afterAll(async () => {
    await sandbox?.close();
    await Promise.all([bulkDb?.drop(), pagedDb?.drop()]);
  });

  it('exports the six modules Zoho can export and pages through Notes', () => {
    expect(viaBulk.sources).toEqual({
      Accounts: 'bulk-read',
      Contacts: 'bulk-read',
      Deals: 'bulk-read',
      Tasks: 'bulk-read',
      Calls: 'bulk-read',
      Events: 'bulk-read',
      Notes: 'pages',
    });
    expect(viaBulk.bulkReadFallbacks).toEqual([]);
    expect(viaBulk.issues).toEqual([]);
  });

  it('fetches as many records per module as paging does', () => {
    const fetched = (result: SyncFullResult) =>
      Object.fromEntries(Object.entries(result.counts).map(([module, counts]) => [module, counts.fetched]));
    expect(fetched(viaBulk)).toEqual(fetched(viaPages));
    expect(viaBulk.counts.Calls.fetched).toBe(org.Calls.length);
  });

  it('leaves the same copy, cursors included, as a sync that pages through every module', async () => {
    const [bulkCopy, pagedCopy] = await Promise.all([copyOf(bulkDb.db), copyOf(pagedDb.db)]);
    expect(bulkCopy.accounts).toHaveLength(org.Accounts.length);
    expect(bulkCopy).toEqual(pagedCopy);
  });

  it('spends a few calls per module where paging spends one per 200 records', () => {
    const records = EXPORTED.reduce((sum, module) => sum + org[module].length, 0);
    expect(pagedClient.counted.listings).toBeGreaterThanOrEqual(records / 200);
    expect(bulkClient.counted.listings).toBe(0);
    // Per module: its field metadata, the job, two polls and the download; the users list once.
    expect(bulkClient.bulk.apiCalls).toBe(EXPORTED.length * 5 + 1);
    // …and one count per module, to see it holds enough records to be worth a job.
    expect(viaPages.apiCalls - viaBulk.apiCalls).toBe(
      pagedClient.counted.listings - bulkClient.bulk.apiCalls - EXPORTED.length,
    );
  });

  it('writes nothing when run again on the unchanged org', async () => {
    const again = await syncFull({ crm: bulkClient.crm, copy: new SqlCrmCopy(bulkDb.db), clock });
    expect(written(again)).toBe(0);
    expect(again.counts.Accounts).toMatchObject({ fetched: org.Accounts.length, unchanged: org.Accounts.length });
  });
});

describe('a full sync whose Bulk Read fails', () => {
  let org: SandboxOrg;
  let sandbox: RunningSandbox | undefined;
  let database: TestDatabase | undefined;

  beforeAll(async () => {
    org = await loadSandboxFile(SMALL_ORG_FILE);
  });

  afterEach(async () => {
    await sandbox?.close();
    await database?.drop();
    sandbox = undefined;
    database = undefined;
  });

  it('pages through the modules too small to be worth an export, asking Zoho their size once', async () => {
    sandbox = await startSandbox(org);
    database = await freshPostgres();
    const { crm, bulk } = bulkReadingClient(sandbox);
    const sizes = Object.fromEntries(EXPORTED.map((module) => [module, org[module].length]));
    const largest = EXPORTED.reduce((a, b) => (sizes[a]! >= sizes[b]! ? a : b));

    const result = await syncFull({ crm, copy: new SqlCrmCopy(database.db), clock }, { bulkReadFrom: sizes[largest] });

    const expected = Object.fromEntries(
      EXPORTED.map((module) => [module, sizes[module]! >= sizes[largest]! ? 'bulk-read' : 'pages']),
    );
    expect(result.sources).toEqual({ ...expected, Notes: 'pages' });
    expect(result.bulkReadFallbacks).toEqual([]);
    // One job for the largest module (its fields, the job, its polls and the download), no more.
    expect(bulk.apiCalls).toBeLessThanOrEqual(6);
    expect(result.counts[largest].fetched).toBe(sizes[largest]);
  });

  it('takes the module sizes it is given instead of asking Zoho again', async () => {
    sandbox = await startSandbox(org);
    database = await freshPostgres();
    const { crm } = bulkReadingClient(sandbox);
    const sizes = new Map(EXPORTED.map((module) => [module, 0]));
    const counts = vi.spyOn(crm, 'countRecords');

    const result = await syncFull(
      { crm, copy: new SqlCrmCopy(database.db), clock },
      { moduleSizes: sizes, bulkReadFrom: 1 },
    );

    expect(counts).not.toHaveBeenCalled();
    expect(Object.values(result.sources)).toEqual(Array(EXPORTED.length + 1).fill('pages'));
  });

  it('pages through every module while the Bulk API is down, and reports each fallback', async () => {
    sandbox = await startSandbox(org);
    database = await freshPostgres();
    await setFaults(sandbox, { bulkOutage: true });
    const { crm } = bulkReadingClient(sandbox);
    const told: BulkReadFallback[] = [];

    const result = await syncFull(
      { crm, copy: new SqlCrmCopy(database.db), clock },
      { onBulkReadFallback: (fallback) => told.push(fallback), bulkReadFrom: 0 },
    );

    expect(result.bulkReadFallbacks.map((fallback) => fallback.module)).toEqual([...EXPORTED]);
    expect(told).toEqual(result.bulkReadFallbacks);
    expect(result.bulkReadFallbacks[0]?.reason).toMatch(/^RetryableUpstreamError: .*HTTP 503/);
    // Five failures in a row open Bulk Read's breaker: the last module is paged without asking Zoho.
    expect(result.bulkReadFallbacks.at(-1)?.reason).toMatch(/^CircuitOpenError: Circuit breaker bulk-read is open/);
    expect(Object.values(result.sources)).toEqual(Array(EXPORTED.length + 1).fill('pages'));
    expect(await new SqlCrmCopy(database.db).countAll()).toMatchObject({
      accounts: org.Accounts.length,
      contacts: org.Contacts.length,
      deals: org.Deals.length,
      activities: org.Tasks.length + org.Calls.length + org.Events.length,
    });
    const [run] = await database.db.query<{ counts: { bulkReadFallbacks: number } }>(
      'SELECT counts FROM sync_runs WHERE id = $1',
      [result.runId],
    );
    expect(run?.counts.bulkReadFallbacks).toBe(EXPORTED.length);
  });

  it('counts each record once when an export fails after handing over some pages', async () => {
    // Jobs of 5 records make a dozen downloads; the limit of 10 a minute is not what this test is about.
    sandbox = await startSandbox(org, { bulkRead: { recordsPerJob: 5, downloadsPerMinute: 100 } });
    database = await freshPostgres();
    let downloads = 0;
    // The second download (the rest of Accounts, after its first 5) fails; everything after it works.
    const failingSecondDownload: typeof fetch = async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url.endsWith('/result') && ++downloads === 2) {
        return new Response(JSON.stringify({ code: 'INTERNAL_ERROR', details: {}, message: '', status: 'error' }), {
          status: 500,
          headers: { 'content-type': 'application/json' },
        });
      }
      return fetch(input, init);
    };
    const { crm } = bulkReadingClient(sandbox, { fetch: failingSecondDownload });

    const result = await syncFull({ crm, copy: new SqlCrmCopy(database.db), clock }, { bulkReadFrom: 0 });

    expect(result.bulkReadFallbacks.map((fallback) => fallback.module)).toEqual(['Accounts']);
    expect(result.sources).toMatchObject({ Accounts: 'pages', Contacts: 'bulk-read' });
    const accounts = result.counts.Accounts;
    expect(accounts.fetched).toBe(org.Accounts.length);
    expect(accounts.inserted + accounts.updated + accounts.unchanged).toBe(org.Accounts.length);
    expect((await new SqlCrmCopy(database.db).countAll()).accounts).toBe(org.Accounts.length);
  });

  it('does not page again when the copy itself fails, and ends the run', async () => {
    sandbox = await startSandbox(org);
    database = await freshPostgres();
    const { crm } = bulkReadingClient(sandbox);
    const copy = new SqlCrmCopy(database.db);
    const failure = new Error('the copy is full');
    copy.upsertContacts = async () => {
      throw failure;
    };

    await expect(syncFull({ crm, copy, clock }, { bulkReadFrom: 0 })).rejects.toBe(failure);
    const [run] = await database.db.query<{ status: string }>('SELECT status FROM sync_runs');
    expect(run?.status).toBe('failed');
  });
});
