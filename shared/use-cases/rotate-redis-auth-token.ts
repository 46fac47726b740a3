import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { RetryableUpstreamError, SecretRotationError } from '../errors.ts';
import type { RedisAuthCheck, RedisAuthTokens } from '../ports/redis-auth-tokens.ts';
import {
  AWSCURRENT,
  AWSPENDING,
  AWSPREVIOUS,
  type SecretVersion,
  type SecretVersions,
  type VersionRef,
} from '../ports/secret-versions.ts';

export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

export interface RotateRedisAuthTokenDeps {
  readonly secrets: SecretVersions;
  readonly cluster: RedisAuthTokens;
  readonly check: RedisAuthCheck;
  /** A new AUTH token; `generateAuthToken` unless a test fixes it. */
  readonly generateToken?: () => string;
}

/** One invocation of the rotation function by Secrets Manager. */
export interface RotationRequest {
  readonly secretId: string;
  /** The event's ClientRequestToken: the id of the version this rotation creates. */
  readonly versionId: string;
  readonly step: RotationStep;
  /** The event's RotationToken, passed on to PutSecretValue. */
  readonly rotationToken?: string;
  /** When setSecret stops waiting for the cluster and fails retryably (the function's time limit, less a margin). */
  readonly deadline: Date;
}

/** What a step did; safe to log (it never carries a token). */
export type RotationOutcome =
  | 'already-current'
  | 'created'
  | 'already-created'
  | 'rotated'
  | 'finalized-and-rotated'
  | 'already-set'
  | 'tested'
  | 'finished';

/** The secret's value: the AUTH token under `token`. Other fields are carried over to each new version. */
const RedisAuthSecret = z.looseObject({ token: z.string().min(16).max(128) });
type RedisAuthSecret = z.infer<typeof RedisAuthSecret>;

export const AUTH_TOKEN_LENGTH = 64;
// ElastiCache takes 16–128 printable characters but refuses some punctuation and TLS URLs need escaping for
// others; letters and digits alone are safe everywhere and 64 of them carry ~381 bits.
const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A new AUTH token: 64 letters and digits, each drawn uniformly from the CSPRNG (randomInt rejects bias). */
export function generateAuthToken(): string {
  let token = '';
  for (let i = 0; i < AUTH_TOKEN_LENGTH; i++) token += TOKEN_ALPHABET[randomInt(TOKEN_ALPHABET.length)];
  return token;
}

/**
 * One step of the Secrets Manager rotation of the ElastiCache Redis AUTH token (`sergas/<stage>/redis-auth`).
 * Secrets Manager calls the four steps in order, each possibly more than once, so every step is idempotent:
 * 1. createSecret: a new random token, stored as the AWSPENDING version `versionId` (once: a retry finds it);
 * 2. setSecret: the cluster accepts the pending token too (ROTATE), after dropping any token older than
 *    AWSCURRENT (SET to AWSCURRENT) so that the ROTATE never drops AWSCURRENT itself;
 * 3. testSecret: a connection authenticated with the pending token works, or the rotation fails;
 * 4. finishSecret: AWSCURRENT moves to the new version (Secrets Manager labels the old one AWSPREVIOUS).
 * A version that is already AWSCURRENT has nothing left to do at any step.
 *
 * Why the old token is dropped only at the next rotation (SET in step 2), not in step 4: functions read the
 * token at cold start and keep it while they are warm, so right after finishSecret many still hold the
 * token that was AWSCURRENT. ROTATE keeps it valid; SET at that moment would cut them off (the cache adapter
 * would re-read the secret and reconnect, but every warm function would take that error at once). One rotation
 * period later no function holds it, and dropping it right before the next ROTATE keeps the cluster at two
 * tokens, AWSCURRENT and the one being introduced. The price is that a replaced token stays valid for one
 * more period; rotating twice in a row (`aws secretsmanager rotate-secret`) revokes a leaked token at once.
 */
export async function rotateRedisAuthToken(
  deps: RotateRedisAuthTokenDeps,
  request: RotationRequest,
): Promise<RotationOutcome> {
  const { secretId, versionId } = request;
  const secret = await deps.secrets.describe(secretId);
  if (!secret.rotationEnabled) throw new SecretRotationError(`Secret ${secretId} is not enabled for rotation`);
  const version = secret.versions.find((v) => v.versionId === versionId);
  if (!version) throw new SecretRotationError(`Secret ${secretId} has no version ${versionId} to rotate to`);
  if (version.stages.includes(AWSCURRENT)) return 'already-current';
  if (!version.stages.includes(AWSPENDING)) {
    throw new SecretRotationError(`Version ${versionId} of secret ${secretId} is not staged AWSPENDING`);
  }
  const current = secret.versions.find((v) => v.stages.includes(AWSCURRENT));
  if (!current) throw new SecretRotationError(`Secret ${secretId} has no AWSCURRENT version`);

  switch (request.step) {
    case 'createSecret':
      return createSecret(deps, request);
    case 'setSecret':
      return setSecret(deps, request, secret.versions, current);
    case 'testSecret':
      return testSecret(deps, request);
    case 'finishSecret':
      await deps.secrets.moveCurrent(secretId, versionId, current.versionId);
      return 'finished';
  }
}

async function createSecret(deps: RotateRedisAuthTokenDeps, request: RotationRequest): Promise<RotationOutcome> {
  const { secretId, versionId } = request;
  const current = await secretAt(deps.secrets, secretId, { stage: AWSCURRENT });
  if ((await deps.secrets.value(secretId, { versionId, stage: AWSPENDING })) !== null) return 'already-created';
  const token = (deps.generateToken ?? generateAuthToken)();
  await deps.secrets.putPending(secretId, versionId, JSON.stringify({ ...current, token }), request.rotationToken);
  return 'created';
}

async function setSecret(
  deps: RotateRedisAuthTokenDeps,
  request: RotationRequest,
  versions: readonly SecretVersion[],
  current: SecretVersion,
): Promise<RotationOutcome> {
  const { secretId, versionId, deadline } = request;
  const pending = (await secretAt(deps.secrets, secretId, { versionId, stage: AWSPENDING })).token;
  await untilAvailable(deps.cluster, deadline, 'before its AUTH tokens can change');
  // A retry after the ROTATE went through: nothing left to do.
  if (await deps.check.accepts(pending)) return 'already-set';

  // The cluster keeps the two most recent tokens and a ROTATE drops the older one: if it still accepts a
  // token other than AWSCURRENT, AWSCURRENT is the older of the two and the ROTATE would drop it. SET first.
  let finalized = false;
  if (await acceptsRetiredToken(deps, secretId, versions, current, versionId)) {
    const currentToken = (await secretAt(deps.secrets, secretId, { versionId: current.versionId })).token;
    await deps.cluster.finalize(currentToken);
    await untilAvailable(deps.cluster, deadline, 'after dropping the retired AUTH token');
    finalized = true;
  }
  await deps.cluster.rotate(pending);
  await untilAvailable(deps.cluster, deadline, 'after adding the new AUTH token');
  if (!(await deps.check.accepts(pending))) {
    throw new RetryableUpstreamError('The Redis cluster does not accept the new AUTH token yet');
  }
  return finalized ? 'finalized-and-rotated' : 'rotated';
}

async function testSecret(deps: RotateRedisAuthTokenDeps, request: RotationRequest): Promise<RotationOutcome> {
  const pending = await secretAt(deps.secrets, request.secretId, { versionId: request.versionId, stage: AWSPENDING });
  if (!(await deps.check.accepts(pending.token))) {
    throw new SecretRotationError(`The Redis cluster refuses the AUTH token of version ${request.versionId}`);
  }
  return 'tested';
}

/**
 * Whether the cluster still accepts a token other than AWSCURRENT and the pending one. Candidates are the
 * versions from AWSPREVIOUS on (AWSCURRENT before there is one): AWSPREVIOUS itself, kept by the last ROTATE,
 * and any newer version, such as the pending token of an earlier rotation that failed after its setSecret.
 * Anything older than AWSPREVIOUS was dropped by an earlier rotation. Newest first; stops at the first hit.
 */
async function acceptsRetiredToken(
  deps: RotateRedisAuthTokenDeps,
  secretId: string,
  versions: readonly SecretVersion[],
  current: SecretVersion,
  pendingVersionId: string,
): Promise<boolean> {
  const since = (versions.find((v) => v.stages.includes(AWSPREVIOUS)) ?? current).createdAt.getTime();
  const candidates = versions
    .filter((v) => v.versionId !== current.versionId && v.versionId !== pendingVersionId)
    .filter((v) => v.createdAt.getTime() >= since)
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  for (const candidate of candidates) {
    const token = parseSecret(await deps.secrets.value(secretId, { versionId: candidate.versionId }))?.token;
    if (token && (await deps.check.accepts(token))) return true;
  }
  return false;
}

async function untilAvailable(cluster: RedisAuthTokens, deadline: Date, when: string): Promise<void> {
  if (!(await cluster.waitUntilAvailable(deadline))) {
    throw new RetryableUpstreamError(`The Redis cluster is still being modified ${when}`);
  }
}

/** A version's value, parsed; fails naming the version, never showing the value. */
async function secretAt(secrets: SecretVersions, secretId: string, ref: VersionRef): Promise<RedisAuthSecret> {
  const parsed = parseSecret(await secrets.value(secretId, ref));
  if (!parsed) {
    const which = [ref.versionId, ref.stage].filter(Boolean).join(' ');
    throw new SecretRotationError(`Secret ${secretId} (${which}) holds no AUTH token under "token"`);
  }
  return parsed;
}

function parseSecret(value: string | null): RedisAuthSecret | null {
  if (value === null) return null;
  try {
    const parsed = RedisAuthSecret.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
