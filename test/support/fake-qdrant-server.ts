import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

/**
 * A real HTTP server speaking the subset of Qdrant's REST API (v1.x, https://api.qdrant.tech) that our
 * adapter uses, since no Qdrant binary can be installed here. Request bodies are checked against Qdrant's
 * documented shapes (unknown keys included) so that a call a real server would refuse fails here too;
 * valid features we do not implement answer 501 rather than being silently ignored.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

/** A collection snapshot as Qdrant lists it (GET /collections/{name}/snapshots). */
export interface FakeSnapshot {
  name: string;
  creation_time: string | null;
  size: number;
  checksum: string | null;
}

export interface FakeQdrant {
  url: string;
  requests: RecordedRequest[];
  /**
   * The snapshot files of a collection, as its directory under the snapshots path holds them (they
   * outlive the collection). The live list: a test may add files an earlier server left behind.
   */
  snapshots(collection: string): FakeSnapshot[];
  close(): Promise<void>;
}

type Distance = 'Cosine' | 'Dot' | 'Euclid' | 'Manhattan';
type PointId = number | string;

interface StoredPoint {
  id: PointId;
  vector: number[];
  payload: Record<string, unknown>;
  version: number;
}

interface Collection {
  size: number;
  distance: Distance;
  points: Map<string, StoredPoint>;
  version: number;
  /** Payload keys with a keyword index (PUT /collections/{name}/index). */
  indexed: Set<string>;
}

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const PointIdSchema = z.union([
  z.number().int().nonnegative(),
  z.string().regex(UUID, 'point ids are unsigned integers or UUIDs'),
]);
const NOT_IMPLEMENTED = z.unknown().optional();

const MatchValue = z.strictObject({ value: z.union([z.string(), z.number().int(), z.boolean()]) });
const FieldCondition = z.strictObject({
  key: z.string().min(1),
  match: MatchValue.optional(),
  range: NOT_IMPLEMENTED,
  geo_bounding_box: NOT_IMPLEMENTED,
  geo_radius: NOT_IMPLEMENTED,
  geo_polygon: NOT_IMPLEMENTED,
  values_count: NOT_IMPLEMENTED,
  is_empty: NOT_IMPLEMENTED,
  is_null: NOT_IMPLEMENTED,
});
const Conditions = z.union([FieldCondition, z.array(FieldCondition)]).nullish();
const FilterSchema = z.strictObject({
  must: Conditions,
  must_not: Conditions,
  should: NOT_IMPLEMENTED,
  min_should: NOT_IMPLEMENTED,
});
type Filter = z.infer<typeof FilterSchema>;

const VectorParams = z.strictObject({
  size: z.number().int().min(1).max(65536),
  distance: z.enum(['Cosine', 'Dot', 'Euclid', 'Manhattan']),
  hnsw_config: z.unknown().optional(),
  quantization_config: z.unknown().optional(),
  on_disk: z.boolean().nullish(),
  datatype: NOT_IMPLEMENTED,
  multivector_config: NOT_IMPLEMENTED,
});
const CreateCollection = z.strictObject({
  vectors: VectorParams,
  shard_number: z.number().int().min(1).nullish(),
  sharding_method: z.unknown().optional(),
  replication_factor: z.number().int().min(1).nullish(),
  write_consistency_factor: z.number().int().min(1).nullish(),
  on_disk_payload: z.boolean().nullish(),
  hnsw_config: z.unknown().optional(),
  wal_config: z.unknown().optional(),
  optimizers_config: z.unknown().optional(),
  quantization_config: z.unknown().optional(),
  sparse_vectors: NOT_IMPLEMENTED,
  strict_mode_config: z.unknown().optional(),
  metadata: z.unknown().optional(),
});
const PointsList = z.strictObject({
  points: z.array(
    z.strictObject({
      id: PointIdSchema,
      vector: z.array(z.number()),
      payload: z.record(z.string(), z.unknown()).nullish(),
    }),
  ),
  shard_key: NOT_IMPLEMENTED,
  update_filter: NOT_IMPLEMENTED,
  update_mode: NOT_IMPLEMENTED,
});
const PointsSelector = z.union([
  z.strictObject({ points: z.array(PointIdSchema), shard_key: NOT_IMPLEMENTED }),
  z.strictObject({ filter: FilterSchema, shard_key: NOT_IMPLEMENTED }),
]);
/** Keyword indexes only: another field schema is refused (400), never silently accepted. */
const CreateFieldIndex = z.strictObject({
  field_name: z.string().min(1),
  field_schema: z.union([
    z.literal('keyword'),
    z.strictObject({ type: z.literal('keyword'), is_tenant: z.boolean().nullish(), on_disk: z.boolean().nullish() }),
  ]),
});
const CountRequest = z.strictObject({
  filter: FilterSchema.nullish(),
  exact: z.boolean().optional(),
  shard_key: NOT_IMPLEMENTED,
});
const QueryRequest = z.strictObject({
  query: z.union([z.array(z.number()), z.strictObject({ nearest: z.array(z.number()) })]).nullish(),
  filter: FilterSchema.nullish(),
  limit: z.number().int().min(1).nullish(),
  offset: z.number().int().min(0).nullish(),
  with_payload: z.boolean().nullish(),
  with_vector: z.boolean().nullish(),
  score_threshold: z.number().nullish(),
  params: z.unknown().optional(),
  shard_key: NOT_IMPLEMENTED,
  prefetch: NOT_IMPLEMENTED,
  using: NOT_IMPLEMENTED,
  lookup_from: NOT_IMPLEMENTED,
});
const ScrollRequest = z.strictObject({
  offset: PointIdSchema.nullish(),
  limit: z.number().int().min(1).nullish(),
  filter: FilterSchema.nullish(),
  // Qdrant also takes a list of keys or an include/exclude selector; the fake answers only all or nothing.
  with_payload: z.union([z.boolean(), z.array(z.string()), z.looseObject({})]).nullish(),
  with_vector: z.union([z.boolean(), z.array(z.string())]).optional(),
  order_by: NOT_IMPLEMENTED,
  shard_key: NOT_IMPLEMENTED,
});

const IMPLEMENTED_ONLY_WHEN_ABSENT = [
  'range',
  'geo_bounding_box',
  'geo_radius',
  'geo_polygon',
  'values_count',
  'is_empty',
  'is_null',
  'should',
  'min_should',
  'shard_key',
  'prefetch',
  'using',
  'lookup_from',
  'sparse_vectors',
  'datatype',
  'multivector_config',
  'update_filter',
  'update_mode',
  'order_by',
];

function refuseUnimplemented(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) refuseUnimplemented(item);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [key, inner] of Object.entries(value)) {
    if (IMPLEMENTED_ONLY_WHEN_ABSENT.includes(key) && inner !== undefined && inner !== null) {
      throw new HttpError(501, `The fake Qdrant does not implement \`${key}\``);
    }
    if (key !== 'payload') refuseUnimplemented(inner);
  }
}

function parse<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new HttpError(400, `Format error in JSON body: ${issue.path.join('.')}: ${issue.message}`);
  }
  refuseUnimplemented(parsed.data);
  return parsed.data;
}

const keyOf = (id: PointId) => (typeof id === 'number' ? `n:${id}` : `u:${id.replace(/-/g, '').toLowerCase()}`);
/** Qdrant answers UUIDs in their hyphenated lower-case form, whatever form they came in. */
function canonical(id: PointId): PointId {
  if (typeof id === 'number') return id;
  const hex = id.replace(/-/g, '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Qdrant scrolls in id order: integer ids first, then UUIDs as 128-bit numbers. */
function compareIds(a: PointId, b: PointId): number {
  if (typeof a === 'number' || typeof b === 'number') {
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    return typeof a === 'number' ? -1 : 1;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

const asList = <T>(value: T | T[] | null | undefined): T[] =>
  value == null ? [] : Array.isArray(value) ? value : [value];

function matches(payload: Record<string, unknown>, filter: Filter | null | undefined): boolean {
  if (!filter) return true;
  const holds = (condition: z.infer<typeof FieldCondition>) => {
    const value = payload[condition.key];
    const wanted = condition.match?.value;
    return Array.isArray(value) ? value.includes(wanted) : value === wanted;
  };
  return asList(filter.must).every(holds) && !asList(filter.must_not).some(holds);
}

function scoreOf(distance: Distance, a: number[], b: number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    sum += distance === 'Euclid' ? (x - y) ** 2 : distance === 'Manhattan' ? Math.abs(x - y) : x * y;
  }
  return distance === 'Euclid' ? Math.sqrt(sum) : sum;
}

const closerFirst = (distance: Distance) => distance === 'Cosine' || distance === 'Dot';

function unit(vector: number[]): number[] {
  const length = Math.sqrt(vector.reduce((s, x) => s + x * x, 0));
  return length === 0 ? vector : vector.map((x) => x / length);
}

/** Qdrant names a snapshot `<collection>-<peer id>-<YYYY-MM-DD-HH-MM-SS>.snapshot` and lists its time without a zone. */
function snapshotOf(collection: string, peerId: number, at: Date, size: number): FakeSnapshot {
  const iso = at.toISOString().slice(0, 19);
  const stamp = iso.replace('T', '-').replace(/:/g, '-');
  return { name: `${collection}-${peerId}-${stamp}.snapshot`, creation_time: iso, size, checksum: null };
}

export async function startFakeQdrant(options: { apiKey?: string; peerId?: number } = {}): Promise<FakeQdrant> {
  const collections = new Map<string, Collection>();
  const snapshotFiles = new Map<string, FakeSnapshot[]>();
  const requests: RecordedRequest[] = [];
  const started = process.hrtime.bigint();
  const peerId = options.peerId ?? 5_208_071_523_870_401;
  // Snapshot times advance a second per snapshot from the wall clock, so every name is new and later.
  let lastSnapshotAt = 0;
  const snapshotsOf = (name: string) => {
    const files = snapshotFiles.get(name) ?? [];
    snapshotFiles.set(name, files);
    return files;
  };

  const collectionOf = (name: string) => {
    const found = collections.get(name);
    if (!found) throw new HttpError(404, `Not found: Collection \`${name}\` doesn't exist!`);
    return found;
  };
  const checkDimension = (collection: Collection, vector: number[]) => {
    if (vector.length !== collection.size) {
      throw new HttpError(
        400,
        `Wrong input: Vector dimension error: expected dim: ${collection.size}, got ${vector.length}`,
      );
    }
  };
  const waitOf = (query: Record<string, string>) => {
    if (query.wait !== undefined && query.wait !== 'true' && query.wait !== 'false') {
      throw new HttpError(400, 'Query deserialize error: wait must be a boolean');
    }
    return query.wait === 'true';
  };
  const updated = (collection: Collection, wait: boolean) => ({
    operation_id: collection.version,
    status: wait ? 'completed' : 'acknowledged',
  });

  function route(method: string, path: string, query: Record<string, string>, body: unknown): unknown {
    if (method === 'GET' && path === '/') return { raw: { title: 'qdrant - vector search engine', version: '1.19.0' } };
    const match = /^\/collections\/([^/]+)(\/.*)?$/.exec(path);
    if (!match) throw new HttpError(404, `Not found: ${path}`);
    const name = decodeURIComponent(match[1]!);
    const rest = `${method} ${match[2] ?? ''}`;
    const snapshotFile = /^DELETE \/snapshots\/([^/]+)$/.exec(rest);
    if (snapshotFile) {
      // Deleting waits by default (wait=true); false would let Qdrant finish it in the background.
      if (query.wait !== undefined) waitOf(query);
      const files = snapshotsOf(name);
      const at = files.findIndex((file) => file.name === decodeURIComponent(snapshotFile[1]!));
      if (at < 0) throw new HttpError(404, `Not found: Snapshot ${decodeURIComponent(snapshotFile[1]!)} not found`);
      files.splice(at, 1);
      return true;
    }
    switch (rest) {
      case 'GET /exists':
        return { exists: collections.has(name) };
      case 'PUT ': {
        const request = parse(CreateCollection, body);
        if (collections.has(name)) throw new HttpError(409, `Wrong input: Collection \`${name}\` already exists!`);
        collections.set(name, {
          size: request.vectors.size,
          distance: request.vectors.distance,
          points: new Map(),
          version: 0,
          indexed: new Set(),
        });
        return true;
      }
      case 'GET ': {
        const collection = collectionOf(name);
        return {
          status: 'green',
          optimizer_status: 'ok',
          indexed_vectors_count: 0,
          points_count: collection.points.size,
          segments_count: 1,
          config: {
            params: {
              vectors: { size: collection.size, distance: collection.distance },
              shard_number: 1,
              replication_factor: 1,
              write_consistency_factor: 1,
              on_disk_payload: true,
            },
            hnsw_config: {
              m: 16,
              ef_construct: 100,
              full_scan_threshold: 10000,
              max_indexing_threads: 0,
              on_disk: false,
            },
            optimizer_config: {
              deleted_threshold: 0.2,
              vacuum_min_vector_number: 1000,
              default_segment_number: 0,
              flush_interval_sec: 5,
            },
            wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0 },
            quantization_config: null,
          },
          payload_schema: Object.fromEntries(
            [...collection.indexed].map((key) => [
              key,
              {
                data_type: 'keyword',
                points: [...collection.points.values()].filter((point) => point.payload[key] !== undefined).length,
              },
            ]),
          ),
        };
      }
      case 'PUT /index': {
        const collection = collectionOf(name);
        const request = parse(CreateFieldIndex, body);
        collection.indexed.add(request.field_name);
        collection.version += 1;
        return updated(collection, waitOf(query));
      }
      case 'DELETE ':
        return collections.delete(name);
      case 'PUT /points': {
        const wait = waitOf(query);
        const collection = collectionOf(name);
        const request = parse(PointsList, body);
        for (const point of request.points) checkDimension(collection, point.vector);
        collection.version++;
        for (const point of request.points) {
          collection.points.set(keyOf(point.id), {
            id: canonical(point.id),
            vector: collection.distance === 'Cosine' ? unit(point.vector) : point.vector,
            payload: point.payload ?? {},
            version: collection.version,
          });
        }
        return updated(collection, wait);
      }
      case 'POST /points/delete': {
        const wait = waitOf(query);
        const collection = collectionOf(name);
        const request = parse(PointsSelector, body);
        collection.version++;
        if ('points' in request) {
          for (const id of request.points) collection.points.delete(keyOf(id));
        } else {
          for (const [key, point] of collection.points) {
            if (matches(point.payload, request.filter)) collection.points.delete(key);
          }
        }
        return updated(collection, wait);
      }
      case 'POST /snapshots': {
        // Creating waits by default; without waiting Qdrant answers 202 and writes the file later.
        if (query.wait !== undefined && !waitOf(query)) {
          throw new HttpError(501, 'The fake Qdrant only creates snapshots synchronously (wait=true)');
        }
        const collection = collectionOf(name);
        lastSnapshotAt = Math.max(Date.now(), lastSnapshotAt + 1000);
        const snapshot = snapshotOf(name, peerId, new Date(lastSnapshotAt), 1024 + 64 * collection.points.size);
        snapshotsOf(name).push(snapshot);
        return { ...snapshot };
      }
      case 'GET /snapshots':
        collectionOf(name);
        return snapshotsOf(name).map((file) => ({ ...file }));
      case 'POST /points/count': {
        const collection = collectionOf(name);
        const request = parse(CountRequest, body);
        return { count: [...collection.points.values()].filter((p) => matches(p.payload, request.filter)).length };
      }
      case 'POST /points/scroll': {
        const collection = collectionOf(name);
        const request = parse(ScrollRequest, body);
        if (request.with_payload != null && typeof request.with_payload !== 'boolean') {
          throw new HttpError(501, 'The fake Qdrant returns the whole payload or none');
        }
        if (Array.isArray(request.with_vector)) throw new HttpError(501, 'The fake Qdrant has no named vectors');
        const sorted = [...collection.points.values()]
          .filter((p) => matches(p.payload, request.filter))
          .sort((a, b) => compareIds(a.id, b.id));
        // The offset is the first id of the page, whether or not a point has it.
        const offset = request.offset == null ? null : canonical(request.offset);
        const start = offset === null ? 0 : sorted.findIndex((p) => compareIds(p.id, offset) >= 0);
        const from = start < 0 ? sorted.length : start;
        const limit = request.limit ?? 10;
        const page = sorted.slice(from, from + limit);
        return {
          points: page.map((point) => ({
            id: point.id,
            // Qdrant's default for scroll is with the payload.
            ...(request.with_payload !== false ? { payload: point.payload } : {}),
            ...(request.with_vector === true ? { vector: point.vector } : {}),
          })),
          next_page_offset: sorted[from + limit]?.id ?? null,
        };
      }
      case 'POST /points/query': {
        const collection = collectionOf(name);
        const request = parse(QueryRequest, body);
        if (!request.query) throw new HttpError(501, 'The fake Qdrant only answers nearest-vector queries');
        const raw = Array.isArray(request.query) ? request.query : request.query.nearest;
        checkDimension(collection, raw);
        const probe = collection.distance === 'Cosine' ? unit(raw) : raw;
        const sign = closerFirst(collection.distance) ? -1 : 1;
        const scored = [...collection.points.values()]
          .filter((p) => matches(p.payload, request.filter))
          .map((p) => ({ point: p, score: scoreOf(collection.distance, probe, p.vector) }))
          .filter(({ score }) =>
            request.score_threshold == null
              ? true
              : closerFirst(collection.distance)
                ? score >= request.score_threshold
                : score <= request.score_threshold,
          )
          .sort((a, b) => sign * (a.score - b.score));
        const offset = request.offset ?? 0;
        return {
          points: scored.slice(offset, offset + (request.limit ?? 10)).map(({ point, score }) => ({
            id: point.id,
            version: point.version,
            score,
            ...(request.with_payload ? { payload: point.payload } : {}),
            ...(request.with_vector ? { vector: point.vector } : {}),
          })),
        };
      }
      default:
        throw new HttpError(404, `Not found: ${method} ${path}`);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake-qdrant');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    };
    try {
      if (options.apiKey && req.headers['api-key'] !== options.apiKey) {
        throw new HttpError(401, 'Must provide an API key or an Authorization bearer token');
      }
      let body: unknown;
      if (text.length > 0) {
        if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
          throw new HttpError(415, 'Content-Type must be application/json');
        }
        try {
          body = JSON.parse(text);
        } catch {
          throw new HttpError(400, 'Format error in JSON body: not JSON');
        }
      }
      const query = Object.fromEntries(url.searchParams);
      requests.push({ method: req.method ?? 'GET', path: url.pathname, query, body });
      const result = route(req.method ?? 'GET', url.pathname, query, body);
      if (typeof result === 'object' && result !== null && 'raw' in result) return send(200, result.raw);
      send(200, { result, status: 'ok', time: elapsed() });
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 500;
      send(status, { status: { error: (error as Error).message }, time: elapsed() });
    }
  }

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    snapshots: snapshotsOf,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
