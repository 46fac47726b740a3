import { describe, expect, it } from 'vitest';
import { CircuitBreaker, CircuitOpenError } from '../../../shared/adapters/zoho/circuit-breaker.ts';
import { CrmRateLimitedError, CrmRequestError, RetryableUpstreamError } from '../../../shared/errors.ts';
import { connectionRefused, manualClock } from './fake-crm-client.ts';

const down = () => new RetryableUpstreamError('Zoho GET Accounts failed with HTTP 503');
const fail = (error: unknown) => async () => {
  throw error;
};
const ok = async () => 'ok';

async function failTimes(breaker: CircuitBreaker, times: number, error: () => unknown = down) {
  for (let i = 0; i < times; i += 1) await breaker.run(fail(error())).catch(() => {});
}

describe('a circuit breaker', () => {
  it('starts closed and lets calls through', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 3 });
    expect(breaker.state).toBe('closed');
    await expect(breaker.run(ok)).resolves.toBe('ok');
  });

  it('opens after the threshold of consecutive 5xx, 429 and network failures', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 3 });
    await breaker.run(fail(down())).catch(() => {});
    await breaker.run(fail(new CrmRateLimitedError())).catch(() => {});
    expect(breaker.state).toBe('closed');
    await breaker.run(fail(connectionRefused())).catch(() => {});
    expect(breaker.state).toBe('open');
    expect(breaker.failures).toBe(3);
  });

  it('refuses calls while open without making them', async () => {
    const breaker = new CircuitBreaker({ name: 'mcp', failureThreshold: 1 });
    await failTimes(breaker, 1);
    let called = false;
    const refused = breaker.run(async () => {
      called = true;
    });
    await expect(refused).rejects.toBeInstanceOf(CircuitOpenError);
    await expect(refused).rejects.toBeInstanceOf(RetryableUpstreamError);
    await expect(refused).rejects.toThrow(/mcp is open/);
    expect(called).toBe(false);
  });

  it('never counts a 4xx: the caller was wrong, the upstream answered', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 2 });
    await failTimes(breaker, 5, () => new CrmRequestError('INVALID_DATA'));
    expect(breaker.state).toBe('closed');
    expect(breaker.failures).toBe(0);
  });

  it('starts counting again after a success, since only consecutive failures open it', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 3 });
    await failTimes(breaker, 2);
    await breaker.run(ok);
    await failTimes(breaker, 2);
    expect(breaker.state).toBe('closed');
    expect(breaker.failures).toBe(2);
  });

  it('turns half-open once the cool-down has passed on the injected clock', async () => {
    const clock = manualClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, coolDownMs: 30_000, now: clock.now });
    await failTimes(breaker, 1);
    clock.advance(29_999);
    expect(breaker.state).toBe('open');
    clock.advance(1);
    expect(breaker.state).toBe('half-open');
  });

  it('lets one probe through at a time while half-open', async () => {
    const clock = manualClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, coolDownMs: 1000, now: clock.now });
    await failTimes(breaker, 1);
    clock.advance(1000);
    let release: () => void = () => {};
    const probe = breaker.run(() => new Promise<string>((resolve) => (release = () => resolve('probed'))));
    expect(breaker.available).toBe(false);
    await expect(breaker.run(ok)).rejects.toThrow(/half-open with a probe in flight/);
    release();
    await expect(probe).resolves.toBe('probed');
    expect(breaker.state).toBe('closed');
  });

  it('closes when the probe succeeds', async () => {
    const clock = manualClock();
    const breaker = new CircuitBreaker({ failureThreshold: 2, coolDownMs: 1000, now: clock.now });
    await failTimes(breaker, 2);
    clock.advance(1000);
    await breaker.run(ok);
    expect(breaker.state).toBe('closed');
    expect(breaker.failures).toBe(0);
  });

  it('re-opens for a whole new cool-down when the probe fails', async () => {
    const clock = manualClock();
    const breaker = new CircuitBreaker({ failureThreshold: 2, coolDownMs: 1000, now: clock.now });
    await failTimes(breaker, 2);
    clock.advance(1500);
    await failTimes(breaker, 1);
    expect(breaker.state).toBe('open');
    clock.advance(999);
    expect(breaker.state).toBe('open');
    clock.advance(1);
    expect(breaker.state).toBe('half-open');
  });

  it('closes on a probe answered with a 4xx, because the upstream is answering again', async () => {
    const clock = manualClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, coolDownMs: 1000, now: clock.now });
    await failTimes(breaker, 1);
    clock.advance(1000);
    await breaker.run(fail(new CrmRequestError('INVALID_DATA'))).catch(() => {});
    expect(breaker.state).toBe('closed');
  });

  it('keeps the last counted failure for health reporting, and rethrows errors unchanged', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 5 });
    const error = down();
    await expect(breaker.run(fail(error))).rejects.toBe(error);
    expect(breaker.lastError).toBe(error);
  });
});
