import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify, SignJWT } from 'jose';
import type { Config } from '../config/config.ts';
import { UnauthorizedError } from '../errors.ts';
import { CLAIMS, type Claims, type Role } from './principal.ts';

/** Checks a bearer token and returns its claims; throws UnauthorizedError saying why it is refused. */
export interface TokenVerifier {
  verify(token: string): Promise<Claims>;
}

export const LOCAL_ISSUER = 'urn:sergas:local';
export const LOCAL_AUDIENCE = 'urn:sergas:api';
export const DEFAULT_TOKEN_LIFETIME = '30d';

const refusal = (error: unknown): UnauthorizedError => {
  if (error instanceof UnauthorizedError) return error;
  if (error instanceof errors.JWTExpired) return new UnauthorizedError('The token has expired; ask for a new one');
  if (error instanceof errors.JOSEError) return new UnauthorizedError(`The token was refused (${error.code})`);
  return new UnauthorizedError('The token was refused');
};

/**
 * The local HS256 secret: SERGAS_JWT_SECRET when set, else one generated on first use and kept owner-only
 * (0600) in SERGAS_HOME, so every local process (the CLI issuing, the API server verifying) agrees on it.
 */
export async function localJwtSecret(auth: Extract<Config['auth'], { kind: 'local' }>): Promise<Uint8Array> {
  if (auth.secret) return new TextEncoder().encode(auth.secret);
  const fresh = randomBytes(48).toString('base64url');
  try {
    await mkdir(dirname(auth.secretFile), { recursive: true });
    await writeFile(auth.secretFile, fresh, { flag: 'wx', mode: 0o600 });
    return new TextEncoder().encode(fresh);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // A file someone made readable to others is narrowed again rather than trusted as it is.
  if (((await stat(auth.secretFile)).mode & 0o077) !== 0) await chmod(auth.secretFile, 0o600);
  return new TextEncoder().encode((await readFile(auth.secretFile, 'utf8')).trim());
}

export interface LocalUser {
  userId: string;
  email: string | null;
  name: string;
  role: Role;
  zohoUserId: string | null;
}

/** Tokens `sergas user create` issues and the local API server accepts: the claims a Cognito ID token has. */
export class LocalTokens implements TokenVerifier {
  readonly #secret: () => Promise<Uint8Array>;
  #loaded: Promise<Uint8Array> | undefined;

  constructor(secret: () => Promise<Uint8Array>) {
    this.#secret = secret;
  }

  #key(): Promise<Uint8Array> {
    this.#loaded ??= this.#secret();
    return this.#loaded;
  }

  /** `expiresIn` as jose reads it ("30d", "12h", or seconds). */
  async issue(user: LocalUser, expiresIn: string | number = DEFAULT_TOKEN_LIFETIME, now = new Date()) {
    const claims: JWTPayload = {
      name: user.name,
      [CLAIMS.groups]: [user.role],
      token_use: 'id',
      ...(user.email ? { email: user.email } : {}),
      ...(user.zohoUserId ? { [CLAIMS.zohoUserId]: user.zohoUserId } : {}),
    };
    const issuedAt = Math.floor(now.getTime() / 1000);
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user.userId)
      .setIssuer(LOCAL_ISSUER)
      .setAudience(LOCAL_AUDIENCE)
      .setIssuedAt(issuedAt)
      .setExpirationTime(typeof expiresIn === 'number' ? issuedAt + expiresIn : expiresIn)
      .sign(await this.#key());
    const { exp } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number };
    return { token, expiresAt: new Date(exp * 1000) };
  }

  async verify(token: string): Promise<Claims> {
    try {
      const { payload } = await jwtVerify(token, await this.#key(), {
        issuer: LOCAL_ISSUER,
        audience: LOCAL_AUDIENCE,
        algorithms: ['HS256'],
        requiredClaims: ['sub', 'exp'],
      });
      return payload;
    } catch (error) {
      throw refusal(error);
    }
  }
}

/**
 * Cognito ID tokens, checked against the user pool's published keys. API Gateway's authorizer does this for
 * `cognito` routes; the functions behind the other routes (approval pages, sign-in) do it themselves.
 */
export class CognitoTokens implements TokenVerifier {
  readonly #issuer: string;
  readonly #clientId: string;
  readonly #keys: JWTVerifyGetKey;

  constructor(options: { region: string; userPoolId: string; clientId: string; keys?: JWTVerifyGetKey }) {
    this.#issuer = `https://cognito-idp.${options.region}.amazonaws.com/${options.userPoolId}`;
    this.#clientId = options.clientId;
    this.#keys = options.keys ?? createRemoteJWKSet(new URL(`${this.#issuer}/.well-known/jwks.json`));
  }

  async verify(token: string): Promise<Claims> {
    try {
      const { payload } = await jwtVerify(token, this.#keys, {
        issuer: this.#issuer,
        audience: this.#clientId,
        algorithms: ['RS256'],
        requiredClaims: ['sub', 'exp'],
      });
      if (payload.token_use !== 'id') throw new UnauthorizedError('Send the ID token, not the access token');
      return payload;
    } catch (error) {
      throw refusal(error);
    }
  }
}

export function tokenVerifierFor(config: Config): TokenVerifier {
  const { auth } = config;
  return auth.kind === 'cognito' ? new CognitoTokens(auth) : new LocalTokens(() => localJwtSecret(auth));
}
