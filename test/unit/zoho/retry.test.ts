import { describe, expect, it } from 'vitest';
import { backoffDelay, isAvailabilityError, provablyNotSent, retry } from '../../../shared/adapters/zoho/retry.ts';
import { CrmRateLimitedError, CrmRequestError, RetryableUpstreamError } from '../../../shared/errors.ts';
import { connectionRefused, connectionReset } from './fake-crm-client.ts';

/** Records the delays asked for instead of waiting. */
function recordingSleep() {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
}

/** Fails with `error` `times` times, then answers 'done'. */
function flaky(times: number, error: () => unknown = () => new RetryableUpstreamError('HTTP 503')) {
  let calls = 0;
  const fn = async () => {
    calls += 1;
    if (calls <= times) throw error();
    return 'done';
  };
  return { fn, calls: () => calls };
}

describe('backoff with full jitter', () => {
  it('is random() × min(cap, base × 2^attempt)', () => {
    const options = { baseMs: 100, capMs: 1000 };
    expect(backoffDelay(0, () => 0.5, options)).toBe(50);
    expect(backoffDelay(2, () => 0.5, options)).toBe(200);
    expect(backoffDelay(10, () => 0.5, options)).toBe(500);
  });

  it('stays between zero and the ceiling for any random draw', () => {
    const options = { baseMs: 100, capMs: 1000 };
    for (let attempt = 0; attempt < 12; attempt += 1) {
      const ceiling = Math.min(1000, 100 * 2 ** attempt);
      expect(backoffDelay(attempt, () => 0, options)).toBe(0);
      expect(backoffDelay(attempt, () => 0.999999, options)).toBeLessThanOrEqual(ceiling);
      expect(backoffDelay(attempt, () => 0.999999, options)).toBeGreaterThan(ceiling * 0.99);
    }
  });
});

describe('retry', () => {
  it('retries an idempotent call on a retryable failure, sleeping the jittered backoff between attempts', async () => {
    const { delays, sleep } = recordingSleep();
    const call = flaky(2);
    const result = await retry(call.fn, {
      idempotent: true,
      attempts: 3,
      baseMs: 100,
      capMs: 1000,
      sleep,
      random: () => 0.5,
    });
    expect(result).toBe('done');
    expect(call.calls()).toBe(3);
    expect(delays).toEqual([50, 100]);
  });

  it('gives up after the attempts run out and rethrows the last error unchanged', async () => {
    const { sleep } = recordingSleep();
    const call = flaky(5, () => new CrmRateLimitedError());
    await expect(retry(call.fn, { idempotent: true, attempts: 3, sleep })).rejects.toBeInstanceOf(CrmRateLimitedError);
    expect(call.calls()).toBe(3);
  });

  it('does not retry a 4xx: the same request would be refused again', async () => {
    const { delays, sleep } = recordingSleep();
    const call = flaky(1, () => new CrmRequestError('INVALID_DATA'));
    await expect(retry(call.fn, { idempotent: true, sleep })).rejects.toBeInstanceOf(CrmRequestError);
    expect(call.calls()).toBe(1);
    expect(delays).toEqual([]);
  });

  it('never retries a call that is not idempotent, whatever the failure', async () => {
    const { sleep } = recordingSleep();
    const call = flaky(1);
    await expect(retry(call.fn, { idempotent: false, attempts: 5, sleep })).rejects.toBeInstanceOf(
      RetryableUpstreamError,
    );
    expect(call.calls()).toBe(1);
  });
});

describe('classifying failures', () => {
  it('treats 5xx, 429 and network failures as unavailability, and a 4xx or a bug as not', () => {
    expect(isAvailabilityError(new RetryableUpstreamError('503'))).toBe(true);
    expect(isAvailabilityError(new CrmRateLimitedError())).toBe(true);
    expect(isAvailabilityError(connectionRefused())).toBe(true);
    expect(isAvailabilityError(connectionReset())).toBe(true);
    expect(isAvailabilityError(new DOMException('timed out', 'TimeoutError'))).toBe(true);
    expect(isAvailabilityError(new CrmRequestError('INVALID_DATA'))).toBe(false);
    expect(isAvailabilityError(new TypeError('Cannot read properties of undefined'))).toBe(false);
  });

  it('calls a request unsent only when the connection was refused, even wrapped by the REST tier', () => {
    expect(provablyNotSent(connectionRefused())).toBe(true);
    expect(provablyNotSent(new RetryableUpstreamError('POST Tasks failed', { cause: connectionRefused() }))).toBe(true);
    expect(provablyNotSent(connectionReset())).toBe(false);
    expect(provablyNotSent(new RetryableUpstreamError('POST Tasks failed with HTTP 503'))).toBe(false);
    expect(provablyNotSent(new DOMException('timed out', 'TimeoutError'))).toBe(false);
  });

  it('calls a happy-eyeballs connect unsent only when every address refused', () => {
    const refused = (address: string) =>
      Object.assign(new Error(`connect ECONNREFUSED ${address}`), { code: 'ECONNREFUSED' });
    const timedOut = Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' });
    const allRefused = new TypeError('fetch failed', {
      cause: new AggregateError([refused('::1'), refused('127.0.0.1')]),
    });
    const oneTimedOut = new TypeError('fetch failed', { cause: new AggregateError([refused('::1'), timedOut]) });
    expect(provablyNotSent(allRefused)).toBe(true);
    expect(provablyNotSent(oneTimedOut)).toBe(false);
  });
});
