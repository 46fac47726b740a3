import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { ValidationError } from '../errors.ts';
import type { Container } from './container.ts';
import { getContainer } from './current-container.ts';
import { logger, publishMetrics, tracer } from './observability.ts';

/**
 * A Step Functions task handler: parse the payload, run one use case, return its result. Errors are
 * thrown, never returned, so the ASL Retry/Catch can match their names.
 */
export function workflowTask<S extends z.ZodType>(
  schema: S,
  run: (deps: Container, input: z.output<S>) => Promise<unknown>,
) {
  return middy(async (event: unknown, _context: Context) => {
    const parsed = schema.safeParse(event);
    if (!parsed.success) {
      throw new ValidationError(
        `Invalid task payload: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    return (await run(await getContainer(), parsed.data)) ?? null;
  })
    .use(captureLambdaHandler(tracer))
    .use(injectLambdaContext(logger))
    .use(publishMetrics());
}
