import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSandboxFile } from '../../../local/zoho-sandbox/sandbox-org.ts';
import { SqlCrmCopy } from '../../../shared/adapters/db/sql-crm-copy.ts';
import { SqlCrmLinks } from '../../../shared/adapters/db/sql-crm-links.ts';
import { SqlKnowledgeGraph } from '../../../shared/adapters/db/sql-knowledge-graph.ts';
import { LexicalHashingEmbedder } from '../../../shared/adapters/embeddings/lexical-hashing-embedder.ts';
import { MemoryVectorStore } from '../../../shared/adapters/vectors/memory-vector-store.ts';
import { PgvectorStore } from '../../../shared/adapters/vectors/pgvector-store.ts';
import { QdrantVectorStore } from '../../../shared/adapters/vectors/qdrant-vector-store.ts';
import type { Signal } from '../../../shared/domain/analysis.ts';
import { maskPii } from '../../../shared/domain/compliance/mask-pii.ts';
import { defaultDomainRules as rules } from '../../../shared/domain/domain-rules.ts';
import { RECALL_QUERIES } from '../../../shared/domain/memory/account-memory.ts';
import type { Embedder } from '../../../shared/ports/embedder.ts';
import type { VectorStore } from '../../../shared/ports/vector-store.ts';
import { type AccountMemoryDeps, analyzeAccountMemory } from '../../../shared/use-cases/analyze-account-memory.ts';
import { ACTIVITY_TEXT_COLLECTION } from '../../../shared/use-cases/recall-notes.ts';
import { syncFull } from '../../../shared/use-cases/sync-full.ts';
import { syncIncremental } from '../../../shared/use-cases/sync-incremental.ts';
import { freshPglite, freshPostgres, type TestDatabase } from '../../support/databases.ts';
import { startFakeQdrant } from '../../support/fake-qdrant-server.ts';
import { FIXTURE_AS_OF } from '../../support/local-home.ts';
import { type RunningSandbox, SMALL_ORG_FILE, startSandbox } from '../zoho/sandbox-harness.ts';

const clock = { now: () => new Date('2026-11-24T02:00:00Z') };
/** Falcon Media: two notes of its own, calls and meetings with descriptions. */
const FALCON = '4876876000000001006';
const ESCALATION_NOTE = '4876876000000008006';
const HEALTH_NOTE = '4876876000000008007';
const signals: Signal[] = [{ type: 'negative_sentiment', severity: 'high', detail: 'Complaints', evidence: [] }];
const QUERY = maskPii(RECALL_QUERIES.negative_sentiment!);

interface Backend {
  database: TestDatabase;
  vectors: VectorStore;
  close(): Promise<void>;
}

/** The copy in a real database, and each vector store where its contract tests run it. */
const backends: [string, () => Promise<Backend>][] = [
  [
    'pgvector in PGlite',
    async () => {
      const database = await freshPglite();
      return { database, vectors: new PgvectorStore(database.db), close: () => database.drop() };
    },
  ],
  [
    'Qdrant over its REST API, beside Postgres',
    async () => {
      const [database, qdrant] = await Promise.all([freshPostgres(), startFakeQdrant()]);
      return {
        database,
        vectors: new QdrantVectorStore({ url: qdrant.url }),
        close: async () => {
          await qdrant.close();
          await database.drop();
        },
      };
    },
  ],
  [
    'the in-memory store, beside PGlite',
    async () => {
      const database = await freshPglite();
      return { database, vectors: new MemoryVectorStore(), close: () => database.drop() };
    },
  ],
];

/** Remembers every text it is asked to embed, under the model it says it is. */
function countingEmbedder(model?: string): Embedder & { texts: string[] } {
  const inner = new LexicalHashingEmbedder();
  const texts: string[] = [];
  return {
    dimension: inner.dimension,
    model: model ?? inner.model,
    texts,
    embed: async (batch) => {
      texts.push(...batch);
      return inner.embed(batch);
    },
  };
}

/**
 * The Memory Analyst on the small org copied by a full sync, analysing one account again and again: only
 * notes new or changed since they were embedded (or embedded by another model) reach the embedder.
 */
describe.each(backends)('indexing an account’s notes for recall with %s', (_name, open) => {
  let backend: Backend;
  let sandbox: RunningSandbox;
  let copy: SqlCrmCopy;
  let embedder: ReturnType<typeof countingEmbedder>;
  let deps: AccountMemoryDeps;

  /** One analysis of Falcon as the workflow runs it, and the texts it sent to the embedder. */
  async function analyse(withDeps: AccountMemoryDeps = deps) {
    const counting = withDeps.embedder as ReturnType<typeof countingEmbedder>;
    const from = counting.texts.length;
    const snapshot = await copy.loadSnapshot(FALCON);
    const memory = await analyzeAccountMemory(withDeps, {
      snapshot: { ...snapshot!, baseline: null },
      asOf: FIXTURE_AS_OF,
      signals,
    });
    return { memory, embedded: counting.texts.slice(from) };
  }
  const zohoUser = () => {
    const [user] = sandbox.store.users();
    return { id: user!.id, name: user!.full_name };
  };
  const storedIds = async () =>
    (await backend.vectors.list(ACTIVITY_TEXT_COLLECTION, { accountId: FALCON })).map((r) => r.id).sort();

  beforeAll(async () => {
    [backend, sandbox] = await Promise.all([open(), startSandbox(await loadSandboxFile(SMALL_ORG_FILE))]);
    copy = new SqlCrmCopy(backend.database.db);
    expect((await syncFull({ crm: sandbox.client().client, copy, clock })).issues).toEqual([]);
    embedder = countingEmbedder();
    deps = {
      copy,
      crmLinks: new SqlCrmLinks(backend.database.db),
      graph: new SqlKnowledgeGraph(backend.database.db),
      clock,
      rules,
      vectors: backend.vectors,
      embedder,
    };
  });
  afterAll(async () => {
    await sandbox?.close();
    await backend?.close();
  });

  it('embeds every note of the account on its first analysis, and none on the second', async () => {
    const activities = (await copy.loadSnapshot(FALCON))!.activities;

    const first = await analyse();
    const second = await analyse();

    expect(first.embedded).toHaveLength(activities.length + 1);
    expect(first.embedded).toContain(QUERY);
    // The recall query is embedded every time; the account's notes are not.
    expect(second.embedded).toEqual([QUERY]);
    expect(second.memory.recalled).toEqual(first.memory.recalled);
    expect(second.memory.recalled?.length).toBeGreaterThan(0);
    expect(await storedIds()).toEqual(activities.map((a) => `${a.module}:${a.id}`).sort());
  });

  it('embeds a note edited in Zoho again, once', async () => {
    await sandbox.store.update(
      'Notes',
      [{ id: ESCALATION_NOTE, Note_Content: 'The customer is unhappy: the outage delayed their launch again.' }],
      zohoUser(),
    );
    await syncIncremental({ crm: sandbox.client().client, copy, clock });

    const edited = await analyse();
    const after = await analyse();

    expect(edited.embedded).toHaveLength(2);
    expect(edited.embedded[0]).toContain('the outage delayed their launch again');
    expect(after.embedded).toEqual([QUERY]);
  });

  it('drops the vector of a note deleted in Zoho, embedding nothing', async () => {
    const before = await storedIds();
    await sandbox.store.delete('Notes', [HEALTH_NOTE], zohoUser());
    await syncIncremental({ crm: sandbox.client().client, copy, clock }, { deletionCheckIntervalMs: 0 });

    const analysed = await analyse();

    expect(analysed.embedded).toEqual([QUERY]);
    expect(await storedIds()).toEqual(before.filter((id) => id !== `Notes:${HEALTH_NOTE}`));
    expect(analysed.memory.recalled?.map((r) => r.id)).not.toContain(HEALTH_NOTE);
  });

  it('embeds every note again under another embedder model, then none', async () => {
    const other = countingEmbedder('lexical-hashing-v2-384');
    const activities = (await copy.loadSnapshot(FALCON))!.activities;

    const switched = await analyse({ ...deps, embedder: other });
    const again = await analyse({ ...deps, embedder: other });

    expect(switched.embedded).toHaveLength(activities.length + 1);
    expect(again.embedded).toEqual([QUERY]);
    const stored = await backend.vectors.list(ACTIVITY_TEXT_COLLECTION, { accountId: FALCON });
    expect(stored.map((r) => r.payload.model)).toEqual(activities.map(() => 'lexical-hashing-v2-384'));
    expect(stored.every((r) => typeof r.payload.contentHash === 'string')).toBe(true);
  });
});
