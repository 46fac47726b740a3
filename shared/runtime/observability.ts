import { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { MiddlewareObj } from '@middy/core';
import { stageMetrics } from '../adapters/metrics/emf-operational-metrics.ts';

// Outside Lambda (CLI, local server) the default level is WARN so stdout stays free for --json output.
const runningInLambda = Boolean(process.env.AWS_LAMBDA_FUNCTION_NAME);

export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'sergas',
  logLevel: (process.env.POWERTOOLS_LOG_LEVEL ?? (runningInLambda ? 'INFO' : 'WARN')) as 'INFO',
});

export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'sergas' });

/** The EMF buffer behind the operational metrics on Lambda (aws-container.ts); its one dimension is the stage. */
export const metrics = stageMetrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Sergas',
  stage: process.env.SERGAS_STAGE ?? 'local',
});

/**
 * Middy middleware: after the handler, and when it throws, writes what the invocation buffered in
 * `target` as EMF. Nothing is written (and Powertools does not warn) when nothing was recorded, which is
 * always the case outside Lambda, where the operational metrics go to the debug log instead.
 */
export function publishMetrics(target: Metrics = metrics): MiddlewareObj {
  const publish = () => {
    if (target.hasStoredMetrics()) target.publishStoredMetrics();
  };
  return { after: publish, onError: publish };
}
