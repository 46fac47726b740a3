import type { AccountSnapshot } from '../domain/crm.ts';
import type { DomainRules } from '../domain/domain-rules.ts';
import { ACCOUNT_FEATURE_DIMENSION, accountFeatures } from '../domain/memory/account-features.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { CrmCopyReader } from '../ports/crm-copy.ts';
import type { VectorPoint, VectorStore } from '../ports/vector-store.ts';

export const ACCOUNT_FEATURES_COLLECTION = 'account-features';
const MAX_SIMILAR = 50;

export interface SimilarAccountsDeps {
  copy: Pick<CrmCopyReader, 'loadSnapshot' | 'loadSnapshots' | 'listAccounts'>;
  vectors: VectorStore;
  clock: Clock;
  rules: DomainRules;
}

export interface SimilarAccount {
  accountId: string;
  name: string;
  /** Cosine similarity of the feature vectors, 1 for identical profiles. */
  score: number;
}

type FeatureDeps = Pick<SimilarAccountsDeps, 'vectors' | 'clock' | 'rules'>;

const ensureCollection = (deps: Pick<SimilarAccountsDeps, 'vectors'>) =>
  deps.vectors.ensureCollection(ACCOUNT_FEATURES_COLLECTION, {
    dimension: ACCOUNT_FEATURE_DIMENSION,
    distance: 'cosine',
  });

/** Accounts whose snapshots are loaded (a few set-based queries) and upserted together. */
export const FEATURE_BATCH = 500;

/**
 * Stores each account's feature vector as of now (every account of the copy when no ids are given).
 * 1. make sure the collection exists with today's feature layout
 * 2. a batch of accounts at a time: load their snapshots together, compute and upsert their vectors
 * 3. remove the vectors of given accounts the copy no longer has
 */
export async function indexAccountFeatures(
  deps: SimilarAccountsDeps,
  accountIds?: readonly string[],
): Promise<{ indexed: number; removed: number }> {
  await ensureCollection(deps);
  const ids = [...new Set(accountIds ?? (await deps.copy.listAccounts()).map((a) => a.id))];
  const asOf = deps.clock.now();
  const gone: string[] = [];
  let indexed = 0;
  for (let at = 0; at < ids.length; at += FEATURE_BATCH) {
    const batch = ids.slice(at, at + FEATURE_BATCH);
    const snapshots = await deps.copy.loadSnapshots(batch);
    const points: VectorPoint[] = [];
    for (const accountId of batch) {
      const snapshot = snapshots.get(accountId);
      if (!snapshot) {
        gone.push(accountId);
        continue;
      }
      points.push(featurePointOf(snapshot, asOf, deps.rules));
    }
    if (points.length > 0) await deps.vectors.upsert(ACCOUNT_FEATURES_COLLECTION, points);
    indexed += points.length;
  }
  if (gone.length > 0) await deps.vectors.delete(ACCOUNT_FEATURES_COLLECTION, { ids: gone });
  return { indexed, removed: gone.length };
}

function featurePointOf(snapshot: Omit<AccountSnapshot, 'baseline'>, asOf: Date, rules: DomainRules): VectorPoint {
  const { id, name, industry } = snapshot.account;
  return { id, vector: accountFeatures(snapshot, asOf, rules), payload: { accountId: id, name, industry } };
}

/**
 * The `k` indexed accounts most like this one, closest first, never itself. The account's own vector is
 * computed afresh, so it need not have been indexed; the others are as of their last indexing.
 */
export async function findSimilarAccounts(
  deps: SimilarAccountsDeps,
  accountId: string,
  k = 5,
): Promise<SimilarAccount[]> {
  checkK(k);
  const snapshot = await deps.copy.loadSnapshot(accountId);
  if (!snapshot) throw new NotFoundError('Account', accountId);
  return nearestAccounts(deps, accountId, accountFeatures(snapshot, deps.clock.now(), deps.rules), k);
}

/**
 * For a snapshot already loaded (the analysis has one): stores the account's feature vector as of now,
 * then finds the `k` accounts most like it, as {@link indexAccountFeatures} and {@link findSimilarAccounts}
 * would without reading the account again.
 */
export async function indexAndFindSimilar(
  deps: FeatureDeps,
  snapshot: Omit<AccountSnapshot, 'baseline'>,
  k = 5,
): Promise<SimilarAccount[]> {
  checkK(k);
  await ensureCollection(deps);
  const point = featurePointOf(snapshot, deps.clock.now(), deps.rules);
  await deps.vectors.upsert(ACCOUNT_FEATURES_COLLECTION, [point]);
  return nearestAccounts(deps, point.id, point.vector, k);
}

async function nearestAccounts(
  deps: Pick<SimilarAccountsDeps, 'vectors'>,
  accountId: string,
  vector: readonly number[],
  k: number,
): Promise<SimilarAccount[]> {
  const matches = await deps.vectors.query(ACCOUNT_FEATURES_COLLECTION, { vector, limit: k + 1 });
  return matches
    .filter((m) => m.id !== accountId)
    .slice(0, k)
    .map((m) => ({ accountId: m.id, name: String(m.payload.name ?? ''), score: m.score }));
}

function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1 || k > MAX_SIMILAR) {
    throw new ValidationError(`k must be a whole number from 1 to ${MAX_SIMILAR}`, { k });
  }
}
