import { daysAgo, pastActivitiesOf } from '../account-facts.ts';
import type { Evidence } from '../analysis.ts';
import { addDaysToDate, localDateOf } from '../calendar.ts';
import type { AccountSnapshot, Activity } from '../crm.ts';
import type { DomainRules } from '../domain-rules.ts';
import { excerptAround, isNegated, keywordMatches, textFieldsOf } from './lexicon.ts';
import type { MemoryRules } from './memory-rules.ts';

/**
 * How the account's language moves: per 30-day window, the share of activities that read positive minus
 * the share that read negative (DOMAIN-RULES' negative words; a positive lexicon beside them), and the
 * slope of that net score across windows. A negated positive ("not happy") reads negative; a negated
 * negative ("no issues") reads neutral.
 */
export type SentimentDirection = 'improving' | 'stable' | 'declining' | 'insufficient_data';

export interface SentimentWindow {
  /** First and last local date of the window. */
  from: string;
  to: string;
  activities: number;
  positive: number;
  negative: number;
  /** (positive − negative) ÷ activities, −1…1; null for a window without activities. */
  net: number | null;
}

export interface SentimentTrend {
  trend: SentimentDirection;
  /** Change of the net score per window (least squares over windows with activities). */
  slope: number | null;
  /** The net score of the newest window. */
  current: number | null;
  /** Oldest first. */
  windows: SentimentWindow[];
  detail: string;
  evidence: Evidence[];
}

const MAX_EVIDENCE = 10;

interface Reading {
  activity: Activity;
  polarity: -1 | 0 | 1;
  evidence: Evidence | null;
}

/** Whether an activity reads positive, negative or neither, citing the words that decided it. */
export function readingOf(activity: Activity, negativeWords: readonly string[], positiveWords: readonly string[]) {
  let positive = 0;
  let negative = 0;
  let cited: Evidence | null = null;
  for (const { field, text } of textFieldsOf(activity)) {
    for (const match of keywordMatches(text, positiveWords)) {
      if (isNegated(text, match.index)) negative++;
      else positive++;
    }
    for (const match of keywordMatches(text, negativeWords)) {
      if (!isNegated(text, match.index)) negative++;
    }
    const [first] = keywordMatches(text, [...negativeWords, ...positiveWords]);
    if (first && cited === null) {
      cited = { module: activity.module, id: activity.id, field, value: excerptAround(text, first.index) };
    }
  }
  const polarity: Reading['polarity'] = positive > negative ? 1 : negative > positive ? -1 : 0;
  return { activity, polarity, evidence: polarity !== 0 ? cited : null } satisfies Reading;
}

/** Least-squares slope of y over x. */
export function slopeOf(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  const meanX = points.reduce((s, p) => s + p.x, 0) / n;
  const meanY = points.reduce((s, p) => s + p.y, 0) / n;
  const sxy = points.reduce((s, p) => s + (p.x - meanX) * (p.y - meanY), 0);
  const sxx = points.reduce((s, p) => s + (p.x - meanX) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

const round = (value: number) => Math.round(value * 100) / 100;

export function sentimentTrendOf(
  snapshot: AccountSnapshot,
  asOf: Date,
  rules: DomainRules,
  memory: MemoryRules,
): SentimentTrend {
  const { windowDays, windows: windowCount, trendSlope, positiveKeywords } = memory.sentimentTrend;
  const today = localDateOf(asOf, rules.timeZone);
  const readings = pastActivitiesOf(snapshot, asOf)
    .map((activity) => ({ age: daysAgo(activity.occurredAt, asOf, rules), activity }))
    .filter(({ age }) => age < windowDays * windowCount)
    .map(({ age, activity }) => ({
      window: Math.floor(age / windowDays),
      ...readingOf(activity, rules.negativeSentiment.keywords, positiveKeywords),
    }));

  // Window 0 is the newest (today and the 29 days before it); the list is returned oldest first.
  const windows: SentimentWindow[] = [];
  for (let w = windowCount - 1; w >= 0; w--) {
    const inWindow = readings.filter((r) => r.window === w);
    const positive = inWindow.filter((r) => r.polarity > 0).length;
    const negative = inWindow.filter((r) => r.polarity < 0).length;
    windows.push({
      from: addDaysToDate(today, -((w + 1) * windowDays - 1)),
      to: addDaysToDate(today, -w * windowDays),
      activities: inWindow.length,
      positive,
      negative,
      net: inWindow.length === 0 ? null : round((positive - negative) / inWindow.length),
    });
  }

  const points = windows.flatMap((w, x) => (w.net === null ? [] : [{ x, y: w.net }]));
  const current = windows.at(-1)?.net ?? null;
  const evidence = readings
    .filter((r) => r.evidence !== null)
    .sort((a, b) => b.activity.occurredAt.getTime() - a.activity.occurredAt.getTime())
    .map((r) => r.evidence!)
    .slice(0, MAX_EVIDENCE);
  if (points.length < 2) {
    return {
      trend: 'insufficient_data',
      slope: null,
      current,
      windows,
      detail: `Activities in fewer than two of the last ${windowCount} ${windowDays}-day windows: no trend yet`,
      evidence,
    };
  }
  const slope = round(slopeOf(points));
  const trend: SentimentDirection = slope >= trendSlope ? 'improving' : slope <= -trendSlope ? 'declining' : 'stable';
  return {
    trend,
    slope,
    current,
    windows,
    detail: `Sentiment is ${trend} (${slope > 0 ? '+' : ''}${slope} per ${windowDays} days; latest window ${current ?? 'has no activity'})`,
    evidence,
  };
}
