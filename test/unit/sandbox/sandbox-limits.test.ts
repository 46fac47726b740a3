import { describe, expect, it } from 'vitest';
import { parseFaultChange, seededRandom } from '../../../local/zoho-sandbox/sandbox-faults.ts';
import { dailyCreditsFor, SandboxLimits, writeCost } from '../../../local/zoho-sandbox/sandbox-limits.ts';
import { SandboxZohoError } from '../../../local/zoho-sandbox/sandbox-operations.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

function clocked(options: ConstructorParameters<typeof SandboxLimits>[0]) {
  let now = 0;
  const limits = new SandboxLimits(options, () => new Date(now));
  return { limits, advance: (ms: number) => (now += ms) };
}

describe('the sandbox limits', () => {
  it('allows each edition its credits per user, up to its cap', () => {
    expect(dailyCreditsFor('free', 100)).toBe(5_000);
    expect(dailyCreditsFor('standard', 10)).toBe(52_500);
    expect(dailyCreditsFor('standard', 1_000)).toBe(100_000);
    expect(dailyCreditsFor('enterprise', 3)).toBe(53_000);
    expect(dailyCreditsFor('ultimate', 10_000)).toBe(20_050_000);
  });

  it('bills writes per 10 records, and at least 1 credit', () => {
    expect([0, 1, 10, 11, 100].map(writeCost)).toEqual([1, 1, 1, 2, 10]);
  });

  it('gives credits back exactly 24 hours after they were spent', () => {
    const { limits, advance } = clocked({ dailyCredits: 3 });
    limits.charge(2);
    advance(1000);
    limits.charge(1);
    expect(() => limits.charge(1)).toThrow(SandboxZohoError);
    advance(DAY_MS - 1000);
    expect(limits.used()).toBe(1);
    limits.charge(2);
    expect(limits.remaining()).toBe(0);
  });

  it('sends the remaining credits only once half the allowance is used', () => {
    const { limits } = clocked({ dailyCredits: 4 });
    limits.charge(1);
    expect(limits.remainingHeader()).toBeUndefined();
    limits.charge(1);
    expect(limits.remainingHeader()).toBe('2');
  });

  it('frees a concurrency slot once, however often it is released', () => {
    const { limits } = clocked({ edition: 'free' });
    const releases = Array.from({ length: 5 }, () => limits.enter('user'));
    expect(() => limits.enter('user')).toThrow(expect.objectContaining({ status: 429, code: 'TOO_MANY_REQUESTS' }));
    expect(() => limits.enter('someone else')).not.toThrow();
    releases[0]?.();
    releases[0]?.();
    limits.enter('user');
    expect(() => limits.enter('user')).toThrow(SandboxZohoError);
  });
});

describe('the sandbox fault changes', () => {
  it('name the field that is wrong', () => {
    expect(() => parseFaultChange({ latencyMs: -1 })).toThrow(
      expect.objectContaining({ details: { param_name: 'latencyMs' } }),
    );
    expect(() => parseFaultChange([])).toThrow(SandboxZohoError);
    expect(parseFaultChange({ mcpOutage: true, seed: 3 })).toEqual({ mcpOutage: true, seed: 3 });
  });

  it('draw the same numbers for the same seed', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const draws = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(draws);
    expect(draws.every((draw) => draw >= 0 && draw < 1)).toBe(true);
  });
});
