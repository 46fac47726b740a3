import { describe, expect, it } from 'vitest';
import { MemoryVectorStore } from '../../../shared/adapters/vectors/memory-vector-store.ts';
import { RetryableUpstreamError, ValidationError } from '../../../shared/errors.ts';
import type { VectorSnapshotOptions, VectorSnapshotResult } from '../../../shared/ports/vector-store.ts';
import { ACTIVITY_TEXT_COLLECTION } from '../../../shared/use-cases/recall-notes.ts';
import { ACCOUNT_FEATURES_COLLECTION } from '../../../shared/use-cases/similar-accounts.ts';
import { snapshotVectorCollections, VECTOR_COLLECTIONS } from '../../../shared/use-cases/vector-snapshots.ts';
import { RecordingMetrics } from '../../support/recording-metrics.ts';

/** A store that keeps snapshots the way Qdrant does, scripted per collection. */
class SnapshottingStore extends MemoryVectorStore {
  readonly calls: { collection: string; options: VectorSnapshotOptions | undefined }[] = [];
  readonly #answers: Record<string, VectorSnapshotResult | null | Error>;
  constructor(answers: Record<string, VectorSnapshotResult | null | Error>) {
    super();
    this.#answers = answers;
  }
  override async snapshot(collection: string, options?: VectorSnapshotOptions): Promise<VectorSnapshotResult | null> {
    this.calls.push({ collection, options });
    const answer = this.#answers[collection];
    if (answer instanceof Error) throw answer;
    return answer ?? null;
  }
}

describe('snapshotting the vector collections', () => {
  it('snapshots the account features and the note embeddings, keeping three of each', async () => {
    const metrics = new RecordingMetrics();
    const vectors = new SnapshottingStore({
      [ACCOUNT_FEATURES_COLLECTION]: { taken: 'account-features-7-2026-11-24-02-04-11.snapshot', deleted: ['old'] },
      [ACTIVITY_TEXT_COLLECTION]: { taken: 'activity-text-7-2026-11-24-02-04-12.snapshot', deleted: [] },
    });

    const outcomes = await snapshotVectorCollections({ vectors, metrics });

    expect(VECTOR_COLLECTIONS).toEqual([ACCOUNT_FEATURES_COLLECTION, ACTIVITY_TEXT_COLLECTION]);
    expect(vectors.calls).toEqual([
      { collection: ACCOUNT_FEATURES_COLLECTION, options: { keep: 3 } },
      { collection: ACTIVITY_TEXT_COLLECTION, options: { keep: 3 } },
    ]);
    expect(outcomes).toEqual([
      {
        collection: ACCOUNT_FEATURES_COLLECTION,
        status: 'taken',
        snapshot: 'account-features-7-2026-11-24-02-04-11.snapshot',
        deleted: ['old'],
      },
      {
        collection: ACTIVITY_TEXT_COLLECTION,
        status: 'taken',
        snapshot: 'activity-text-7-2026-11-24-02-04-12.snapshot',
        deleted: [],
      },
    ]);
    expect(metrics.total('VectorSnapshotsFailed')).toBe(0);
  });

  it('reports a collection that failed and still snapshots the rest, without throwing', async () => {
    const vectors = new SnapshottingStore({
      first: new RetryableUpstreamError('Qdrant is unavailable: fetch failed'),
      second: { taken: 'second-7-2026-11-24-02-04-12.snapshot', deleted: [] },
      third: new TypeError('boom'),
    });

    const metrics = new RecordingMetrics();
    const outcomes = await snapshotVectorCollections(
      { vectors, metrics },
      { collections: ['first', 'second', 'third'], keep: 1 },
    );

    expect(vectors.calls.map((c) => c.options)).toEqual([{ keep: 1 }, { keep: 1 }, { keep: 1 }]);
    expect(outcomes).toEqual([
      {
        collection: 'first',
        status: 'failed',
        code: 'UPSTREAM_UNAVAILABLE',
        message: 'Qdrant is unavailable: fetch failed',
      },
      { collection: 'second', status: 'taken', snapshot: 'second-7-2026-11-24-02-04-12.snapshot', deleted: [] },
      { collection: 'third', status: 'failed', code: 'UNKNOWN', message: 'boom' },
    ]);
    // Each failed collection counts once, for the alarm.
    expect(metrics.total('VectorSnapshotsFailed')).toBe(2);
  });

  it('says there is none where the store keeps no snapshots or the collection does not exist', async () => {
    const outcomes = await snapshotVectorCollections({
      vectors: new MemoryVectorStore(),
      metrics: new RecordingMetrics(),
    });

    expect(outcomes).toEqual(VECTOR_COLLECTIONS.map((collection) => ({ collection, status: 'none' })));
  });

  it('refuses a keep below one before touching any collection', async () => {
    const vectors = new SnapshottingStore({});

    await expect(
      snapshotVectorCollections({ vectors, metrics: new RecordingMetrics() }, { keep: 0 }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(vectors.calls).toEqual([]);
  });
});
