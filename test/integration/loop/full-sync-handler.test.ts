import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../../functions/sync/full-sync.ts';
import { lambdaContextFor } from '../../../local/lambda-context.ts';
import { type LocalContainer, openLocalContainer } from '../../../local/local-stack.ts';
import { loadSandboxFile } from '../../../local/zoho-sandbox/sandbox-org.ts';
import { QdrantVectorStore } from '../../../shared/adapters/vectors/qdrant-vector-store.ts';
import { ACTIVITY_TEXT_COLLECTION } from '../../../shared/use-cases/recall-notes.ts';
import { ACCOUNT_FEATURES_COLLECTION } from '../../../shared/use-cases/similar-accounts.ts';
import { type FakeQdrant, startFakeQdrant } from '../../support/fake-qdrant-server.ts';
import { tempHome } from '../../support/local-home.ts';

const fixture = new URL('../../fixtures/sandbox/small-org.json', import.meta.url).pathname;

const runDailySync = () =>
  handler({ 'scheduled-by': 'EventBridge Scheduler' }, lambdaContextFor('sergas-dev-sync-full'));

// The daily full sync as Lambda runs it, against the Zoho sandbox, the embedded database and Qdrant over
// its REST API: after indexing the account features it leaves a snapshot of each vector collection,
// which is what a replaced Qdrant task recovers from.
describe('the daily full sync', () => {
  let deps: LocalContainer;
  let qdrant: FakeQdrant;
  let removeHome: () => Promise<void>;

  beforeAll(async () => {
    qdrant = await startFakeQdrant();
    const home = await tempHome();
    removeHome = home.remove;
    deps = await openLocalContainer(home.config({ QDRANT_URL: qdrant.url }));
    await deps.sandbox.store!.replace(await loadSandboxFile(fixture));
  });
  afterAll(async () => {
    await deps?.close();
    await qdrant?.close();
    await removeHome?.();
  });

  it('indexes the account features, then snapshots them and prunes all but the newest three', async () => {
    expect(deps.vectors).toBeInstanceOf(QdrantVectorStore);
    // What the three previous days' syncs left, each from another Qdrant task (so another peer id).
    const earlier = ['2026-11-21', '2026-11-22', '2026-11-23'].map((day, i) => ({
      name: `${ACCOUNT_FEATURES_COLLECTION}-${900 - i}-${day}-02-03-40.snapshot`,
      creation_time: `${day}T02:03:40`,
      size: 4096,
      checksum: null,
    }));
    qdrant.snapshots(ACCOUNT_FEATURES_COLLECTION).push(...earlier);

    const result = (await runDailySync()) as Record<string, unknown>;

    const accounts = (await deps.copy.listAccounts()).length;
    expect(accounts).toBeGreaterThan(0);
    expect(result).toMatchObject({ indexedAccounts: accounts });
    const kept = qdrant.snapshots(ACCOUNT_FEATURES_COLLECTION).map((s) => s.name);
    const taken = kept.find((name) => !earlier.some((e) => e.name === name));
    expect(kept.sort()).toEqual([earlier[1]!.name, earlier[2]!.name, taken].sort());
    expect(result.vectorSnapshots).toEqual([
      { collection: ACCOUNT_FEATURES_COLLECTION, status: 'taken', snapshot: taken, deleted: [earlier[0]!.name] },
      // No analysis has embedded any notes yet: there is no collection to save.
      { collection: ACTIVITY_TEXT_COLLECTION, status: 'none' },
    ]);
    // The snapshot holds the day's vectors: it is taken after the last upsert.
    const snapshotted = qdrant.requests.findIndex((r) => r.method === 'POST' && r.path.endsWith('/snapshots'));
    const lastUpsert = qdrant.requests.findLastIndex((r) => r.method === 'PUT' && r.path.endsWith('/points'));
    expect(lastUpsert).toBeGreaterThanOrEqual(0);
    expect(snapshotted).toBeGreaterThan(lastUpsert);
  });
});
