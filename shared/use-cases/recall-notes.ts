import { maskPii } from '../domain/compliance/mask-pii.ts';
import type { AccountSnapshot, Activity } from '../domain/crm.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { CrmCopyReader } from '../ports/crm-copy.ts';
import type { Embedder } from '../ports/embedder.ts';
import type { VectorStore } from '../ports/vector-store.ts';

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

async function indexSnapshotNotes(
  deps: RecallNotesDeps,
  snapshot: Omit<AccountSnapshot, 'baseline'>,
): Promise<{ indexed: number }> {
  const { embedder, vectors } = deps;
  await vectors.ensureCollection(ACTIVITY_TEXT_COLLECTION, { dimension: embedder.dimension, distance: 'cosine' });
  const accountId = snapshot.account.id;
  const activities = snapshot.activities.filter((a) => textOf(a).length > 0);
  const embeddings = await embedder.embed(activities.map(textOf));
  const points = activities
    .map((activity, i) => ({
      id: pointIdOf(activity),
      vector: embeddings[i]!,
      payload: { accountId, module: activity.module, id: activity.id, model: embedder.model },
    }))
    .filter((point) => !isZero(point.vector));
  // Replacing the account's whole set drops the vectors of notes deleted or emptied since the last run.
  await vectors.delete(ACTIVITY_TEXT_COLLECTION, { filter: { accountId } });
  await vectors.upsert(ACTIVITY_TEXT_COLLECTION, points);
  return { indexed: points.length };
}

/**
 * Embeds the text of an account's notes and activities (subject and description) for recall.
 * 1. make sure the collection exists for the embedder's dimension
 * 2. embed every activity with text, PII masked
 * 3. replace the account's vectors with these
 */
export async function indexAccountNotes(deps: RecallNotesDeps, accountId: string): Promise<{ indexed: number }> {
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
  if (!Number.isInteger(k) || k < 1 || k > MAX_RECALLED) {
    throw new ValidationError(`k must be a whole number from 1 to ${MAX_RECALLED}`, { k });
  }
  const snapshot = await deps.copy.loadSnapshot(accountId);
  if (!snapshot) throw new NotFoundError('Account', accountId);
  const filter = { accountId, model: deps.embedder.model };
  if ((await deps.vectors.count(ACTIVITY_TEXT_COLLECTION, filter)) === 0) await indexSnapshotNotes(deps, snapshot);

  const [vector] = await deps.embedder.embed([maskPii(query)]);
  if (!vector || isZero(vector)) return [];
  const matches = await deps.vectors.query(ACTIVITY_TEXT_COLLECTION, { vector, limit: k, filter });
  const byPointId = new Map(snapshot.activities.map((a) => [pointIdOf(a), a]));
  return matches.flatMap((m) => {
    const activity = byPointId.get(m.id);
    return activity ? [{ activity, score: m.score }] : [];
  });
}
