import { RetryableUpstreamError } from '../../errors.ts';
import { isAvailabilityError } from './retry.ts';

/** `closed`: calls go through. `open`: calls are refused unsent. `half-open`: one probe call may go. */
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Names the breaker in errors, e.g. the tier (default 'upstream'). */
  name?: string;
  /** Consecutive availability failures that open the breaker (default 5). */
  failureThreshold?: number;
  /** How long an open breaker refuses calls before it lets one probe through (default 30 s). */
  coolDownMs?: number;
  /** Milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
  /** Which errors count against the upstream (default `isAvailabilityError`). */
  isFailure?: (error: unknown) => boolean;
}

/**
 * Thrown, without calling through, while the breaker is open or its half-open probe is in flight. Nothing
 * was sent, so even a write may go elsewhere. A RetryableUpstreamError: retrying later is the right answer.
 */
export class CircuitOpenError extends RetryableUpstreamError {
  readonly breaker: string;

  constructor(breaker: string, state: BreakerState, lastError: unknown) {
    const why = state === 'half-open' ? 'is half-open with a probe in flight' : 'is open';
    super(`Circuit breaker ${breaker} ${why}`, {
      cause: lastError,
      details: { breaker, state },
    });
    this.breaker = breaker;
  }
}

/**
 * A circuit breaker for one upstream. Opens after `failureThreshold` consecutive availability failures
 * (5xx, 429, network), never for a 4xx: that is the caller's fault and says the upstream is answering.
 * After `coolDownMs` by the injected clock it lets exactly one probe through; the probe's success closes
 * it, its failure re-opens it for another cool-down.
 */
export class CircuitBreaker {
  readonly name: string;
  readonly #threshold: number;
  readonly #coolDownMs: number;
  readonly #now: () => number;
  readonly #isFailure: (error: unknown) => boolean;
  #failures = 0;
  #openedAt: number | null = null;
  #probing = false;
  #lastError: unknown = null;

  constructor(options: CircuitBreakerOptions = {}) {
    this.name = options.name ?? 'upstream';
    this.#threshold = Math.max(1, options.failureThreshold ?? 5);
    this.#coolDownMs = options.coolDownMs ?? 30_000;
    this.#now = options.now ?? Date.now;
    this.#isFailure = options.isFailure ?? isAvailabilityError;
  }

  /** The state now; an open breaker whose cool-down has passed reads as half-open. */
  get state(): BreakerState {
    if (this.#openedAt === null) return 'closed';
    return this.#now() - this.#openedAt >= this.#coolDownMs ? 'half-open' : 'open';
  }

  /** Consecutive availability failures so far (reset by a success). */
  get failures(): number {
    return this.#failures;
  }

  /** The failure that last counted against the upstream, or null. */
  get lastError(): unknown {
    return this.#lastError;
  }

  /** Whether a call made now would be let through (closed, or half-open with no probe in flight). */
  get available(): boolean {
    const state = this.state;
    return state === 'closed' || (state === 'half-open' && !this.#probing);
  }

  /**
   * Runs `fn` unless the breaker refuses it (CircuitOpenError, `fn` not called), and records its outcome.
   * Errors from `fn` are rethrown unchanged.
   */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const state = this.state;
    if (state === 'open' || (state === 'half-open' && this.#probing)) {
      throw new CircuitOpenError(this.name, state, this.#lastError);
    }
    const probe = state === 'half-open';
    if (probe) this.#probing = true;
    try {
      const result = await fn();
      this.#succeeded();
      return result;
    } catch (error) {
      if (this.#isFailure(error)) this.#failed(error, probe);
      // A 4xx is an answer: the upstream is up, so it closes a half-open breaker like a success would.
      else this.#succeeded();
      throw error;
    } finally {
      if (probe) this.#probing = false;
    }
  }

  /** Closes the breaker and forgets the failures, e.g. after an operator fixed the upstream. */
  reset(): void {
    this.#failures = 0;
    this.#openedAt = null;
    this.#lastError = null;
  }

  #succeeded(): void {
    this.#failures = 0;
    this.#openedAt = null;
  }

  #failed(error: unknown, probe: boolean): void {
    this.#failures += 1;
    this.#lastError = error;
    // A failed probe re-opens at once: one failure after a cool-down says the upstream is still down.
    if (probe || this.#failures >= this.#threshold) this.#openedAt = this.#now();
  }
}
