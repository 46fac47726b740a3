import { z } from 'zod';
import { CrmRateLimitedError, CrmRequestError, RetryableUpstreamError } from '../../errors.ts';
import type { Cache } from '../../ports/cache.ts';

/** A Zoho self-client (or any server-side client) that refreshes access tokens with a refresh token. */
export interface ZohoOAuthConfig {
  /** The accounts server of the org's data centre, e.g. `https://accounts.zoho.eu` (or the sandbox origin). */
  accountsUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

export interface ZohoAccessToken {
  accessToken: string;
  /** The API domain Zoho returned with the token (`https://www.zohoapis.eu`); null when it sent none. */
  apiDomain: string | null;
}

/** What the REST client needs from OAuth: a token, and a fresh one after Zoho rejected `stale`. */
export interface ZohoTokenSource {
  accessToken(): Promise<ZohoAccessToken>;
  refresh(stale: string): Promise<ZohoAccessToken>;
}

export interface ZohoOAuthDeps {
  /** Shared by every process (Redis in production), so they reuse one token instead of minting their own. */
  cache: Cache;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** How often a process waiting for another one's refresh looks for the new token (default 100 ms). */
  lockPollMs?: number;
}

const TokenResponse = z.union([
  z.looseObject({
    access_token: z.string().min(1),
    expires_in: z.coerce.number().positive(),
    api_domain: z.url().optional(),
    token_type: z.string().optional(),
  }),
  z.looseObject({ error: z.string().min(1), error_description: z.string().optional() }),
]);

/** Zoho allows ~10 new access tokens per refresh token per 10 minutes, so a cached one is reused until near expiry. */
const EXPIRY_MARGIN_SECONDS = 300;

/**
 * The cache key of a client's token. It includes the accounts server because the same client id on two
 * data centres (or two sandboxes) gets different tokens and API domains.
 */
export function zohoTokenCacheKey(config: Pick<ZohoOAuthConfig, 'accountsUrl' | 'clientId'>): string {
  return `zoho:oauth:${new URL(config.accountsUrl).host}:${config.clientId}`;
}

/**
 * How long a token may be cached: expires_in minus five minutes, so nobody sends one that dies in flight.
 * Short-lived tokens (a test sandbox) keep 90 % of their life instead of none.
 */
export function tokenCacheTtl(expiresInSeconds: number): number {
  const ttl =
    expiresInSeconds > 2 * EXPIRY_MARGIN_SECONDS
      ? expiresInSeconds - EXPIRY_MARGIN_SECONDS
      : Math.floor(expiresInSeconds * 0.9);
  return Math.max(1, ttl);
}

/**
 * Access tokens from Zoho's accounts server (`POST /oauth/v2/token`, grant_type=refresh_token), cached in
 * the Cache port under one key per client. A refresh is single-flight within a process (one promise) and
 * across processes (a lock key taken with SETNX): Zoho mints at most 10 tokens per refresh token per 10
 * minutes and keeps 15 alive, so a fleet of Lambdas refreshing at once would lock itself out.
 */
export class ZohoOAuth implements ZohoTokenSource {
  readonly #config: ZohoOAuthConfig;
  readonly #cache: Cache;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  readonly #key: string;
  readonly #lockPollMs: number;
  #inflight: Promise<ZohoAccessToken> | null = null;
  #tokenRequests = 0;

  constructor(config: ZohoOAuthConfig, deps: ZohoOAuthDeps) {
    this.#config = { ...config, accountsUrl: config.accountsUrl.replace(/\/+$/, '') };
    this.#cache = deps.cache;
    this.#fetch = deps.fetch ?? fetch;
    this.#timeoutMs = deps.timeoutMs ?? 15_000;
    this.#key = zohoTokenCacheKey(config);
    this.#lockPollMs = deps.lockPollMs ?? 100;
  }

  /** Token requests this instance sent to the accounts server. */
  get tokenRequests(): number {
    return this.#tokenRequests;
  }

  /** A valid token: the shared cached one, else a new one. */
  async accessToken(): Promise<ZohoAccessToken> {
    return (await this.#cached()) ?? this.#singleFlight(null);
  }

  /**
   * A token other than `stale` (which Zoho just rejected). Another caller or process may already have
   * replaced it in the cache; only when the cache still holds `stale` (or nothing) is a new one requested.
   */
  async refresh(stale: string): Promise<ZohoAccessToken> {
    if (this.#inflight) return this.#inflight;
    const cached = await this.#cached();
    if (cached && cached.accessToken !== stale) return cached;
    return this.#singleFlight(stale);
  }

  async #cached(): Promise<ZohoAccessToken | null> {
    const value = await this.#cache.get(this.#key);
    if (!value) return null;
    try {
      const parsed = JSON.parse(value) as ZohoAccessToken;
      return typeof parsed.accessToken === 'string' ? parsed : null;
    } catch {
      return null;
    }
  }

  #singleFlight(stale: string | null): Promise<ZohoAccessToken> {
    this.#inflight ??= this.#refreshAcrossProcesses(stale).finally(() => {
      this.#inflight = null;
    });
    return this.#inflight;
  }

  /**
   * Whoever takes the lock asks Zoho; everyone else waits for the token it caches. The lock expires on its
   * own (a crashed holder), after which the next waiter takes it. A token other than `stale` already in the
   * cache when the lock is won means another process refreshed in between: no request is needed.
   */
  async #refreshAcrossProcesses(stale: string | null): Promise<ZohoAccessToken> {
    const lockKey = `${this.#key}:refreshing`;
    const lockTtlSeconds = Math.ceil(this.#timeoutMs / 1000) + 5;
    const deadline = Date.now() + this.#timeoutMs * 2;
    for (;;) {
      if (await this.#cache.setIfAbsent(lockKey, String(process.pid), lockTtlSeconds)) {
        try {
          const cached = await this.#cached();
          if (cached && cached.accessToken !== stale) return cached;
          return await this.#requestToken();
        } finally {
          await this.#cache.delete(lockKey);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, this.#lockPollMs));
      const cached = await this.#cached();
      if (cached && cached.accessToken !== stale) return cached;
      if (Date.now() > deadline) {
        throw new RetryableUpstreamError('Timed out waiting for another process to refresh the Zoho access token');
      }
    }
  }

  async #requestToken(): Promise<ZohoAccessToken> {
    const { accountsUrl, clientId, clientSecret, refreshToken } = this.#config;
    const url = `${accountsUrl}/oauth/v2/token`;
    const body = new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: clientId,
      client_secret: clientSecret,
      refresh_token: refreshToken,
    });
    this.#tokenRequests += 1;
    let response: Response;
    try {
      response = await this.#fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (cause) {
      throw new RetryableUpstreamError(`Zoho accounts server ${accountsUrl} unreachable: ${messageOf(cause)}`, {
        cause,
      });
    }
    const text = await response.text();
    if (response.status === 429) throw new CrmRateLimitedError('Zoho accounts server rate limit reached');
    if (response.status >= 500) {
      throw new RetryableUpstreamError(`Zoho accounts server answered HTTP ${response.status}`, {
        details: { status: response.status },
      });
    }
    const parsed = TokenResponse.safeParse(parseJson(text));
    if (!parsed.success) {
      throw new CrmRequestError(`Zoho token refresh: unexpected HTTP ${response.status} response`, {
        details: { status: response.status, body: text.slice(0, 500) },
      });
    }
    const result = parsed.data;
    // Zoho reports OAuth failures as HTTP 200 with `{"error": "invalid_code"}`; the status can't be trusted.
    if ('error' in result) {
      throw new CrmRequestError(`Zoho token refresh failed: ${result.error}`, {
        details: { status: response.status, error: result.error, description: result.error_description },
      });
    }
    if (!response.ok) {
      throw new CrmRequestError(`Zoho token refresh failed: HTTP ${response.status}`, {
        details: { status: response.status },
      });
    }
    const token: ZohoAccessToken = {
      accessToken: result.access_token,
      apiDomain: result.api_domain?.replace(/\/+$/, '') ?? null,
    };
    await this.#cache.set(this.#key, JSON.stringify(token), tokenCacheTtl(result.expires_in));
    return token;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
