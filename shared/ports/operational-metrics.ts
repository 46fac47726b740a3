/**
 * The numbers operations watch: each one backs a CloudWatch alarm and a dashboard widget on AWS
 * (infra/constructs/operations-monitoring.ts names the same metrics).
 */

/** Counters: what happened, added up over a period (the alarms use Sum). */
export const COUNTERS = {
  /** One for every 429 answer from Zoho's CRM API. */
  ZohoThrottled: 'count',
  /** US dollars one LLM call cost, whatever its outcome (a rejected answer still costs). */
  LlmCostUsd: 'usd',
  /** One for every vector collection whose daily snapshot failed (a replaced Qdrant task would recover older ones). */
  VectorSnapshotsFailed: 'count',
} as const;

/** Gauges: a level read at one moment (the alarms use Maximum or Minimum). */
export const GAUGES = {
  /** Zoho's X-API-CREDITS-REMAINING as last seen; Zoho sends it only past half the daily allowance. */
  ZohoCreditsRemaining: 'count',
  /** Pending approvals waiting on a person now (a deferred one only once its deferral has ended). */
  ApprovalBacklogCount: 'count',
  /** How long the longest of those has been waiting, in seconds; 0 with none waiting. */
  ApprovalBacklogOldestAgeSeconds: 'seconds',
} as const;

export type CounterName = keyof typeof COUNTERS;
export type GaugeName = keyof typeof GAUGES;
export type MetricName = CounterName | GaugeName;
/** How a metric's value reads; the adapter maps it to its own units. */
export type MetricUnit = (typeof COUNTERS)[CounterName] | (typeof GAUGES)[GaugeName];

/** Every metric and its unit, counters first. */
export const OPERATIONAL_METRICS: Readonly<Record<MetricName, MetricUnit>> = { ...COUNTERS, ...GAUGES };

/**
 * Where operational numbers go: EMF through Powertools on Lambda (published at the end of each
 * invocation), the debug log locally. Recording never fails and never waits, so a metric cannot break
 * the work it describes.
 */
export interface OperationalMetrics {
  /** Adds `value` (default 1) to a counter. */
  count(name: CounterName, value?: number): void;
  /** Records the current level of a gauge. */
  gauge(name: GaugeName, value: number): void;
}
