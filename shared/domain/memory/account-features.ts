import { daysAgo, isOpenDeal, type StageKind, stageKindOf } from '../account-facts.ts';
import type { AccountSnapshot } from '../crm.ts';
import type { DomainRules } from '../domain-rules.ts';
import { fnv1a32, l2Normalise } from './feature-hashing.ts';

/**
 * An account as a point in "what kind of account is this" space, for finding similar accounts.
 *
 * Each group is a unit-length block (or zeros when unknown), so the cosine of two accounts is the average
 * of the groups' similarities: the same industry counts as much as a similar size. Scalars are encoded
 * as an angle, [cos θ, sin θ] with θ ∈ [0, π/2] over a log scale, which makes their similarity
 * cos(Δθ): 1 for equal values, 0 for opposite ends of the range.
 */
export const INDUSTRY_BUCKETS = 32;
const STAGE_KINDS: readonly StageKind[] = ['open', 'won', 'lost', 'unknown'];
const SCALARS = ['employees', 'annualRevenue', 'openPipeline', 'activityCadence'] as const;

export const ACCOUNT_FEATURE_DIMENSION = INDUSTRY_BUCKETS + 2 * SCALARS.length + STAGE_KINDS.length;

/** The window over which activity cadence is measured, and the unit it is expressed in. */
const CADENCE_WINDOW_DAYS = 90;
const CADENCE_UNIT_DAYS = 30;

/** log10 ranges mapped onto [0, 1]: 1–100k employees, 1k–10bn revenue, 0–100m pipeline, 0–30 activities / 30 days. */
const position = {
  employees: (n: number) => Math.log10(1 + n) / 5,
  annualRevenue: (amount: number) => (Math.log10(1 + amount) - 3) / 7,
  openPipeline: (amount: number) => Math.log10(1 + amount) / 8,
  activityCadence: (perMonth: number) => Math.log1p(perMonth) / Math.log1p(30),
};

export interface AccountFeatureValues {
  industry: string | null;
  employees: number | null;
  annualRevenue: number | null;
  openPipeline: number;
  /** Past activities per 30 days over the last 90. */
  activityCadence: number;
  /** Share of the account's deals per stage kind; empty when it has none. */
  stageMix: Partial<Record<StageKind, number>>;
}

/** The raw values behind the vector, so that a "similar because" can be shown. */
export function accountFeatureValues(
  snapshot: Pick<AccountSnapshot, 'account' | 'deals' | 'activities'>,
  asOf: Date,
  rules: DomainRules,
): AccountFeatureValues {
  const { account, deals } = snapshot;
  // Only what has happened: a meeting booked for next week is not engagement yet.
  const recent = snapshot.activities.filter(
    (a) => a.occurredAt.getTime() <= asOf.getTime() && daysAgo(a.occurredAt, asOf, rules) < CADENCE_WINDOW_DAYS,
  );
  const stageMix: Partial<Record<StageKind, number>> = {};
  for (const deal of deals) {
    const kind = stageKindOf(deal.stage, rules);
    stageMix[kind] = (stageMix[kind] ?? 0) + 1 / deals.length;
  }
  return {
    industry: account.industry?.trim() || null,
    employees: account.employees,
    annualRevenue: account.annualRevenue,
    openPipeline: deals.filter((d) => isOpenDeal(d, rules)).reduce((sum, d) => sum + Math.max(0, d.amount ?? 0), 0),
    activityCadence: recent.length / (CADENCE_WINDOW_DAYS / CADENCE_UNIT_DAYS),
    stageMix,
  };
}

function angle(x: number | null): [number, number] {
  if (x === null || !Number.isFinite(x)) return [0, 0];
  const theta = (Math.min(1, Math.max(0, x)) * Math.PI) / 2;
  return [Math.cos(theta), Math.sin(theta)];
}

export function industryBucketOf(industry: string): number {
  return fnv1a32(industry.trim().toLowerCase()) % INDUSTRY_BUCKETS;
}

/** The account's feature vector: unit length, ACCOUNT_FEATURE_DIMENSION long, all-zero blocks for unknowns. */
export function accountFeatures(
  snapshot: Pick<AccountSnapshot, 'account' | 'deals' | 'activities'>,
  asOf: Date,
  rules: DomainRules,
): number[] {
  const values = accountFeatureValues(snapshot, asOf, rules);
  const industry = new Array<number>(INDUSTRY_BUCKETS).fill(0);
  if (values.industry) industry[industryBucketOf(values.industry)] = 1;
  const scalar = (key: (typeof SCALARS)[number]) => {
    const value = values[key];
    return angle(value === null || value < 0 ? null : position[key](value));
  };
  // Square roots make the mix a unit vector whose dot product is the Bhattacharyya coefficient of two mixes.
  const stages = STAGE_KINDS.map((kind) => Math.sqrt(values.stageMix[kind] ?? 0));
  return l2Normalise([...industry, ...SCALARS.flatMap(scalar), ...stages]);
}
