import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { canSeeOwner, scopeOf } from '../../../shared/auth/access-scope.ts';
import { cliPrincipal, groupsOf, principalFromClaims, roleOf } from '../../../shared/auth/principal.ts';
import { authorizerClaims, cookieOf, sessionCookie, tokenOf } from '../../../shared/auth/session.ts';
import { LOCAL_AUDIENCE, LOCAL_ISSUER, LocalTokens, localJwtSecret } from '../../../shared/auth/tokens.ts';

const secret = async () => new TextEncoder().encode('s'.repeat(48));

describe('principals from claims', () => {
  it.each([
    [['admin'], ['admin']],
    ['admin', ['admin']],
    ['manager,rep', ['manager', 'rep']],
    ['[manager rep]', ['manager', 'rep']],
    [undefined, []],
  ])('reads cognito:groups %j', (value, groups) => {
    expect(groupsOf(value)).toEqual(groups);
  });

  it('takes the strongest known role, and rep for none', () => {
    expect(roleOf(['rep', 'admin'])).toBe('admin');
    expect(roleOf(['manager', 'rep'])).toBe('manager');
    expect(roleOf(['sales'])).toBe('rep');
    expect(roleOf([])).toBe('rep');
  });

  it('builds one Principal whatever the claims came through', () => {
    expect(
      principalFromClaims({
        sub: 'abc',
        email: 'tom@example.com',
        'cognito:groups': 'manager',
        'custom:zoho_user_id': '42',
      }),
    ).toEqual({ userId: 'abc', zohoUserId: '42', role: 'manager', name: 'tom@example.com', email: 'tom@example.com' });
    expect(principalFromClaims({ email: 'x@example.com' })).toBeNull();
    expect(cliPrincipal('cli:lee')).toMatchObject({ userId: 'cli:lee', role: 'admin', zohoUserId: null });
  });
});

describe('access scopes', () => {
  const owners = [
    { id: 'vp', managerId: null },
    { id: 'rachel', managerId: 'vp' },
    { id: 'tom', managerId: 'rachel' },
    { id: 'nina', managerId: 'rachel' },
    { id: 'loop-a', managerId: 'loop-b' },
    { id: 'loop-b', managerId: 'loop-a' },
  ];
  const who = (role: 'admin' | 'manager' | 'rep', zohoUserId: string | null) => ({
    userId: 'u',
    zohoUserId,
    role,
    name: 'u',
    email: null,
  });

  it('gives an admin everything, a rep their own, a manager everyone below them', () => {
    expect(scopeOf(who('admin', null), owners)).toEqual({ kind: 'all' });
    const rep = scopeOf(who('rep', 'tom'), owners);
    expect(canSeeOwner(rep, 'tom')).toBe(true);
    expect(canSeeOwner(rep, 'nina')).toBe(false);
    const vp = scopeOf(who('manager', 'vp'), owners);
    expect(vp.kind === 'owners' && [...vp.ownerIds].sort()).toEqual(['nina', 'rachel', 'tom', 'vp']);
    const rachel = scopeOf(who('manager', 'rachel'), owners);
    expect(canSeeOwner(rachel, 'vp')).toBe(false);
    expect(canSeeOwner(rachel, null)).toBe(false);
  });

  it('survives a reporting cycle in the CRM, and gives a rep without a CRM user nothing', () => {
    const loop = scopeOf(who('manager', 'loop-a'), owners);
    expect(loop.kind === 'owners' && [...loop.ownerIds].sort()).toEqual(['loop-a', 'loop-b']);
    const nobody = scopeOf(who('rep', null), owners);
    expect(nobody.kind === 'owners' && nobody.ownerIds.size).toBe(0);
  });
});

describe('local tokens', () => {
  const user = { userId: 'u1', email: 'a@example.com', name: 'A', role: 'rep' as const, zohoUserId: '42' };

  it('round-trips the claims a Cognito ID token has', async () => {
    const tokens = new LocalTokens(secret);
    const { token, expiresAt } = await tokens.issue(user, '30d');
    expect(expiresAt.getTime() - Date.now()).toBeGreaterThan(29.9 * 86_400_000);
    const claims = await tokens.verify(token);
    expect(principalFromClaims(claims)).toEqual({
      userId: 'u1',
      zohoUserId: '42',
      role: 'rep',
      name: 'A',
      email: 'a@example.com',
    });
    expect(principalFromClaims(authorizerClaims(claims))).toEqual(principalFromClaims(claims));
  });

  it('refuses another issuer or audience, another algorithm, and an expired token', async () => {
    const tokens = new LocalTokens(secret);
    const key = await secret();
    const sign = (issuer: string, audience: string) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('u')
        .setIssuer(issuer)
        .setAudience(audience)
        .setExpirationTime('1h')
        .sign(key);
    await expect(tokens.verify(await sign('someone-else', LOCAL_AUDIENCE))).rejects.toMatchObject({ status: 401 });
    await expect(tokens.verify(await sign(LOCAL_ISSUER, 'another-api'))).rejects.toMatchObject({ status: 401 });
    const hs512 = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS512' })
      .setSubject('u')
      .setIssuer(LOCAL_ISSUER)
      .setAudience(LOCAL_AUDIENCE)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('s'.repeat(64)));
    await expect(tokens.verify(hs512)).rejects.toMatchObject({ status: 401 });
    const old = await tokens.issue(user, 60, new Date(Date.now() - 3_600_000));
    await expect(tokens.verify(old.token)).rejects.toMatchObject({ status: 401, message: /expired/ });
  });

  it('keeps a generated secret owner-only in the home and reuses it', async () => {
    const home = await mkdtemp(join(tmpdir(), 'sergas-auth-'));
    try {
      const secretFile = join(home, 'nested', 'jwt-secret');
      const first = await localJwtSecret({ kind: 'local', secret: null, secretFile });
      expect((await stat(secretFile)).mode & 0o777).toBe(0o600);
      expect(await localJwtSecret({ kind: 'local', secret: null, secretFile })).toEqual(first);
      await writeFile(secretFile, 'loosened', { mode: 0o644 });
      await localJwtSecret({ kind: 'local', secret: null, secretFile });
      expect((await stat(secretFile)).mode & 0o777).toBe(0o600);
      const configured = await localJwtSecret({ kind: 'local', secret: 'c'.repeat(32), secretFile });
      expect(new TextDecoder().decode(configured)).toBe('c'.repeat(32));
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});

describe('sessions', () => {
  it('prefers the bearer header to the cookie, and reads the cookie among others', () => {
    expect(tokenOf({ Authorization: 'Bearer aaa', cookie: 'sergas_session=bbb' })).toEqual({
      token: 'aaa',
      from: 'header',
    });
    expect(tokenOf({ cookie: 'theme=dark; sergas_session=bbb; x=1' })).toEqual({ token: 'bbb', from: 'cookie' });
    expect(tokenOf({ authorization: 'Basic abc' })).toBeNull();
    expect(cookieOf({ cookie: 'a=1' }, 'sergas_session')).toBeUndefined();
  });

  it('makes an HttpOnly, SameSite=Strict cookie, Secure over https', () => {
    expect(sessionCookie('t', { maxAgeSeconds: 60, secure: true })).toBe(
      'sergas_session=t; Path=/; Max-Age=60; HttpOnly; SameSite=Strict; Secure',
    );
  });
});
