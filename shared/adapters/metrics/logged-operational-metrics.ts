import type { CounterName, GaugeName, OperationalMetrics } from '../../ports/operational-metrics.ts';

/**
 * Operational metrics where there is no CloudWatch (the CLI, the local server, tests): each value goes to
 * the debug log, so `LOG_LEVEL=debug` shows what the alarms would see and stdout stays clean otherwise.
 */
export class LoggedOperationalMetrics implements OperationalMetrics {
  readonly #debug: (message: string, attributes: Record<string, unknown>) => void;

  constructor(debug: (message: string, attributes: Record<string, unknown>) => void) {
    this.#debug = debug;
  }

  count(name: CounterName, value = 1): void {
    this.#debug('metric', { metric: name, kind: 'counter', value });
  }

  gauge(name: GaugeName, value: number): void {
    this.#debug('metric', { metric: name, kind: 'gauge', value });
  }
}
