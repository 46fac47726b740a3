import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { SecretRotationError, ValidationError } from '../../shared/errors.ts';
import { logger, tracer } from '../../shared/runtime/observability.ts';
import { type RedisAuthRotation, redisAuthRotation } from '../../shared/runtime/redis-auth-rotation.ts';
import { ROTATION_STEPS, rotateRedisAuthToken } from '../../shared/use-cases/rotate-redis-auth-token.ts';

/** What Secrets Manager sends to a rotation function, once per step. */
const RotationEvent = z.object({
  SecretId: z.string().min(1),
  ClientRequestToken: z.string().min(1),
  Step: z.enum(ROTATION_STEPS),
  RotationToken: z.string().min(1).optional(),
});
// Leaves setSecret time to fail retryably (and say why) before Lambda stops it.
const DEADLINE_MARGIN_MS = 30_000;
let rotation: RedisAuthRotation | undefined;

/** Secrets Manager's rotation of the ElastiCache AUTH token (`sergas/<stage>/redis-auth`), one step per call. */
export const handler = middy(async (event: unknown, context: Context) => {
  const parsed = RotationEvent.safeParse(event);
  if (!parsed.success) throw new ValidationError(`Invalid rotation event: ${z.prettifyError(parsed.error)}`);
  const { SecretId, ClientRequestToken, Step, RotationToken } = parsed.data;
  rotation ??= redisAuthRotation();
  if (SecretId !== rotation.secretArn) throw new SecretRotationError(`Not the secret this rotates: ${SecretId}`);
  const outcome = await rotateRedisAuthToken(rotation.deps, {
    secretId: SecretId,
    versionId: ClientRequestToken,
    step: Step,
    rotationToken: RotationToken,
    deadline: new Date(Date.now() + context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS),
  });
  logger.info('rotation step done', { step: Step, versionId: ClientRequestToken, outcome });
  return { step: Step, outcome };
})
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger));
