import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

// Outside Lambda (CLI, local server) the default level is WARN so stdout stays free for --json output.
const runningInLambda = Boolean(process.env.AWS_LAMBDA_FUNCTION_NAME);

export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'sergas',
  logLevel: (process.env.POWERTOOLS_LOG_LEVEL ?? (runningInLambda ? 'INFO' : 'WARN')) as 'INFO',
});

export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'sergas' });

export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Sergas',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'sergas',
});
