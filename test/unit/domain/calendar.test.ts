import { describe, expect, it } from 'vitest';
import { addDaysToDate, dateOnlyOf, localDateOf, wholeDaysBetween } from '../../../shared/domain/calendar.ts';

describe('whole days in the tenant time zone', () => {
  it('counts calendar days, not 24-hour periods', () => {
    expect(wholeDaysBetween(new Date('2026-11-23T23:59:00Z'), new Date('2026-11-24T00:01:00Z'), 'UTC')).toBe(1);
    expect(wholeDaysBetween(new Date('2026-11-24T00:01:00Z'), new Date('2026-11-24T23:59:00Z'), 'UTC')).toBe(0);
  });

  it('reads both instants on the tenant calendar', () => {
    // 03:00 UTC is still the previous evening in New York.
    const from = new Date('2026-11-20T03:00:00Z');
    const to = new Date('2026-11-24T12:00:00Z');
    expect(wholeDaysBetween(from, to, 'UTC')).toBe(4);
    expect(wholeDaysBetween(from, to, 'America/New_York')).toBe(5);
  });

  it('is unaffected by a daylight-saving change in between', () => {
    expect(wholeDaysBetween(new Date('2026-10-20T10:00:00Z'), new Date('2026-11-03T10:00:00Z'), 'Europe/Madrid')).toBe(
      14,
    );
  });

  it('is negative when the second instant is earlier', () => {
    expect(wholeDaysBetween(new Date('2026-11-24T00:00:00Z'), new Date('2026-11-20T00:00:00Z'), 'UTC')).toBe(-4);
  });

  it('gives the local date of an instant', () => {
    expect(localDateOf(new Date('2026-11-24T02:00:00Z'), 'America/Los_Angeles')).toBe('2026-11-23');
    expect(localDateOf(new Date('2026-11-24T23:30:00Z'), 'Asia/Tokyo')).toBe('2026-11-25');
  });

  it('reads a date-only field as its UTC date whatever the zone', () => {
    expect(dateOnlyOf(new Date('2026-11-24T00:00:00Z'))).toBe('2026-11-24');
  });

  it('adds days across month ends', () => {
    expect(addDaysToDate('2026-11-24', 30)).toBe('2026-12-24');
    expect(addDaysToDate('2026-12-31', 1)).toBe('2027-01-01');
  });
});
