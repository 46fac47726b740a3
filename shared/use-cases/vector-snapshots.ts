import type { OperationalMetrics } from '../ports/operational-metrics.ts';
import type { VectorSnapshotOptions, VectorStore } from '../ports/vector-store.ts';
import { snapshotsToKeep } from '../ports/vector-store.ts';
import { ACTIVITY_TEXT_COLLECTION } from './recall-notes.ts';
import { ACCOUNT_FEATURES_COLLECTION } from './similar-accounts.ts';

/** Every collection the use cases write: account feature vectors (the daily full sync) and note embeddings (recall). */
export const VECTOR_COLLECTIONS: readonly string[] = [ACCOUNT_FEATURES_COLLECTION, ACTIVITY_TEXT_COLLECTION];

export type VectorSnapshotOutcome =
  | { collection: string; status: 'taken'; snapshot: string; deleted: string[] }
  /** The store keeps no snapshots (pgvector, memory), or the collection does not exist yet. */
  | { collection: string; status: 'none' }
  | { collection: string; status: 'failed'; code: string; message: string };

export interface SnapshotVectorCollectionsOptions extends VectorSnapshotOptions {
  collections?: readonly string[];
}

/**
 * Snapshots each vector collection where the store keeps them, keeping its newest `keep`
 * (VectorStore.snapshot): on AWS, what a replaced Qdrant task recovers from before it serves.
 * 1. check `keep` (a bad value is a bug: it throws before anything is touched)
 * 2. snapshot the collections one at a time; a collection that fails is reported and counted
 *    (VectorSnapshotsFailed, which raises an alarm on AWS), and the rest still run
 *
 * Nothing else throws: everything in the vectors is derived (the next full sync re-indexes the account
 * features, recall re-embeds an account's notes when it finds none), so a missed snapshot only makes a
 * restart slower to be complete, and is no reason to fail the work that ran before it.
 */
export async function snapshotVectorCollections(
  deps: { vectors: VectorStore; metrics: OperationalMetrics },
  options: SnapshotVectorCollectionsOptions = {},
): Promise<VectorSnapshotOutcome[]> {
  const keep = snapshotsToKeep(options);
  const outcomes: VectorSnapshotOutcome[] = [];
  for (const collection of options.collections ?? VECTOR_COLLECTIONS) {
    try {
      const result = await deps.vectors.snapshot(collection, { keep });
      outcomes.push(
        result
          ? { collection, status: 'taken', snapshot: result.taken, deleted: result.deleted }
          : { collection, status: 'none' },
      );
    } catch (error) {
      const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'UNKNOWN';
      outcomes.push({ collection, status: 'failed', code, message: (error as Error).message ?? String(error) });
      deps.metrics.count('VectorSnapshotsFailed');
    }
  }
  return outcomes;
}
