import { describe, expect, it } from 'vitest';
import { MemoryVectorStore } from '../../../shared/adapters/vectors/memory-vector-store.ts';
import type { AccountSnapshot } from '../../../shared/domain/crm.ts';
import { defaultDomainRules } from '../../../shared/domain/domain-rules.ts';
import { accountFeatures } from '../../../shared/domain/memory/account-features.ts';
import type { VectorPoint } from '../../../shared/ports/vector-store.ts';
import {
  ACCOUNT_FEATURES_COLLECTION,
  FEATURE_BATCH,
  findSimilarAccounts,
  indexAccountFeatures,
  indexAndFindSimilar,
} from '../../../shared/use-cases/similar-accounts.ts';
import {
  AS_OF,
  aDeal,
  anAccount,
  aSnapshot,
  callDaysAgo,
  dealInStageFor,
  meetingDaysAgo,
} from '../../fixtures/domain/builders.ts';
import { snapshotCopy } from '../../support/snapshot-copy.ts';

function account(
  id: string,
  name: string,
  overrides: Partial<AccountSnapshot['account']>,
  rest: Partial<AccountSnapshot>,
) {
  const deals = (rest.deals ?? []).map((d) => ({ ...d, accountId: id }));
  const activities = (rest.activities ?? []).map((a) => ({ ...a, accountId: id }));
  return aSnapshot({ account: anAccount({ id, name, ...overrides }), contacts: [], deals, activities });
}

const ACME = '4876876000000100001';
const BOREALIS = '4876876000000100002';
const NORTHWIND = '4876876000000100003';
const HELIOS = '4876876000000100004';
const GAIA = '4876876000000100005';

/** A small logistics company, its near twin, a mid-size cousin, a big bank and a biotech start-up. */
function demoOrg() {
  return [
    account(
      ACME,
      'Acme Logistics',
      { industry: 'Transportation', employees: 120, annualRevenue: 250_000 },
      {
        deals: [aDeal({ amount: 80_000 })],
        activities: [callDaysAgo(3), meetingDaysAgo(15), callDaysAgo(40)],
      },
    ),
    account(
      BOREALIS,
      'Borealis Freight',
      { industry: 'Transportation', employees: 150, annualRevenue: 310_000 },
      {
        deals: [aDeal({ amount: 95_000 })],
        activities: [callDaysAgo(6), callDaysAgo(33), meetingDaysAgo(70)],
      },
    ),
    account(
      NORTHWIND,
      'Northwind Carriers',
      { industry: 'Transportation', employees: 2_500, annualRevenue: 40_000_000 },
      {
        deals: [dealInStageFor(50, { amount: 1_200_000 }), aDeal({ stage: 'Closed Won', amount: 700_000 })],
        activities: [callDaysAgo(10)],
      },
    ),
    account(
      HELIOS,
      'Helios Bank',
      { industry: 'Banking', employees: 40_000, annualRevenue: 2_000_000_000 },
      {
        deals: [aDeal({ stage: 'Closed Won', amount: 3_000_000 })],
        activities: [],
      },
    ),
    account(
      GAIA,
      'Gaia Biotech',
      { industry: 'Biotechnology', employees: 12, annualRevenue: null },
      {
        deals: [aDeal({ stage: 'Closed Lost', amount: 15_000 })],
        activities: [callDaysAgo(80)],
      },
    ),
  ];
}

function world(snapshots = demoOrg()) {
  const vectors = new MemoryVectorStore();
  const copy = snapshotCopy(snapshots);
  const deps = { copy, vectors, clock: { now: () => AS_OF }, rules: defaultDomainRules };
  return { deps, vectors, copy };
}

describe('similar accounts', () => {
  it('indexes every account of the copy when no ids are given', async () => {
    const { deps, vectors } = world();

    expect(await indexAccountFeatures(deps)).toEqual({ indexed: 5, removed: 0 });
    expect(await vectors.count(ACCOUNT_FEATURES_COLLECTION)).toBe(5);
  });

  it('finds the account of the same industry, size and rhythm first', async () => {
    const { deps } = world();
    await indexAccountFeatures(deps);

    const similar = await findSimilarAccounts(deps, ACME, 3);

    expect(similar.map((s) => s.name)).toEqual(['Borealis Freight', 'Northwind Carriers', expect.any(String)]);
    expect(similar[0]!.score).toBeGreaterThan(0.95);
    expect(similar[0]!.score).toBeGreaterThan(similar[1]!.score);
  });

  it('never lists the account itself', async () => {
    const { deps } = world();
    await indexAccountFeatures(deps);

    const similar = await findSimilarAccounts(deps, HELIOS, 4);

    expect(similar.map((s) => s.accountId)).not.toContain(HELIOS);
    expect(similar).toHaveLength(4);
  });

  it('compares an account that was never indexed with those that were', async () => {
    const { deps } = world();
    await indexAccountFeatures(deps, [BOREALIS, HELIOS, GAIA]);

    const [closest] = await findSimilarAccounts(deps, ACME, 1);

    expect(closest?.accountId).toBe(BOREALIS);
  });

  it('indexes a loaded snapshot and finds the accounts like it, without reading the copy', async () => {
    const { deps, vectors } = world();
    await indexAccountFeatures(deps, [BOREALIS, NORTHWIND, HELIOS, GAIA]);
    const acme = demoOrg().find((s) => s.account.id === ACME)!;
    const unread = { ...deps, copy: undefined };

    const similar = await indexAndFindSimilar(unread, acme, 2);

    expect(similar.map((s) => s.name)).toEqual(['Borealis Freight', 'Northwind Carriers']);
    expect(similar).toEqual((await findSimilarAccounts(deps, ACME, 2)).map((s) => expect.objectContaining(s)));
    expect(await vectors.count(ACCOUNT_FEATURES_COLLECTION)).toBe(5);
  });

  it('removes the vector of an account the copy no longer has', async () => {
    const { deps, vectors, copy } = world();
    await indexAccountFeatures(deps);
    copy.remove(GAIA);

    expect(await indexAccountFeatures(deps, [GAIA, ACME])).toEqual({ indexed: 1, removed: 1 });
    expect(await vectors.count(ACCOUNT_FEATURES_COLLECTION)).toBe(4);
  });

  it('loads the snapshots of a large org in batches, never one account at a time, with the same vectors', async () => {
    const industries = ['Transportation', 'Banking', 'Retail', null];
    const org = Array.from({ length: 2 * FEATURE_BATCH + 17 }, (_, i) =>
      account(
        `48768760001${String(i).padStart(8, '0')}`,
        `Account ${i}`,
        { industry: industries[i % 4]!, employees: 10 + i, annualRevenue: i % 3 ? 1_000 * i : null },
        { deals: [aDeal({ amount: 500 * i })], activities: i % 2 ? [callDaysAgo(i % 90)] : [] },
      ),
    );
    const { deps, vectors, copy } = world(org);
    const batches: number[] = [];
    const upserted: VectorPoint[] = [];
    const upsert = vectors.upsert.bind(vectors);
    vectors.upsert = async (collection, points) => {
      upserted.push(...points);
      return upsert(collection, points);
    };
    const counted = {
      ...deps,
      copy: {
        ...copy,
        loadSnapshot: () => Promise.reject(new Error('loaded one by one')),
        loadSnapshots: (ids: readonly string[]) => {
          batches.push(ids.length);
          return copy.loadSnapshots(ids);
        },
      },
    };

    expect(await indexAccountFeatures(counted)).toEqual({ indexed: org.length, removed: 0 });
    expect(batches).toEqual([FEATURE_BATCH, FEATURE_BATCH, 17]);
    expect(upserted).toEqual(
      [...org]
        .sort((a, b) => a.account.name.localeCompare(b.account.name))
        .map((s) => ({
          id: s.account.id,
          vector: accountFeatures(s, AS_OF, defaultDomainRules),
          payload: { accountId: s.account.id, name: s.account.name, industry: s.account.industry },
        })),
    );
  });

  it('refuses an unknown account', async () => {
    const { deps } = world();

    await expect(findSimilarAccounts(deps, '4876876000000199999', 3)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it.each([0, 2.5, 51])('refuses to list %s similar accounts', async (k) => {
    const { deps } = world();

    await expect(findSimilarAccounts(deps, ACME, k)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
