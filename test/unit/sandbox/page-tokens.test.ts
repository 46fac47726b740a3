import { describe, expect, it } from 'vitest';
import { PAGE_TOKEN_TTL_MS, PageTokens, pageTokensOf } from '../../../local/zoho-sandbox/page-tokens.ts';

const NOW = new Date('2026-11-24T09:00:00Z');
const QUERY = '["Calls",["Subject"],"id","asc",200,null,null]';
const CURSOR = { served: 2000, after: [0, '5725767000000002000'] as const };

describe('PageTokens', () => {
  const tokens = new PageTokens();

  it('reads back the cursor it issued, for the same query', () => {
    const { token } = tokens.issue(QUERY, CURSOR, NOW);
    expect(tokens.read(token, QUERY, NOW)).toEqual({
      ok: true,
      cursor: { served: 2000, after: [0, '5725767000000002000'] },
    });
  });

  it('keeps a time sort value in the cursor', () => {
    const after = [Date.parse('2026-11-01T12:00:00Z'), '5725767000000000042'] as const;
    const { token } = tokens.issue(QUERY, { served: 400, after }, NOW);
    expect(tokens.read(token, QUERY, NOW)).toEqual({ ok: true, cursor: { served: 400, after } });
  });

  it('issues an opaque token that does not spell out the query', () => {
    const { token } = tokens.issue(QUERY, CURSOR, NOW);
    expect(token).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(Buffer.from(token.split('.')[0]!, 'base64url').toString()).not.toContain('Calls');
  });

  it('expires a token 24 hours after issuing it', () => {
    const { token, expiresAt } = tokens.issue(QUERY, CURSOR, NOW);
    expect(expiresAt.getTime() - NOW.getTime()).toBe(PAGE_TOKEN_TTL_MS);
    expect(tokens.read(token, QUERY, new Date(expiresAt.getTime() - 1)).ok).toBe(true);
    expect(tokens.read(token, QUERY, expiresAt)).toEqual({ ok: false, problem: 'expired' });
  });

  it('calls a token used with another query a mismatch', () => {
    const { token } = tokens.issue(QUERY, CURSOR, NOW);
    expect(tokens.read(token, QUERY.replace('asc', 'desc'), NOW)).toEqual({ ok: false, problem: 'mismatch' });
  });

  it('calls an expired token expired even when the query differs too', () => {
    const { token } = tokens.issue(QUERY, CURSOR, NOW);
    expect(tokens.read(token, 'another query', new Date(NOW.getTime() + PAGE_TOKEN_TTL_MS))).toEqual({
      ok: false,
      problem: 'expired',
    });
  });

  it('calls a token signed with another secret invalid', () => {
    const { token } = new PageTokens().issue(QUERY, CURSOR, NOW);
    expect(tokens.read(token, QUERY, NOW)).toEqual({ ok: false, problem: 'invalid' });
  });

  it('calls a token whose payload was rewritten invalid, even if the JSON still parses', () => {
    const { token } = tokens.issue(QUERY, CURSOR, NOW);
    const [body, mac] = token.split('.');
    const payload = JSON.parse(Buffer.from(body!, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...payload, s: 0 })).toString('base64url');
    expect(tokens.read(`${forged}.${mac}`, QUERY, NOW)).toEqual({ ok: false, problem: 'invalid' });
  });

  it.each(['', '.', 'abc', 'abc.', '.abc', 'a.b.c', 'not base64!.sig'])('calls %j invalid', (garbage) => {
    expect(tokens.read(garbage, QUERY, NOW)).toEqual({ ok: false, problem: 'invalid' });
  });
});

describe('pageTokensOf', () => {
  it('gives one store the same issuer every time, and another store its own', () => {
    const store = {};
    const { token } = pageTokensOf(store).issue(QUERY, CURSOR, NOW);
    expect(pageTokensOf(store).read(token, QUERY, NOW).ok).toBe(true);
    expect(pageTokensOf({}).read(token, QUERY, NOW)).toEqual({ ok: false, problem: 'invalid' });
  });
});
