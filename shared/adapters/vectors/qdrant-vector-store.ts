import { createHash } from 'node:crypto';
import { QdrantClient } from '@qdrant/js-client-rest';
import { RetryableUpstreamError } from '../../errors.ts';
import {
  assertVectors,
  type CollectionSpec,
  type Payload,
  type PayloadFilter,
  snapshotsToKeep,
  VectorCollectionNotFoundError,
  type VectorMatch,
  type VectorPoint,
  type VectorQuery,
  type VectorRecord,
  type VectorSnapshotOptions,
  type VectorSnapshotResult,
  type VectorStore,
} from '../../ports/vector-store.ts';

/** Qdrant ids are unsigned integers or UUIDs; ours are Zoho ids and composite keys, kept here. */
export const ORIGINAL_ID_KEY = '_sergas_id';
const DISTANCES = { cosine: 'Cosine', dot: 'Dot' } as const;
const UPSERT_BATCH = 256;
const SCROLL_PAGE = 1000;
// A fixed namespace, so every process maps an id to the same point.
const NAMESPACE = Buffer.from('5e7a1c0d4b2f4e8a9c3d6f1b2a4c8e10', 'hex');

/** UUIDv5 (SHA-1, RFC 9562) of `id` in Sergas's namespace: the same string always gives the same point. */
export function qdrantPointId(id: string): string {
  const bytes = createHash('sha1').update(NAMESPACE).update(id, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function toFilter(filter: PayloadFilter | undefined) {
  const must = Object.entries(filter ?? {}).map(([key, value]) => ({ key, match: { value } }));
  return must.length > 0 ? { must } : undefined;
}

const statusOf = (error: unknown): number | undefined =>
  typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number'
    ? error.status
    : undefined;

/** Overload, an outage or an unreachable server is worth retrying; anything else is our mistake. */
function translated(error: unknown): unknown {
  const status = statusOf(error);
  if (status === undefined ? error instanceof TypeError : status === 429 || status >= 500) {
    return new RetryableUpstreamError(`Qdrant is unavailable: ${(error as Error).message}`, { cause: error });
  }
  return error;
}

export interface QdrantVectorStoreOptions {
  url: string;
  apiKey?: string | null;
}

/** Qdrant (on ECS in AWS) through its official REST client. */
export class QdrantVectorStore implements VectorStore {
  readonly #client: QdrantClient;
  readonly #specs = new Map<string, CollectionSpec>();

  constructor(options: QdrantVectorStoreOptions) {
    // The version check is a fire-and-forget request that only warns; our contract tests are the check.
    this.#client = new QdrantClient({
      url: options.url,
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
      checkCompatibility: false,
    });
  }

  async #call<T>(run: () => Promise<T>, onMissing: () => T): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (statusOf(error) === 404) return onMissing();
      throw translated(error);
    }
  }

  /** The collection's vector layout and the payload keys it has an index on; null when it does not exist. */
  async #describe(collection: string): Promise<{ spec: CollectionSpec; indexed: Set<string> } | null> {
    const info = await this.#call(
      () => this.#client.getCollection(collection),
      () => null,
    );
    const vectors = info?.config.params.vectors;
    if (!info || !vectors || !('size' in vectors) || typeof vectors.size !== 'number') return null;
    const distance = vectors.distance === 'Dot' ? 'dot' : 'cosine';
    const spec = { dimension: vectors.size, distance } as const;
    this.#specs.set(collection, spec);
    return { spec, indexed: new Set(Object.keys(info.payload_schema ?? {})) };
  }

  async #specOf(collection: string): Promise<CollectionSpec | null> {
    return this.#specs.get(collection) ?? (await this.#describe(collection))?.spec ?? null;
  }

  async ensureCollection(collection: string, spec: CollectionSpec): Promise<{ created: boolean }> {
    this.#specs.delete(collection);
    const existing = await this.#describe(collection);
    const same = existing?.spec.dimension === spec.dimension && existing.spec.distance === spec.distance;
    if (!same) {
      try {
        if (existing) await this.#client.deleteCollection(collection);
        await this.#client.createCollection(collection, {
          vectors: { size: spec.dimension, distance: DISTANCES[spec.distance] },
        });
      } catch (error) {
        // Another process created it between our look and our create.
        if (statusOf(error) !== 409) throw translated(error);
      }
    }
    // Without a payload index Qdrant checks the filter against every point it visits; with one, a
    // filtered search plans on the matching points alone. Creating an index that exists changes nothing.
    const indexed = same ? existing.indexed : new Set<string>();
    for (const key of spec.filterKeys ?? []) {
      if (indexed.has(key)) continue;
      await this.#call(
        () => this.#client.createPayloadIndex(collection, { field_name: key, field_schema: 'keyword', wait: true }),
        () => {
          throw new VectorCollectionNotFoundError(collection);
        },
      );
    }
    this.#specs.set(collection, { dimension: spec.dimension, distance: spec.distance });
    return { created: !same };
  }

  async upsert(collection: string, points: readonly VectorPoint[]): Promise<void> {
    const spec = await this.#specOf(collection);
    if (!spec) throw new VectorCollectionNotFoundError(collection);
    assertVectors(
      collection,
      spec.dimension,
      points.map((p) => p.vector),
    );
    for (let at = 0; at < points.length; at += UPSERT_BATCH) {
      const batch = points.slice(at, at + UPSERT_BATCH).map((point) => ({
        id: qdrantPointId(point.id),
        vector: [...point.vector],
        payload: { ...point.payload, [ORIGINAL_ID_KEY]: point.id },
      }));
      await this.#call(
        () => this.#client.upsert(collection, { wait: true, points: batch }),
        () => {
          this.#specs.delete(collection);
          throw new VectorCollectionNotFoundError(collection);
        },
      );
    }
  }

  async delete(collection: string, selector: { ids: readonly string[] } | { filter: PayloadFilter }): Promise<void> {
    if ('ids' in selector && selector.ids.length === 0) return;
    const target =
      'ids' in selector
        ? { points: selector.ids.map(qdrantPointId) }
        : { filter: toFilter(selector.filter) ?? { must: [] } };
    await this.#call(
      () => this.#client.delete(collection, { wait: true, ...target }),
      () => undefined,
    );
  }

  async query(collection: string, query: VectorQuery): Promise<VectorMatch[]> {
    const spec = await this.#specOf(collection);
    if (!spec) return [];
    assertVectors(collection, spec.dimension, [query.vector]);
    const filter = toFilter(query.filter);
    const result = await this.#call(
      () =>
        this.#client.query(collection, {
          query: [...query.vector],
          limit: query.limit,
          with_payload: true,
          ...(filter ? { filter } : {}),
        }),
      () => ({ points: [] }),
    );
    return result.points.map((point) => {
      const { [ORIGINAL_ID_KEY]: id, ...payload } = (point.payload ?? {}) as Payload;
      return { id: String(id ?? point.id), score: point.score, payload };
    });
  }

  async count(collection: string, filter?: PayloadFilter): Promise<number> {
    const qdrantFilter = toFilter(filter);
    const result = await this.#call(
      () => this.#client.count(collection, { exact: true, ...(qdrantFilter ? { filter: qdrantFilter } : {}) }),
      () => ({ count: 0 }),
    );
    return result.count;
  }

  /** Scrolls through the matching points a page at a time, payloads only, until Qdrant says there are no more. */
  async list(collection: string, filter?: PayloadFilter): Promise<VectorRecord[]> {
    const qdrantFilter = toFilter(filter);
    const records: VectorRecord[] = [];
    let offset: string | number | undefined;
    do {
      const page = await this.#call(
        () =>
          this.#client.scroll(collection, {
            limit: SCROLL_PAGE,
            with_payload: true,
            with_vector: false,
            ...(qdrantFilter ? { filter: qdrantFilter } : {}),
            ...(offset === undefined ? {} : { offset }),
          }),
        () => ({ points: [], next_page_offset: null }),
      );
      for (const point of page.points) {
        const { [ORIGINAL_ID_KEY]: id, ...payload } = (point.payload ?? {}) as Payload;
        records.push({ id: String(id ?? point.id), payload });
      }
      const next = page.next_page_offset;
      offset = typeof next === 'string' || typeof next === 'number' ? next : undefined;
    } while (offset !== undefined);
    return records;
  }

  /**
   * POST /collections/{name}/snapshots (waiting for the file), then DELETE each snapshot the listing
   * shows beyond the newest `keep`. Qdrant writes them under its snapshots path (EFS on ECS), one
   * directory per collection. Names carry the peer id, which changes with every new task, so age comes
   * from `creation_time`; the one just taken is always kept.
   */
  async snapshot(collection: string, options?: VectorSnapshotOptions): Promise<VectorSnapshotResult | null> {
    const keep = snapshotsToKeep(options);
    const taken = await this.#call(
      () => this.#client.createSnapshot(collection, { wait: true }),
      () => null,
    );
    if (!taken) return null;
    const listed = await this.#call(
      () => this.#client.listSnapshots(collection),
      () => [],
    );
    const older = listed.filter((s) => s.name !== taken.name).sort(newestFirst);
    const deleted: string[] = [];
    for (const stale of older.slice(keep - 1)) {
      // Gone already (another caller pruned it) is as good as deleted.
      await this.#call(
        () => this.#client.deleteSnapshot(collection, stale.name, { wait: true }),
        () => false,
      );
      deleted.push(stale.name);
    }
    return { taken: taken.name, deleted };
  }
}

/** Qdrant's `creation_time` is an ISO date-time without a zone, so strings compare in time order; unknown is oldest. */
function newestFirst(a: { name: string; creation_time?: string | null }, b: typeof a): number {
  const at = a.creation_time ?? '';
  const bt = b.creation_time ?? '';
  return at === bt ? b.name.localeCompare(a.name) : at < bt ? 1 : -1;
}
