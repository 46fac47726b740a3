import type { CounterName, GaugeName, MetricName, OperationalMetrics } from '../../shared/ports/operational-metrics.ts';

/** Operational metrics kept in memory, in the order they were recorded. */
export class RecordingMetrics implements OperationalMetrics {
  readonly recorded: { name: MetricName; kind: 'counter' | 'gauge'; value: number }[] = [];

  count(name: CounterName, value = 1): void {
    this.recorded.push({ name, kind: 'counter', value });
  }

  gauge(name: GaugeName, value: number): void {
    this.recorded.push({ name, kind: 'gauge', value });
  }

  /** Every value recorded for `name`. */
  valuesOf(name: MetricName): number[] {
    return this.recorded.filter((entry) => entry.name === name).map((entry) => entry.value);
  }

  /** What a counter adds up to. */
  total(name: CounterName): number {
    return this.valuesOf(name).reduce((sum, value) => sum + value, 0);
  }
}
