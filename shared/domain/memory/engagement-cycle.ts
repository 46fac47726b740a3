import { activityTimeEvidence, pastActivitiesOf } from '../account-facts.ts';
import type { Evidence } from '../analysis.ts';
import { daysBetweenDates, localDateOf } from '../calendar.ts';
import type { AccountSnapshot, Activity } from '../crm.ts';
import type { DomainRules } from '../domain-rules.ts';
import type { MemoryRules } from './memory-rules.ts';

/**
 * The account's engagement rhythm: how many days usually pass between days with activity, how long the
 * current silence is against that, and whether the rhythm is regular enough to be called periodic.
 */
export type EngagementRhythm = 'insufficient_data' | 'on_rhythm' | 'overdue' | 'lapsed';

export interface EngagementCycle {
  status: EngagementRhythm;
  /** Distinct days with activity in the lookback. */
  activityDays: number;
  /** The median gap between consecutive activity days. */
  typicalGapDays: number | null;
  averageGapDays: number | null;
  /** Days from the last activity to today; null when the account has none. */
  currentGapDays: number | null;
  /** Current gap ÷ typical gap. */
  gapRatio: number | null;
  /** `regular` when the gaps vary little (coefficient of variation ≤ the rule), else `irregular`. */
  periodicity: 'regular' | 'irregular' | null;
  /** Coefficient of variation of the gaps (standard deviation ÷ mean). */
  variation: number | null;
  detail: string;
  evidence: Evidence[];
}

const round = (value: number, places = 2) => Math.round(value * 10 ** places) / 10 ** places;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function variationOf(values: readonly number[]): number {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  if (mean === 0) return 0;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
  return Math.sqrt(variance) / mean;
}

/** The first activity of each local day, oldest day first. */
function activityDaysOf(activities: readonly Activity[], timeZone: string): { date: string; activity: Activity }[] {
  const byDay = new Map<string, Activity>();
  const oldestFirst = [...activities].sort(
    (a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.id.localeCompare(b.id),
  );
  for (const activity of oldestFirst) {
    const date = localDateOf(activity.occurredAt, timeZone);
    if (!byDay.has(date)) byDay.set(date, activity);
  }
  return [...byDay].map(([date, activity]) => ({ date, activity }));
}

export function engagementCycleOf(
  snapshot: AccountSnapshot,
  asOf: Date,
  rules: DomainRules,
  memory: MemoryRules,
): EngagementCycle {
  const { lookbackDays, minGaps, overdueFactor, lapsedFactor, regularMaxVariation } = memory.engagementCycle;
  const today = localDateOf(asOf, rules.timeZone);
  const allDays = activityDaysOf(pastActivitiesOf(snapshot, asOf), rules.timeZone);
  const last = allDays.at(-1);
  const currentGapDays = last ? daysBetweenDates(last.date, today) : null;
  const days = allDays.filter((d) => daysBetweenDates(d.date, today) <= lookbackDays);
  const gaps = days.slice(1).map((d, i) => daysBetweenDates(days[i]!.date, d.date));
  const lastEvidence = last ? [activityTimeEvidence(last.activity)] : [];

  if (gaps.length < minGaps) {
    return {
      status: 'insufficient_data',
      activityDays: days.length,
      typicalGapDays: null,
      averageGapDays: null,
      currentGapDays,
      gapRatio: null,
      periodicity: null,
      variation: null,
      detail: `${days.length} day(s) with activity in the last ${lookbackDays} days: too few to know the account's rhythm`,
      evidence: lastEvidence,
    };
  }

  const typical = median(gaps);
  const average = gaps.reduce((s, g) => s + g, 0) / gaps.length;
  const variation = variationOf(gaps);
  const current = currentGapDays ?? 0;
  const ratio = current / typical;
  const status: EngagementRhythm = ratio > lapsedFactor ? 'lapsed' : ratio > overdueFactor ? 'overdue' : 'on_rhythm';
  const periodicity = variation <= regularMaxVariation ? 'regular' : 'irregular';
  const verdict = {
    on_rhythm: 'within its usual rhythm',
    overdue: 'longer than usual',
    lapsed: 'far longer than usual',
  }[status];
  return {
    status,
    activityDays: days.length,
    typicalGapDays: round(typical, 1),
    averageGapDays: round(average, 1),
    currentGapDays,
    gapRatio: round(ratio),
    periodicity,
    variation: round(variation),
    detail: `Activity usually every ${round(typical, 1)} days (${periodicity}); ${current} days since the last, ${verdict}`,
    evidence: [...lastEvidence, activityTimeEvidence(days[0]!.activity)],
  };
}
