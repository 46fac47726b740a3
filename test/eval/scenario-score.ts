/**
 * Labels against outcomes: the per-scenario comparison the tests assert on, and precision/recall per
 * signal type and per recommendation type across the set for the eval report.
 */
import type { Outcome } from './scenario-bench.ts';
import { type Expected, RECOMMENDATION_TYPES, type Scenario, SIGNAL_TYPES } from './scenario-format.ts';

/** The labelled fields of an outcome, in the labels' shape and a stable order, so a diff reads well. */
export interface Observed {
  signals: { type: string; severity: string }[];
  risk_level: string;
  recommendation_types: string[];
  health_band?: string;
  health_score?: number;
  needs_review?: boolean;
  insufficient_data?: boolean;
}

const bySignal = (a: { type: string; severity: string }, b: { type: string; severity: string }) =>
  a.type.localeCompare(b.type) || a.severity.localeCompare(b.severity);

/** The expectation normalised for comparison: signals as a sorted multiset, recommendation types as a sorted set. */
export function normalisedExpected(expected: Expected): Observed {
  return {
    signals: [...expected.signals].sort(bySignal),
    risk_level: expected.risk_level,
    recommendation_types: [...new Set(expected.recommendation_types)].sort(),
    ...(expected.health_band !== undefined ? { health_band: expected.health_band } : {}),
    ...(expected.health_score !== undefined ? { health_score: expected.health_score } : {}),
    ...(expected.needs_review !== undefined ? { needs_review: expected.needs_review } : {}),
    ...(expected.insufficient_data !== undefined ? { insufficient_data: expected.insufficient_data } : {}),
  };
}

/** The outcome projected onto exactly the fields the scenario labels (optional labels only when given). */
export function observedFor(outcome: Outcome, expected: Expected): Observed {
  return {
    signals: outcome.signals.map((s) => ({ type: s.type, severity: s.severity })).sort(bySignal),
    risk_level: outcome.riskLevel,
    recommendation_types: [...new Set(outcome.recommendations.map((r) => r.type))].sort(),
    ...(expected.health_band !== undefined ? { health_band: outcome.health.band } : {}),
    ...(expected.health_score !== undefined ? { health_score: outcome.health.score } : {}),
    ...(expected.needs_review !== undefined ? { needs_review: outcome.needsReview } : {}),
    ...(expected.insufficient_data !== undefined ? { insufficient_data: outcome.insufficientData.length > 0 } : {}),
  };
}

export function matches(outcome: Outcome, expected: Expected): boolean {
  return JSON.stringify(observedFor(outcome, expected)) === JSON.stringify(normalisedExpected(expected));
}

export interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

export interface TypeScore extends Counts {
  type: string;
  /** null when the type was never predicted (precision) or never expected (recall). */
  precision: number | null;
  recall: number | null;
}

export interface EvalSummary {
  scenarios: number;
  passed: number;
  failed: { file: string; name: string; expected: Observed; observed: Observed }[];
  signals: TypeScore[];
  recommendations: TypeScore[];
  /** Micro-averaged over all types. */
  overall: { signals: Omit<TypeScore, 'type'>; recommendations: Omit<TypeScore, 'type'> };
}

const ratio = (n: number, d: number) => (d === 0 ? null : n / d);

function score(type: string, c: Counts): TypeScore {
  return { type, ...c, precision: ratio(c.tp, c.tp + c.fp), recall: ratio(c.tp, c.tp + c.fn) };
}

/** Multiset matching of labels: `key` decides what counts as the same item. */
function tally<T>(
  expected: readonly T[],
  observed: readonly T[],
  typeOf: (t: T) => string,
  key: (t: T) => string,
  into: Map<string, Counts>,
) {
  const remaining = new Map<string, number>();
  for (const item of expected) remaining.set(key(item), (remaining.get(key(item)) ?? 0) + 1);
  const counts = (type: string) => {
    let c = into.get(type);
    if (!c) {
      c = { tp: 0, fp: 0, fn: 0 };
      into.set(type, c);
    }
    return c;
  };
  for (const item of observed) {
    const left = remaining.get(key(item)) ?? 0;
    if (left > 0) {
      remaining.set(key(item), left - 1);
      counts(typeOf(item)).tp += 1;
    } else counts(typeOf(item)).fp += 1;
  }
  for (const item of expected) {
    const left = remaining.get(key(item)) ?? 0;
    if (left > 0) {
      remaining.set(key(item), left - 1);
      counts(typeOf(item)).fn += 1;
    }
  }
}

/**
 * Precision and recall across scenarios. A signal is right when its type and severity both match (a
 * right type at the wrong severity is a false positive and a false negative of that type); a
 * recommendation when its type is in the expected set.
 */
export function summarise(results: readonly { scenario: Scenario; outcome: Outcome }[]): EvalSummary {
  const signals = new Map<string, Counts>(SIGNAL_TYPES.map((t) => [t, { tp: 0, fp: 0, fn: 0 }]));
  const recommendations = new Map<string, Counts>(RECOMMENDATION_TYPES.map((t) => [t, { tp: 0, fp: 0, fn: 0 }]));
  const failed: EvalSummary['failed'] = [];
  for (const { scenario, outcome } of results) {
    const expected = normalisedExpected(scenario.expected);
    const observed = observedFor(outcome, scenario.expected);
    if (JSON.stringify(expected) !== JSON.stringify(observed))
      failed.push({ file: scenario.file, name: scenario.name, expected, observed });
    tally(
      expected.signals,
      observed.signals,
      (s) => s.type,
      (s) => `${s.type}:${s.severity}`,
      signals,
    );
    tally(
      expected.recommendation_types,
      observed.recommendation_types,
      (t) => t,
      (t) => t,
      recommendations,
    );
  }
  const total = (map: Map<string, Counts>) => {
    const sum = { tp: 0, fp: 0, fn: 0 };
    for (const c of map.values()) {
      sum.tp += c.tp;
      sum.fp += c.fp;
      sum.fn += c.fn;
    }
    const { type: _, ...rest } = score('', sum);
    return rest;
  };
  return {
    scenarios: results.length,
    passed: results.length - failed.length,
    failed,
    signals: [...signals].map(([type, c]) => score(type, c)),
    recommendations: [...recommendations].map(([type, c]) => score(type, c)),
    overall: { signals: total(signals), recommendations: total(recommendations) },
  };
}
