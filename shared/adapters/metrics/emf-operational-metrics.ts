import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  type CounterName,
  type GaugeName,
  type MetricName,
  OPERATIONAL_METRICS,
  type OperationalMetrics,
  type MetricUnit as OperationalUnit,
} from '../../ports/operational-metrics.ts';

type CloudWatchUnit = (typeof MetricUnit)[keyof typeof MetricUnit];

// CloudWatch has no currency unit: dollars are plain numbers.
const UNITS: Record<OperationalUnit, CloudWatchUnit> = {
  count: MetricUnit.Count,
  usd: MetricUnit.NoUnit,
  seconds: MetricUnit.Seconds,
};

/** The dimension every operational metric carries; the alarms select on it. */
export const STAGE_DIMENSION = 'Stage';

/**
 * A Powertools Metrics buffer whose only dimension is the stage. Powertools adds a `service` dimension
 * (the function) by default; dropping it makes every function's values one series per metric and
 * stage, which is what one alarm can watch (dev and prod may share an account and namespace).
 */
export function stageMetrics(options: { namespace: string; stage: string }): Metrics {
  const metrics = new Metrics({ namespace: options.namespace });
  metrics.clearDefaultDimensions();
  metrics.setDefaultDimensions({ [STAGE_DIMENSION]: options.stage });
  return metrics;
}

export interface EmfOperationalMetricsOptions {
  /** Told when a value could not be stored (not a finite number); the work it describes goes on. */
  onError?: (error: unknown, name: MetricName) => void;
}

/**
 * Operational metrics as CloudWatch Embedded Metric Format through Powertools: values are buffered in
 * `metrics` and written to stdout as EMF when the runtime publishes them at the end of the invocation
 * (shared/runtime/observability.ts `publishMetrics`), and CloudWatch turns the log lines into metrics.
 * The dimensions are whatever `metrics` has as defaults (on Lambda: the stage only).
 */
export class EmfOperationalMetrics implements OperationalMetrics {
  readonly #metrics: Metrics;
  readonly #onError: (error: unknown, name: MetricName) => void;

  constructor(metrics: Metrics, options: EmfOperationalMetricsOptions = {}) {
    this.#metrics = metrics;
    this.#onError = options.onError ?? (() => undefined);
  }

  count(name: CounterName, value = 1): void {
    this.#add(name, value);
  }

  gauge(name: GaugeName, value: number): void {
    this.#add(name, value);
  }

  #add(name: MetricName, value: number): void {
    try {
      if (!Number.isFinite(value)) throw new RangeError(`${name}: ${value} is not a finite number`);
      this.#metrics.addMetric(name, UNITS[OPERATIONAL_METRICS[name]], value);
    } catch (error) {
      this.#onError(error, name);
    }
  }
}
