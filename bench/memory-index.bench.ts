/**
 * The vector memory's two indexing jobs on a generated org copied by a full sync (sandbox over HTTP): on
 * PGlite with pgvector inside it (the embedded stack), and on the real Postgres with Qdrant's REST API
 * (AWS's shape; served here by the test fake, as this machine has no Qdrant):
 * - the daily full sync's `indexAccountFeatures` over every account, next to the baseline measured in the
 *   same run (each snapshot loaded on its own, one after another), and a check that both store the same
 *   vectors;
 * - the Memory Analyst run twice on one account with many notes, the second time with nothing changed,
 *   then once more after one note was edited, counting the texts sent to the embedder (each one a Bedrock
 *   Titan call on AWS).
 * `BENCH_ACCOUNTS=2000` picks the org size, `BENCH_NOTES=500` the extra notes of the recalled account and
 * `BENCH_DATABASES=pglite` the databases.
 */
import { generateDemoOrg } from '../local/zoho-sandbox/demo-org-generator.ts';
import { zohoId } from '../local/zoho-sandbox/zoho-formats.ts';
import { migrate } from '../shared/adapters/db/migrate.ts';
import { PgliteDb } from '../shared/adapters/db/pglite-db.ts';
import { SqlCrmCopy } from '../shared/adapters/db/sql-crm-copy.ts';
import { SqlCrmLinks } from '../shared/adapters/db/sql-crm-links.ts';
import { SqlKnowledgeGraph } from '../shared/adapters/db/sql-knowledge-graph.ts';
import { LexicalHashingEmbedder } from '../shared/adapters/embeddings/lexical-hashing-embedder.ts';
import { PgvectorStore } from '../shared/adapters/vectors/pgvector-store.ts';
import { QdrantVectorStore } from '../shared/adapters/vectors/qdrant-vector-store.ts';
import type { Signal } from '../shared/domain/analysis.ts';
import { defaultDomainRules as rules } from '../shared/domain/domain-rules.ts';
import { accountFeatures } from '../shared/domain/memory/account-features.ts';
import { toNote } from '../shared/domain/zoho-mapping.ts';
import type { Db } from '../shared/ports/db.ts';
import type { Embedder } from '../shared/ports/embedder.ts';
import type { VectorPoint, VectorStore } from '../shared/ports/vector-store.ts';
import { analyzeAccountMemory } from '../shared/use-cases/analyze-account-memory.ts';
import {
  ACCOUNT_FEATURES_COLLECTION,
  FEATURE_BATCH,
  indexAccountFeatures,
} from '../shared/use-cases/similar-accounts.ts';
import { syncFull } from '../shared/use-cases/sync-full.ts';
import { startSandbox } from '../test/integration/zoho/sandbox-harness.ts';
import { freshPostgres } from '../test/support/databases.ts';
import { startFakeQdrant } from '../test/support/fake-qdrant-server.ts';
import { type Metric, record, timed } from './bench-kit.ts';

const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 2000);
const EXTRA_NOTES = Number(process.env.BENCH_NOTES ?? 500);
const AS_OF = new Date('2026-11-24T02:00:00Z');
const clock = { now: () => AS_OF };
/** Risk signals whose recall queries the Memory Analyst runs (RECALL_QUERIES). */
const SIGNALS: Signal[] = (['negative_sentiment', 'competitor_mention', 'renewal_window', 'stalled_deal'] as const).map(
  (type) => ({ type, severity: 'high', detail: type, evidence: [] }),
);

interface Database {
  db: Db;
  vectors: VectorStore;
  drop(): Promise<void>;
}

/** The embedded stack (pgvector inside PGlite) and AWS's shape (Postgres, and Qdrant through its REST API). */
const allDatabases: [string, () => Promise<Database>][] = [
  [
    'pglite',
    async () => {
      const db = await PgliteDb.open();
      await migrate(db);
      return { db, vectors: new PgvectorStore(db), drop: () => db.close() };
    },
  ],
  [
    'postgres',
    async () => {
      const [database, qdrant] = await Promise.all([freshPostgres(), startFakeQdrant()]);
      return {
        db: database.db,
        vectors: new QdrantVectorStore({ url: qdrant.url }),
        drop: async () => {
          await qdrant.close();
          await database.drop();
        },
      };
    },
  ],
];
const wantedDatabases = process.env.BENCH_DATABASES?.split(',');
const databases = allDatabases.filter(([name]) => !wantedDatabases || wantedDatabases.includes(name));

/** Counts what reaches the embedder: texts (Titan calls on AWS) and calls of `embed`. */
function countingEmbedder(inner: Embedder): Embedder & { texts: number; calls: number } {
  return {
    dimension: inner.dimension,
    model: inner.model,
    texts: 0,
    calls: 0,
    async embed(texts) {
      this.texts += texts.length;
      this.calls += 1;
      return inner.embed(texts);
    },
  };
}

/** Keeps a copy of every point upserted into the account-features collection, to compare runs. */
function recordingStore(inner: VectorStore): VectorStore & { features: Map<string, VectorPoint> } {
  const features = new Map<string, VectorPoint>();
  return {
    features,
    ensureCollection: (collection, spec) => inner.ensureCollection(collection, spec),
    async upsert(collection, points) {
      if (collection === ACCOUNT_FEATURES_COLLECTION) for (const p of points) features.set(p.id, p);
      return inner.upsert(collection, points);
    },
    delete: (collection, selector) => inner.delete(collection, selector),
    query: (collection, query) => inner.query(collection, query),
    count: (collection, filter) => inner.count(collection, filter),
    list: (collection, filter) => inner.list(collection, filter),
    snapshot: (collection, options) => inner.snapshot(collection, options),
  };
}

/** The baseline: every account's snapshot loaded on its own, one after another, as one upsert. */
async function oneByOne(copy: SqlCrmCopy, vectors: VectorStore): Promise<Map<string, VectorPoint>> {
  const points = new Map<string, VectorPoint>();
  for (const { id } of await copy.listAccounts()) {
    const snapshot = await copy.loadSnapshot(id);
    if (!snapshot) continue;
    points.set(id, {
      id,
      vector: accountFeatures(snapshot, AS_OF, rules),
      payload: { accountId: id, name: snapshot.account.name, industry: snapshot.account.industry },
    });
  }
  await vectors.ensureCollection('naive-features', {
    dimension: [...points.values()][0]!.vector.length,
    distance: 'cosine',
  });
  await vectors.upsert('naive-features', [...points.values()]);
  return points;
}

const sameVectors = (a: Map<string, VectorPoint>, b: Map<string, VectorPoint>) =>
  a.size === b.size &&
  [...a].every(([id, p]) => {
    const q = b.get(id);
    return (
      q !== undefined &&
      JSON.stringify(p.payload) === JSON.stringify(q.payload) &&
      p.vector.length === q.vector.length &&
      p.vector.every((x, i) => x === q.vector[i])
    );
  });

const org = generateDemoOrg({ accounts: ACCOUNTS, seed: 1, asOf: AS_OF });
// One account with many notes: the org's own, plus EXTRA_NOTES copies of other accounts' notes moved onto it.
const recalled = org.Accounts[0]!;
const template = org.Notes.filter((n) => n.Parent_Id.module.api_name === 'Accounts').slice(0, EXTRA_NOTES);
org.Notes.push(
  ...template.map((note, i) => ({
    ...note,
    id: zohoId(900_000_000 + i),
    Note_Content: `${note.Note_Content} (#${i})`,
    Parent_Id: { id: recalled.id, name: recalled.Account_Name, module: { api_name: 'Accounts' } },
  })),
);

const allResults: { database: string; metrics: Metric[] }[] = [];
const sandbox = await startSandbox(org);
try {
  for (const [name, open] of databases) {
    const database = await open();
    try {
      const copy = new SqlCrmCopy(database.db);
      const sync = await syncFull({ crm: sandbox.client().client, copy, clock });
      if (sync.issues.length > 0) throw new Error(`the sync reported ${sync.issues.length} issues`);
      const vectors = recordingStore(database.vectors);
      const deps = { copy, vectors, clock, rules };

      // Each twice, the faster kept: the first pass over the tables also warms the database's caches.
      const faster = <T>(a: { value: T; ms: number }, b: { value: T; ms: number }) => (a.ms <= b.ms ? a : b);
      const baseline = faster(await timed(() => oneByOne(copy, vectors)), await timed(() => oneByOne(copy, vectors)));
      const indexed = faster(
        await timed(() => indexAccountFeatures(deps)),
        await timed(() => indexAccountFeatures(deps)),
      );
      const identical = sameVectors(baseline.value, vectors.features);
      if (!identical) throw new Error('indexAccountFeatures stored other vectors than the one-by-one baseline');

      const embedder = countingEmbedder(new LexicalHashingEmbedder());
      const memoryDeps = {
        ...deps,
        crmLinks: new SqlCrmLinks(database.db),
        graph: new SqlKnowledgeGraph(database.db),
        embedder,
      };
      const snapshot = (await copy.loadSnapshot(recalled.id))!;
      // As the workflow does, the analysis gets the snapshot the Data Scout loaded just before.
      const analyse = async () => {
        const before = { texts: embedder.texts, calls: embedder.calls };
        const current = { ...(await copy.loadSnapshot(recalled.id))!, baseline: null };
        const run = await timed(() =>
          analyzeAccountMemory(memoryDeps, { snapshot: current, asOf: AS_OF, signals: SIGNALS }),
        );
        return {
          ms: run.ms,
          texts: embedder.texts - before.texts,
          calls: embedder.calls - before.calls,
          run: run.value,
        };
      };
      const first = await analyse();
      const repeat = await analyse();
      const edited = snapshot.activities.find((a) => a.module === 'Notes')!;
      const raw = org.Notes.find((n) => n.id === edited.id)!;
      const change = {
        ...raw,
        Note_Content: `${raw.Note_Content} Edited after the call.`,
        Modified_Time: AS_OF.toISOString(),
      };
      const mapped = toNote(change, { accountOfDeal: () => undefined, accountOfContact: () => undefined });
      if (!mapped.ok) throw new Error('the edited note does not map');
      await copy.upsertNotes([{ value: mapped.value, raw: change }], AS_OF);
      const afterEdit = await analyse();
      if (JSON.stringify(repeat.run.recalled) !== JSON.stringify(first.run.recalled)) {
        throw new Error('a repeated analysis recalled other notes');
      }

      allResults.push({
        database: name,
        metrics: [
          { name: 'accounts', value: indexed.value.indexed, unit: 'accounts' },
          { name: 'index_features_ms', value: Math.round(indexed.ms), unit: 'ms' },
          { name: 'one_by_one_features_ms', value: Math.round(baseline.ms), unit: 'ms' },
          {
            name: 'index_features_accounts_per_s',
            value: Math.round((indexed.value.indexed / indexed.ms) * 1000),
            unit: 'accounts/s',
          },
          {
            name: 'one_by_one_features_accounts_per_s',
            value: Math.round((baseline.value.size / baseline.ms) * 1000),
            unit: 'accounts/s',
          },
          { name: 'features_identical_to_baseline', value: identical ? 1 : 0, unit: 'bool' },
          { name: 'recalled_account_activities', value: snapshot.activities.length, unit: 'activities' },
          { name: 'first_analysis_texts_embedded', value: first.texts, unit: 'texts' },
          { name: 'repeat_analysis_texts_embedded', value: repeat.texts, unit: 'texts' },
          { name: 'edited_note_analysis_texts_embedded', value: afterEdit.texts, unit: 'texts' },
          { name: 'repeat_analysis_embed_calls', value: repeat.calls, unit: 'calls' },
          { name: 'first_memory_analysis_ms', value: Math.round(first.ms), unit: 'ms' },
          { name: 'repeat_memory_analysis_ms', value: Math.round(repeat.ms), unit: 'ms' },
          { name: 'edited_note_memory_analysis_ms', value: Math.round(afterEdit.ms), unit: 'ms' },
        ],
      });
    } finally {
      await database.drop();
    }
  }
} finally {
  await sandbox.close();
}

await record(
  'memory-index',
  {
    accounts: ACCOUNTS,
    featureBatch: FEATURE_BATCH,
    extraNotes: EXTRA_NOTES,
    signals: SIGNALS.map((s) => s.type),
    databases: databases.map(([name]) => name),
    vectors: { pglite: 'pgvector in the same database', postgres: 'Qdrant REST API (the test fake server)' },
    embedder: 'lexical-hashing-v1-384 (counted)',
    crm: 'sandbox over HTTP',
  },
  allResults.flatMap(({ database, metrics }) => metrics.map((m) => ({ ...m, name: `${database}_${m.name}` }))),
);
