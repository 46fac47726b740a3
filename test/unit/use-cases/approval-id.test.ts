import { describe, expect, it } from 'vitest';
import { newApprovalId } from '../../../shared/use-cases/request-approval.ts';

describe('an approval id', () => {
  const ids = Array.from({ length: 5000 }, newApprovalId);

  it('carries 136 random bits in 23 URL-safe characters', () => {
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{23}$/);
    expect(Buffer.from(ids[0]!, 'base64url')).toHaveLength(17);
  });

  it('never starts with - or _, so a command line never reads it as an option', () => {
    // With 5,000 draws, about 156 would start with one of them if nothing redrew them.
    expect(ids.filter((id) => /^[-_]/.test(id))).toEqual([]);
  });

  it('is never the same twice', () => {
    expect(new Set(ids).size).toBe(ids.length);
  });
});
