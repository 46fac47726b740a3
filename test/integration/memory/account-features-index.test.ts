import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoOrg } from '../../../local/zoho-sandbox/demo-org-generator.ts';
import { loadSandboxFile } from '../../../local/zoho-sandbox/sandbox-org.ts';
import { SqlCrmCopy } from '../../../shared/adapters/db/sql-crm-copy.ts';
import { MemoryVectorStore } from '../../../shared/adapters/vectors/memory-vector-store.ts';
import { defaultDomainRules as rules } from '../../../shared/domain/domain-rules.ts';
import type { VectorPoint } from '../../../shared/ports/vector-store.ts';
import { ACCOUNT_FEATURES_COLLECTION, indexAccountFeatures } from '../../../shared/use-cases/similar-accounts.ts';
import { syncFull } from '../../../shared/use-cases/sync-full.ts';
import { databases, type TestDatabase } from '../../support/databases.ts';
import { type RunningSandbox, SMALL_ORG_FILE, startSandbox } from '../zoho/sandbox-harness.ts';

const clock = { now: () => new Date('2026-11-24T02:00:00Z') };
/**
 * The small org's feature vectors as `indexAccountFeatures` stored them when it still loaded each account's
 * snapshot on its own (recorded from that code, on PGlite and Postgres alike).
 */
const BEFORE_BATCHING: VectorPoint[] = JSON.parse(
  readFileSync(new URL('../../fixtures/memory/small-org-account-features.json', import.meta.url), 'utf8'),
);

/** A memory store that keeps every point upserted into the account-features collection, as given. */
function recordingStore() {
  const store = new MemoryVectorStore();
  const upserted: VectorPoint[] = [];
  const upsert = store.upsert.bind(store);
  store.upsert = async (collection, points) => {
    if (collection === ACCOUNT_FEATURES_COLLECTION) upserted.push(...points);
    return upsert(collection, points);
  };
  return Object.assign(store, { upserted });
}

describe.each(databases())('indexing account features from the CRM copy on %s', (_name, makeDatabase) => {
  let database: TestDatabase;
  let sandbox: RunningSandbox;

  beforeAll(async () => {
    [database, sandbox] = await Promise.all([makeDatabase(), startSandbox(await loadSandboxFile(SMALL_ORG_FILE))]);
  });
  afterAll(async () => {
    await sandbox?.close();
    await database?.drop();
  });

  it('stores the same vectors for the small org as when it loaded the accounts one by one', async () => {
    const copy = new SqlCrmCopy(database.db);
    await syncFull({ crm: sandbox.client().client, copy, clock });
    const vectors = recordingStore();

    expect(await indexAccountFeatures({ copy, vectors, clock, rules })).toEqual({ indexed: 6, removed: 0 });
    expect(vectors.upserted.sort((a, b) => a.id.localeCompare(b.id))).toEqual(BEFORE_BATCHING);
  });
});

/** A generated org, with records deleted in Zoho, read in one batch and one account at a time. */
describe.each(databases())('loading many snapshots at once on %s', (_name, makeDatabase) => {
  const org = generateDemoOrg({ accounts: 120, seed: 7, asOf: clock.now() });
  let database: TestDatabase;
  let sandbox: RunningSandbox;
  let copy: SqlCrmCopy;

  beforeAll(async () => {
    [database, sandbox] = await Promise.all([makeDatabase(), startSandbox(org)]);
    copy = new SqlCrmCopy(database.db);
    expect((await syncFull({ crm: sandbox.client().client, copy, clock })).issues).toEqual([]);
    await copy.markDeleted('Accounts', [org.Accounts[3]!.id], clock.now());
    await copy.markDeleted('Contacts', [org.Contacts[0]!.id, org.Contacts[5]!.id], clock.now());
    await copy.markDeleted('Deals', [org.Deals[2]!.id], clock.now());
    await copy.markDeleted('Notes', [org.Notes[1]!.id], clock.now());
    await copy.markDeleted('Calls', [org.Calls[0]!.id], clock.now());
  });
  afterAll(async () => {
    await sandbox?.close();
    await database?.drop();
  });

  it('gives every account the snapshot it has on its own, and leaves out those the copy does not hold', async () => {
    const ids = org.Accounts.map((a) => a.id);
    const unknown = '4876876000000999999';

    const batch = await copy.loadSnapshots([...ids, unknown, ids[0]!]);

    const held = ids.filter((id) => id !== org.Accounts[3]!.id);
    expect([...batch.keys()].sort()).toEqual(held.sort());
    for (const id of held) expect(batch.get(id), id).toEqual(await copy.loadSnapshot(id));
    expect([...batch.values()].reduce((n, s) => n + s.activities.length, 0)).toBeGreaterThan(1000);
  });

  it('loads nothing for no accounts', async () => {
    expect(await copy.loadSnapshots([])).toEqual(new Map());
  });
});
