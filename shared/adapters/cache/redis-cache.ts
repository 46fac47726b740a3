import { once } from 'node:events';
import { Redis } from 'ioredis';
import type { Cache } from '../../ports/cache.ts';
import { isRedisAuthError } from './redis-auth-errors.ts';

/** The AUTH token, and how to read it again when the server refuses it (after a rotation, on AWS). */
export interface RedisAuth {
  readonly password: string;
  /** The token the secret holds now, read again rather than from a cache. */
  readonly refresh: () => Promise<string>;
  /** At most one re-read in this long, so a token that stays wrong cannot flood Secrets Manager. */
  readonly minRefreshIntervalMs?: number;
  /** How long a refused command waits for the connection to come back with the new token before its retry. */
  readonly reconnectTimeoutMs?: number;
}

/**
 * ElastiCache (TLS + AUTH on AWS) or any Redis through ioredis. Keys are namespaced by `prefix`.
 *
 * With `auth`, the cache survives its token being dropped (the next rotation's SET, while a warm function lives
 * on with the token it read at cold start). When the server refuses the token, the cache reads it again (once,
 * shared by everything refused at the same time) and sets it on the client, whose next reconnect uses it:
 * - on a reconnect's AUTH (WRONGPASS), seen as the client's `error` event, so commands that were in flight
 *   when the connection dropped, which ioredis holds until a reconnect succeeds, go through;
 * - on a command (WRONGPASS from that failed reconnect, or NOAUTH), which then waits for the connection to
 *   come back and runs once more.
 */
export class RedisCache implements Cache {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #auth: RedisAuth | null;
  #refreshing: Promise<void> | null = null;
  #lastRefreshAt = Number.NEGATIVE_INFINITY;
  /** Counts the tokens set on the client, so a refused command knows whether a newer one came since. */
  #tokenGeneration = 0;

  constructor(redis: Redis, prefix = 'sergas:', auth: RedisAuth | null = null) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#auth = auth;
    if (auth) {
      redis.on('error', (error: Error) => {
        // Listening silences ioredis's own print of connection errors; keep them visible (they hold no token).
        console.error(`[ioredis] ${error.message}`);
        if (isRedisAuthError(error)) this.#refreshToken().catch(() => {});
      });
    }
  }

  /** `url` carries no credentials when `auth` is given (ioredis lets the URL's win over `auth.password`). */
  static connect(url: string, prefix?: string, auth?: RedisAuth): RedisCache {
    const redis = new Redis(url, {
      maxRetriesPerRequest: 2,
      lazyConnect: false,
      ...(auth ? { password: auth.password } : {}),
    });
    return new RedisCache(redis, prefix, auth ?? null);
  }

  async get(key: string): Promise<string | null> {
    return this.#run(() => this.#redis.get(this.#prefix + key));
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.#run(() => this.#redis.set(this.#prefix + key, value, 'EX', ttlSeconds));
  }

  async setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    return (await this.#run(() => this.#redis.set(this.#prefix + key, value, 'EX', ttlSeconds, 'NX'))) === 'OK';
  }

  async increment(key: string, ttlSeconds: number): Promise<number> {
    const [[, count] = []] =
      (await this.#run(() =>
        this.#redis
          .multi()
          .incr(this.#prefix + key)
          .expire(this.#prefix + key, ttlSeconds, 'NX')
          .exec(),
      )) ?? [];
    return Number(count);
  }

  async delete(key: string): Promise<void> {
    await this.#run(() => this.#redis.del(this.#prefix + key));
  }

  async close(): Promise<void> {
    await this.#refreshing?.catch(() => {});
    await this.#redis.quit();
  }

  async #run<T>(command: () => Promise<T>): Promise<T> {
    const generation = this.#tokenGeneration;
    try {
      return await command();
    } catch (error) {
      if (!this.#auth || !isRedisAuthError(error)) throw error;
      await this.#refreshToken();
      // Nothing newer than the token that was refused: a retry would be refused too.
      if (this.#tokenGeneration === generation) throw error;
      // A live connection the server stopped accepting (NOAUTH) must reconnect to authenticate again.
      const reconnect = this.#redis.status === 'ready' && /^NOAUTH\b/.test((error as Error).message);
      const connected = this.#connected(reconnect);
      if (reconnect) this.#redis.disconnect(true);
      await connected;
      return command();
    }
  }

  /** Reads the token again and sets it for the next connection; skipped when the last read was too recent. */
  #refreshToken(): Promise<void> {
    const auth = this.#auth!;
    if (!this.#refreshing) {
      if (Date.now() - this.#lastRefreshAt < (auth.minRefreshIntervalMs ?? 30_000)) return Promise.resolve();
      this.#lastRefreshAt = Date.now();
      this.#refreshing = (async () => {
        this.#redis.options.password = await auth.refresh();
        this.#tokenGeneration += 1;
      })().finally(() => {
        this.#refreshing = null;
      });
    }
    return this.#refreshing;
  }

  /** Resolves once the client is (re)connected, or after the timeout (the command then fails on its own). */
  async #connected(again = false): Promise<void> {
    if (!again && this.#redis.status === 'ready') return;
    const timeout = AbortSignal.timeout(this.#auth?.reconnectTimeoutMs ?? 10_000);
    await once(this.#redis, 'ready', { signal: timeout }).catch(() => {});
  }
}
