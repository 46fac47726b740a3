import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryCache } from '../../../shared/adapters/cache/memory-cache.ts';
import { RedisCache } from '../../../shared/adapters/cache/redis-cache.ts';
import type { Cache } from '../../../shared/ports/cache.ts';

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const caches: [string, () => Cache][] = [
  ['redis', () => RedisCache.connect(redisUrl, `sergas-test:${randomBytes(4).toString('hex')}:`)],
  ['memory', () => new MemoryCache()],
];

describe.each(caches)('the %s cache', (_name, makeCache) => {
  let cache: Cache | undefined;
  afterEach(async () => cache?.close());

  it('returns what was set until it expires', async () => {
    cache = makeCache();
    await cache.set('token', 'abc', 1);
    expect(await cache.get('token')).toBe('abc');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await cache.get('token')).toBeNull();
  });

  it('lets exactly one of many concurrent setIfAbsent calls win', async () => {
    cache = makeCache();
    const c = cache;
    const results = await Promise.all(Array.from({ length: 10 }, () => c.setIfAbsent('event:1', 'seen', 60)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('counts increments within a window', async () => {
    cache = makeCache();
    const c = cache;
    const values = await Promise.all(Array.from({ length: 5 }, () => c.increment('rate:user', 60)));
    expect(values.sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('forgets a deleted key', async () => {
    cache = makeCache();
    await cache.set('k', 'v', 60);
    await cache.delete('k');
    expect(await cache.get('k')).toBeNull();
  });
});
