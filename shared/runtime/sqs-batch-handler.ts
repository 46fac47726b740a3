import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse } from 'aws-lambda';
import { z } from 'zod';
import { ValidationError } from '../errors.ts';
import type { Container } from './container.ts';
import { getContainer } from './current-container.ts';
import { logger, publishMetrics, tracer } from './observability.ts';

/** The part of Lambda's SQS event a handler reads: each record's id and body. */
const SqsEvent = z.object({
  Records: z.array(z.looseObject({ messageId: z.string().min(1), body: z.string() })).min(1),
});

const issuesOf = (error: z.ZodError) => error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);

function parseMessage<S extends z.ZodType>(schema: S, body: string): z.output<S> {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    throw new ValidationError('message body: not valid JSON');
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new ValidationError(`message body: ${issuesOf(parsed.error).join('; ')}`);
  return parsed.data;
}

/**
 * An SQS event source handler with partial batch responses (the mapping has ReportBatchItemFailures):
 * each message's JSON body is parsed with `schema` and run on its own, and only the ids of the messages
 * that failed, unreadable ones included, are returned in `batchItemFailures`. Those go back to the queue
 * and, after maxReceiveCount receives, to its dead-letter queue; the others are deleted. An event that is
 * not an SQS batch at all throws, which returns the whole batch.
 */
export function sqsBatchHandler<S extends z.ZodType>(
  schema: S,
  run: (deps: Container, message: z.output<S>) => Promise<unknown>,
) {
  return middy(async (event: unknown, _context: Context): Promise<SQSBatchResponse> => {
    const batch = SqsEvent.safeParse(event);
    if (!batch.success) throw new ValidationError(`Invalid SQS event: ${issuesOf(batch.error).join('; ')}`);
    const deps = await getContainer();
    const { Records: records } = batch.data;
    const outcomes = await Promise.allSettled(
      records.map(async (record) => run(deps, parseMessage(schema, record.body))),
    );
    const failed = records.flatMap((record, i) => {
      const outcome = outcomes[i]!;
      if (outcome.status === 'fulfilled') return [];
      const error = outcome.reason as Error;
      logger.warn('message failed; it returns to the queue', {
        messageId: record.messageId,
        error: { name: error.name, message: error.message },
      });
      return [{ itemIdentifier: record.messageId }];
    });
    return { batchItemFailures: failed };
  })
    .use(captureLambdaHandler(tracer))
    .use(injectLambdaContext(logger))
    .use(publishMetrics());
}
