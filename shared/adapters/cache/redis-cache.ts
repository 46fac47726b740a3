import { Redis } from 'ioredis';
import type { Cache } from '../../ports/cache.ts';

/** ElastiCache (TLS + AUTH on AWS) or any Redis through ioredis. Keys are namespaced by `prefix`. */
export class RedisCache implements Cache {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix = 'sergas:') {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  static connect(url: string, prefix?: string): RedisCache {
    return new RedisCache(new Redis(url, { maxRetriesPerRequest: 2, lazyConnect: false }), prefix);
  }

  async get(key: string): Promise<string | null> {
    return this.#redis.get(this.#prefix + key);
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.#redis.set(this.#prefix + key, value, 'EX', ttlSeconds);
  }

  async setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    return (await this.#redis.set(this.#prefix + key, value, 'EX', ttlSeconds, 'NX')) === 'OK';
  }

  async increment(key: string, ttlSeconds: number): Promise<number> {
    const [[, count] = []] =
      (await this.#redis
        .multi()
        .incr(this.#prefix + key)
        .expire(this.#prefix + key, ttlSeconds, 'NX')
        .exec()) ?? [];
    return Number(count);
  }

  async delete(key: string): Promise<void> {
    await this.#redis.del(this.#prefix + key);
  }

  async close(): Promise<void> {
    await this.#redis.quit();
  }
}
