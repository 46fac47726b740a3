import { describe, expect, it } from 'vitest';
import { EXPIRY_GRACE_MS, isHeldByDeferral } from '../../../shared/domain/approval-policy.ts';

const NOW = new Date('2026-11-24T09:00:00Z');
const hours = (n: number) => new Date(NOW.getTime() + n * 3600_000);

describe('an approval held by a deferral', () => {
  it('is not held when nobody deferred it, even before its expiry', () => {
    expect(isHeldByDeferral({ deferredUntil: null, expiresAt: hours(48) }, NOW)).toEqual({
      held: false,
      deferring: false,
    });
  });

  it('is held and deferring while the deferral runs', () => {
    expect(isHeldByDeferral({ deferredUntil: hours(1), expiresAt: hours(30) }, NOW)).toEqual({
      held: true,
      deferring: true,
    });
  });

  it('stays held after the deferral, until its moved expiry', () => {
    expect(isHeldByDeferral({ deferredUntil: hours(-1), expiresAt: hours(12) }, NOW)).toEqual({
      held: true,
      deferring: false,
    });
  });

  it('is due within the grace before its expiry, so timer drift never adds a day', () => {
    const expiresAt = new Date(NOW.getTime() + EXPIRY_GRACE_MS - 1000);
    expect(isHeldByDeferral({ deferredUntil: hours(-24), expiresAt }, NOW).held).toBe(false);
  });
});
