import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { ElastiCacheAuthTokens } from '../adapters/aws/elasticache-auth-tokens.ts';
import { SecretsManagerSecretVersions } from '../adapters/aws/secrets-manager-secret-versions.ts';
import { RedisConnectionAuthCheck } from '../adapters/cache/redis-auth-check.ts';
import { ConfigError } from '../errors.ts';
import type { RotateRedisAuthTokenDeps } from '../use-cases/rotate-redis-auth-token.ts';

const RotationEnvironment = z.object({
  /** The one secret this function may rotate; an event naming another is refused. */
  REDIS_AUTH_SECRET_ARN: z.string().min(1),
  REDIS_REPLICATION_GROUP_ID: z.string().min(1),
  /** `host:port` of the primary endpoint; tokens are checked over TLS there. */
  REDIS_ENDPOINT: z.string().regex(/^[^\s:/]+:\d+$/, 'host:port'),
});

export interface RedisAuthRotation {
  readonly secretArn: string;
  readonly deps: RotateRedisAuthTokenDeps;
}

/**
 * The composition root of the Redis AUTH rotation function: Secrets Manager, ElastiCache and a TLS
 * connection check. It opens no database and reads no other secret (unlike the app's container).
 */
export function redisAuthRotation(env: Record<string, string | undefined> = process.env): RedisAuthRotation {
  const parsed = RotationEnvironment.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const { REDIS_AUTH_SECRET_ARN, REDIS_REPLICATION_GROUP_ID, REDIS_ENDPOINT } = parsed.data;
  return {
    secretArn: REDIS_AUTH_SECRET_ARN,
    deps: {
      secrets: new SecretsManagerSecretVersions(new SecretsManagerClient({})),
      cluster: new ElastiCacheAuthTokens(new ElastiCacheClient({}), REDIS_REPLICATION_GROUP_ID),
      check: new RedisConnectionAuthCheck(`rediss://${REDIS_ENDPOINT}`),
    },
  };
}
