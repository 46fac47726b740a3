import { createHash } from 'node:crypto';
import { maskPii } from '../domain/compliance/mask-pii.ts';
import type { AccountSnapshot, Activity } from '../domain/crm.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { CrmCopyReader } from '../ports/crm-copy.ts';
import type { Embedder } from '../ports/embedder.ts';
import type { Payload, VectorStore } from '../ports/vector-store.ts';

export const ACTIVITY_TEXT_COLLECTION = 'activity-text';
const MAX_RECALLED = 50;

export interface RecallNotesDeps {
  copy: Pick<CrmCopyReader, 'loadSnapshot'>;
  vectors: VectorStore;
  embedder: Embedder;
}

export interface RecalledActivity {
  activity: Activity;
  /** Similarity of the activity's text to the query under the embedder's model; higher is closer. */
  score: number;
}

/** What the embedder is given for an activity: PII masked, as for any text leaving the database. */
function textOf(activity: Activity): string {
  return maskPii([activity.subject, activity.description ?? ''].join('\n').trim());
}

const pointIdOf = (activity: Activity) => `${activity.module}:${activity.id}`;
const isZero = (vector: readonly number[]) => vector.every((x) => x === 0);
/** The hash of the exact text the embedder is given, kept in the vector's payload. */
const contentHashOf = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export interface IndexedNotes {
  /** The account's activities that now have a vector under the embedder's model. */
  indexed: number;
  /** How many texts were sent to the embedder: the new and changed ones (or all, for another model). */
  embedded: number;
  /** Vectors dropped: of activities deleted or emptied since the last run. */
  removed: number;
}

/**
 * A vector is current when it was embedded by this model from this very text (PII masked the same way);
 * the collection is recreated for another dimension, so its vectors always have the embedder's.
 */
function isCurrent(payload: Payload | undefined, model: string, contentHash: string): boolean {
  return payload?.model === model && payload.contentHash === contentHash;
}

/** {@link indexAccountNotes} for a snapshot already loaded (the analysis has one). */
export async function indexSnapshotNotes(
  deps: Pick<RecallNotesDeps, 'vectors' | 'embedder'>,
  snapshot: Omit<AccountSnapshot, 'baseline'>,
): Promise<IndexedNotes> {
  const { embedder, vectors } = deps;
  await vectors.ensureCollection(ACTIVITY_TEXT_COLLECTION, {
    dimension: embedder.dimension,
    distance: 'cosine',
    filterKeys: ['accountId', 'model'],
  });
  const accountId = snapshot.account.id;
  const stored = new Map(
    (await vectors.list(ACTIVITY_TEXT_COLLECTION, { accountId })).map((record) => [record.id, record.payload]),
  );
  const texts = snapshot.activities.flatMap((activity) => {
    const text = textOf(activity);
    return text.length > 0 ? [{ activity, text, pointId: pointIdOf(activity), contentHash: contentHashOf(text) }] : [];
  });
  const fresh = new Set(
    texts.filter((t) => isCurrent(stored.get(t.pointId), embedder.model, t.contentHash)).map((t) => t.pointId),
  );
  const stale = texts.filter((t) => !fresh.has(t.pointId));
  const embeddings = stale.length > 0 ? await embedder.embed(stale.map((t) => t.text)) : [];
  const points = stale
    .map(({ activity, pointId, contentHash }, i) => ({
      id: pointId,
      vector: embeddings[i]!,
      payload: { accountId, module: activity.module, id: activity.id, model: embedder.model, contentHash },
    }))
    // Only the offline lexical embedder returns nothing for a text (stopwords only): left out, and asked again
    // next time at no cost.
    .filter((point) => !isZero(point.vector));
  const kept = new Set([...fresh, ...points.map((p) => p.id)]);
  const gone = [...stored.keys()].filter((id) => !kept.has(id));
  if (points.length > 0) await vectors.upsert(ACTIVITY_TEXT_COLLECTION, points);
  await vectors.delete(ACTIVITY_TEXT_COLLECTION, { ids: gone });
  return { indexed: kept.size, embedded: stale.length, removed: gone.length };
}

/**
 * Embeds the text of an account's notes and activities (subject and description) for recall, paying only
 * for what changed: each vector keeps the hash of its text and the embedder's model in its payload.
 * 1. make sure the collection exists for the embedder's dimension
 * 2. read the hashes and models of the account's stored vectors (never the vectors)
 * 3. embed the activities with text, PII masked, that have no vector from this text under this model
 * 4. upsert those, and drop the vectors of activities deleted or emptied since
 */
export async function indexAccountNotes(deps: RecallNotesDeps, accountId: string): Promise<IndexedNotes> {
  const snapshot = await deps.copy.loadSnapshot(accountId);
  if (!snapshot) throw new NotFoundError('Account', accountId);
  return indexSnapshotNotes(deps, snapshot);
}

/**
 * The `k` notes and activities of one account whose text is closest to `query`, closest first. An account
 * with nothing indexed under the current model is indexed first; activities deleted since are left out.
 */
export async function recallNotes(
  deps: RecallNotesDeps,
  accountId: string,
  query: string,
  k = 5,
): Promise<RecalledActivity[]> {
  checkK(k);
  const snapshot = await deps.copy.loadSnapshot(accountId);
  if (!snapshot) throw new NotFoundError('Account', accountId);
  const filter = { accountId, model: deps.embedder.model };
  if ((await deps.vectors.count(ACTIVITY_TEXT_COLLECTION, filter)) === 0) await indexSnapshotNotes(deps, snapshot);
  const [recalled] = await recallSnapshotNotes(deps, snapshot, [query], k);
  return recalled ?? [];
}

/**
 * {@link recallNotes} for several queries over a snapshot already loaded and indexed: the queries are
 * embedded in one call. One list per query, in order.
 */
export async function recallSnapshotNotes(
  deps: Pick<RecallNotesDeps, 'vectors' | 'embedder'>,
  snapshot: Omit<AccountSnapshot, 'baseline'>,
  queries: readonly string[],
  k = 5,
): Promise<RecalledActivity[][]> {
  checkK(k);
  if (queries.length === 0) return [];
  const filter = { accountId: snapshot.account.id, model: deps.embedder.model };
  const vectors = await deps.embedder.embed(queries.map((query) => maskPii(query)));
  const byPointId = new Map(snapshot.activities.map((a) => [pointIdOf(a), a]));
  const recalled: RecalledActivity[][] = [];
  for (const vector of vectors) {
    const matches =
      vector && !isZero(vector) ? await deps.vectors.query(ACTIVITY_TEXT_COLLECTION, { vector, limit: k, filter }) : [];
    recalled.push(
      matches.flatMap((m) => {
        const activity = byPointId.get(m.id);
        return activity ? [{ activity, score: m.score }] : [];
      }),
    );
  }
  return recalled;
}

function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1 || k > MAX_RECALLED) {
    throw new ValidationError(`k must be a whole number from 1 to ${MAX_RECALLED}`, { k });
  }
}
