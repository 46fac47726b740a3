import { CrmRateLimitedError, RetryableUpstreamError } from '../../errors.ts';

/** Error codes Node (and undici) put on a socket-level failure. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/**
 * Failures that happen before a single byte leaves this machine: the server refused the connection or
 * the host did not resolve. Only these prove that a write was not applied.
 */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Whether `error` says the upstream is unavailable (and so is worth retrying, failing over, and counting
 * against a circuit breaker): RetryableUpstreamError (5xx, network failures as the REST tier maps them),
 * CrmRateLimitedError (429), or a raw network failure from a tier that does not map its errors.
 * CrmRequestError and other 4xx are the caller's fault: another attempt or another tier would say the same.
 */
export function isAvailabilityError(error: unknown): boolean {
  if (error instanceof RetryableUpstreamError || error instanceof CrmRateLimitedError) return true;
  return isNetworkError(error);
}

/** A socket-level failure or a timeout, anywhere in the `cause` chain. */
export function isNetworkError(error: unknown): boolean {
  for (const link of causeChain(error)) {
    if (link instanceof Error && (link.name === 'AbortError' || link.name === 'TimeoutError')) return true;
    if (link instanceof TypeError && link.message === 'fetch failed') return true;
    if (codesOf(link).some((code) => NETWORK_CODES.has(code))) return true;
  }
  return false;
}

/**
 * Whether `error` proves the request never reached the server (connection refused, host not found), so a
 * write may safely go to another tier. A timeout, a reset or any HTTP answer proves nothing of the kind.
 */
export function provablyNotSent(error: unknown): boolean {
  for (const link of causeChain(error)) {
    const codes = codesOf(link);
    if (codes.length > 0 && codes.every((code) => NOT_SENT_CODES.has(code))) return true;
  }
  return false;
}

export interface BackoffOptions {
  /** The first retry's ceiling (default 200 ms); each further retry doubles it. */
  baseMs?: number;
  /** No ceiling exceeds this (default 5000 ms). */
  capMs?: number;
}

/**
 * The delay before retry number `attempt` (0 for the first retry), with full jitter:
 * `random() × min(cap, base × 2^attempt)`. Jitter over the whole range keeps callers that failed together
 * (parallel syncs hitting one 503) from retrying together.
 */
export function backoffDelay(attempt: number, random: () => number, options: BackoffOptions = {}): number {
  const baseMs = options.baseMs ?? 200;
  const capMs = options.capMs ?? 5000;
  return Math.round(random() * Math.min(capMs, baseMs * 2 ** attempt));
}

export interface RetryOptions extends BackoffOptions {
  /**
   * Whether running `fn` twice is harmless. False means exactly one attempt: a POST that failed after it was
   * sent may have been applied, so the caller, holding the idempotency key, decides what happens next.
   */
  idempotent: boolean;
  /** Attempts in all, the first included (default 3). */
  attempts?: number;
  /** Which errors are worth another attempt (default `isAvailabilityError`). */
  shouldRetry?: (error: unknown) => boolean;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Told before each backoff, e.g. to log it. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn` (given the 0-based attempt number) until it succeeds, throws an error `shouldRetry` rejects, or
 * the attempts run out; the last error is rethrown unchanged so callers still see the taxonomy class.
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const attempts = options.idempotent ? Math.max(1, options.attempts ?? 3) : 1;
  const shouldRetry = options.shouldRetry ?? isAvailabilityError;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt + 1 >= attempts || !shouldRetry(error)) throw error;
      const delayMs = backoffDelay(attempt, random, options);
      options.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs);
    }
  }
}

function* causeChain(error: unknown): Generator<unknown> {
  const seen = new Set<unknown>();
  let current = error;
  while (current !== undefined && current !== null && !seen.has(current)) {
    seen.add(current);
    yield current;
    current = current instanceof Error ? current.cause : undefined;
  }
}

/** The `code` of an error, or of every error an AggregateError holds (undici's happy-eyeballs connect). */
function codesOf(error: unknown): string[] {
  if (error instanceof AggregateError) return error.errors.flatMap(codesOf);
  const code = error && typeof error === 'object' ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? [code] : [];
}
