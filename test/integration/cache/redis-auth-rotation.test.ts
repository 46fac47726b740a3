import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RedisConnectionAuthCheck } from '../../../shared/adapters/cache/redis-auth-check.ts';
import { RedisCache } from '../../../shared/adapters/cache/redis-cache.ts';
import { RetryableUpstreamError } from '../../../shared/errors.ts';

/**
 * A password-protected redis-server of our own (the shared one on 6379 has no AUTH), changed with
 * CONFIG SET requirepass the way ElastiCache's SET drops a token: connections that already authenticated
 * stay in, new ones must bring the new token. CLIENT KILL stands in for what makes a warm function open a new
 * connection (an idle socket closed while the function was frozen, a failover).
 */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

const token = () => randomBytes(32).toString('hex');
let server: ChildProcess;
let url: string;
let port: number;
let admin: Redis;
let password: string;

/** What Secrets Manager holds now, and how often the cache asked for it. */
const secret = { token: '', reads: 0 };
const refresh = async () => {
  secret.reads += 1;
  return secret.token;
};

/** The server starts requiring `next`; connections that already authenticated stay authenticated. */
async function rotateServerTo(next: string) {
  await admin.config('SET', 'requirepass', next);
  password = next;
}
/** Closes every connection but the admin's, so clients must authenticate again. */
const dropClientConnections = () => admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');

/**
 * A TCP proxy to the server whose connections can be cut while a request is on its way: after `hold()` what
 * clients send no longer reaches the server, and `cut()` then drops every connection with it unanswered.
 */
async function startProxy(targetPort: number) {
  const links = new Set<Socket>();
  let holding = false;
  let onHeld = () => {};
  const proxy = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    links.add(client).add(upstream);
    client.on('data', (chunk) => (holding ? onHeld() : upstream.write(chunk)));
    upstream.on('data', (chunk) => client.write(chunk));
    for (const socket of [client, upstream]) {
      socket.on('error', () => {});
      socket.on('close', () => {
        client.destroy();
        upstream.destroy();
        links.delete(client);
        links.delete(upstream);
      });
    }
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `redis://127.0.0.1:${(proxy.address() as { port: number }).port}`,
    /** Resolves when a request arrives that the server will never see. */
    hold: () =>
      new Promise<void>((resolve) => {
        holding = true;
        onHeld = resolve;
      }),
    cut: () => {
      for (const socket of links) socket.destroy();
      holding = false;
    },
    close: () => {
      for (const socket of links) socket.destroy();
      return new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}

beforeAll(async () => {
  port = await freePort();
  password = token();
  server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--requirepass', password, '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  url = `redis://127.0.0.1:${port}`;
  await untilListening(port);
  admin = new Redis(url, { password });
  await admin.ping();
});

async function untilListening(port: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const listening = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => socket.end(() => resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (listening) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server did not start on port ${port}`);
}

afterAll(async () => {
  admin?.disconnect();
  server?.kill('SIGTERM');
});

describe('checking an AUTH token against the server', () => {
  it('accepts the token the server requires and refuses any other', async () => {
    const check = new RedisConnectionAuthCheck(url);
    expect(await check.accepts(password)).toBe(true);
    expect(await check.accepts(token())).toBe(false);
  });

  it('follows the server when its token changes', async () => {
    const check = new RedisConnectionAuthCheck(url);
    const before = password;
    const after = token();
    await rotateServerTo(after);
    expect(await check.accepts(before)).toBe(false);
    expect(await check.accepts(after)).toBe(true);
  });

  it('checks only the token given: credentials in the URL are dropped', async () => {
    const withCredentials = url.replace('redis://', `redis://:${password}@`);
    expect(await new RedisConnectionAuthCheck(withCredentials).accepts(token())).toBe(false);
  });

  it('fails retryably when the server cannot be reached, since that says nothing about the token', async () => {
    const closed = `redis://127.0.0.1:${await freePort()}`;
    await expect(new RedisConnectionAuthCheck(closed).accepts(password)).rejects.toBeInstanceOf(RetryableUpstreamError);
  });
});

describe('the Redis cache when the token changes under it', () => {
  let cache: RedisCache | undefined;
  const prefix = () => `sergas-test:${randomBytes(4).toString('hex')}:`;
  const cacheWith = (start: string, minRefreshIntervalMs = 0, through = url) =>
    RedisCache.connect(through, prefix(), {
      password: start,
      refresh,
      minRefreshIntervalMs,
      reconnectTimeoutMs: 2_000,
    });

  beforeEach(() => {
    secret.reads = 0;
  });
  afterEach(async () => {
    await cache?.close();
    cache = undefined;
  });

  it('reads the secret once, reconnects with the new token and answers as if nothing happened', async () => {
    cache = cacheWith(password);
    await cache.set('token', 'abc', 60);
    secret.token = token();
    await rotateServerTo(secret.token);
    // Still authenticated: nothing to notice yet.
    expect(await cache.get('token')).toBe('abc');
    expect(secret.reads).toBe(0);

    await dropClientConnections();
    expect(await cache.get('token')).toBe('abc');
    expect(secret.reads).toBe(1);
    expect(await cache.increment('counter', 60)).toBe(1);
    expect(await cache.setIfAbsent('token', 'other', 60)).toBe(false);
    expect(secret.reads).toBe(1);
  });

  it('completes a command that was in flight when the connection dropped (ioredis holds it for the reconnect)', async () => {
    const proxy = await startProxy(port);
    try {
      cache = cacheWith(password, 0, proxy.url);
      await cache.set('k', 'v', 60);
      secret.token = token();
      await rotateServerTo(secret.token);
      const held = proxy.hold();
      const inFlight = cache.get('k');
      await held;
      proxy.cut();
      expect(await inFlight).toBe('v');
      expect(secret.reads).toBe(1);
    } finally {
      await cache?.close();
      cache = undefined;
      await proxy.close();
    }
  });

  it('lets concurrent commands refused together share one re-read', async () => {
    cache = cacheWith(password);
    await cache.set('k', 'v', 60);
    secret.token = token();
    await rotateServerTo(secret.token);
    await dropClientConnections();
    const c = cache;
    const values = await Promise.all(Array.from({ length: 10 }, () => c.get('k')));
    expect(values).toEqual(Array(10).fill('v'));
    expect(secret.reads).toBe(1);
  });

  it('starts with a token read before a rotation (a cold start mid-rotation) and recovers on the first command', async () => {
    const stale = password;
    secret.token = token();
    await rotateServerTo(secret.token);
    cache = cacheWith(stale);
    await cache.set('k', 'v', 60);
    expect(await cache.get('k')).toBe('v');
    expect(secret.reads).toBe(1);
  });

  it('gives up with the refusal when the secret holds a token the server refuses too, re-reading only once', async () => {
    secret.token = token(); // the secret and the server disagree: retrying cannot help
    cache = cacheWith(token(), 60_000);
    await expect(cache.get('k')).rejects.toThrow(/WRONGPASS|NOAUTH/);
    // Refused again, or out of ioredis's retries while it keeps reconnecting: either way, no second re-read.
    await expect(cache.get('k')).rejects.toThrow();
    expect(secret.reads).toBe(1);
  });

  it('leaves a refusal alone without a way to re-read the token', async () => {
    cache = RedisCache.connect(url.replace('redis://', `redis://:${token()}@`), prefix());
    await expect(cache.get('k')).rejects.toThrow(/WRONGPASS|NOAUTH/);
    expect(secret.reads).toBe(0);
  });
});
