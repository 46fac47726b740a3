import { Redis } from 'ioredis';
import { AppError, RetryableUpstreamError } from '../../errors.ts';
import type { RedisAuthCheck } from '../../ports/redis-auth-tokens.ts';
import { isRedisAuthError } from './redis-auth-errors.ts';

/**
 * Checks a token against the real server: a fresh connection (TLS for `rediss://`), AUTH with the token, PING,
 * close. The connection is made without credentials and never retried, so the answer is about this token only.
 */
export class RedisConnectionAuthCheck implements RedisAuthCheck {
  readonly #url: string;
  readonly #connectTimeoutMs: number;

  /** `url` names the server (`rediss://host:port`); credentials in it are dropped. */
  constructor(url: string, options: { connectTimeoutMs?: number } = {}) {
    const server = new URL(url);
    server.username = '';
    server.password = '';
    this.#url = server.toString();
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  }

  async accepts(token: string): Promise<boolean> {
    const redis = new Redis(this.#url, {
      lazyConnect: true,
      // RESP2 without HELLO, no INFO ready check and no CLIENT SETINFO: nothing is sent before our AUTH.
      protocol: 2,
      enableReadyCheck: false,
      disableClientInfo: true,
      connectTimeout: this.#connectTimeoutMs,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    // Failures surface through the promises below; without a listener ioredis would also print them.
    redis.on('error', () => {});
    try {
      try {
        await redis.connect();
      } catch (error) {
        throw new RetryableUpstreamError('Redis could not be reached to check an AUTH token', { cause: error });
      }
      try {
        await redis.call('AUTH', token);
        return (await redis.ping()) === 'PONG';
      } catch (error) {
        if (isRedisAuthError(error)) return false;
        if (/without any password configured/.test((error as Error).message)) {
          throw new AppError('REDIS_AUTH_NOT_REQUIRED', 'Redis requires no AUTH token, so none can be checked');
        }
        throw new RetryableUpstreamError('Redis failed while checking an AUTH token', { cause: error });
      }
    } finally {
      redis.disconnect();
    }
  }
}
