import { beforeEach, describe, expect, it } from 'vitest';
import { RetryableUpstreamError, SecretRotationError } from '../../../shared/errors.ts';
import type { RedisAuthCheck, RedisAuthTokens } from '../../../shared/ports/redis-auth-tokens.ts';
import {
  AWSCURRENT,
  AWSPENDING,
  AWSPREVIOUS,
  type SecretDescription,
  type SecretVersions,
  type VersionRef,
} from '../../../shared/ports/secret-versions.ts';
import {
  AUTH_TOKEN_LENGTH,
  generateAuthToken,
  type RotationStep,
  rotateRedisAuthToken,
} from '../../../shared/use-cases/rotate-redis-auth-token.ts';

const SECRET_ID = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sergas/dev/redis-auth-AbCdEf';
const T0 = 'initialTokenFromCloudFormation0000000000000000000000000000000000';

/** Secrets Manager as the rotation protocol sees it: versions, their values and their staging labels. */
class FakeSecretVersions implements SecretVersions {
  readonly versions = new Map<string, { value: string | null; stages: Set<string>; createdAt: Date }>();
  readonly puts: { versionId: string; rotationToken?: string }[] = [];
  rotationEnabled = true;
  #clock = Date.parse('2026-01-01T00:00:00Z');

  constructor(initial: string) {
    this.versions.set('v0', { value: initial, stages: new Set([AWSCURRENT]), createdAt: this.#tick() });
  }

  #tick(): Date {
    this.#clock += 60_000;
    return new Date(this.#clock);
  }

  /** What RotateSecret does before calling the function: a version stub labelled AWSPENDING. */
  startRotation(versionId: string): void {
    this.#moveLabel(AWSPENDING, versionId);
    this.versions.set(versionId, { value: null, stages: new Set([AWSPENDING]), createdAt: this.#tick() });
  }

  #moveLabel(stage: string, toVersionId: string): void {
    for (const [id, version] of this.versions) if (id !== toVersionId) version.stages.delete(stage);
    this.versions.get(toVersionId)?.stages.add(stage);
  }

  stagesOf(versionId: string): string[] {
    return [...(this.versions.get(versionId)?.stages ?? [])].sort();
  }

  tokenOf(ref: VersionRef): string {
    return JSON.parse(this.#find(ref)!.value!).token as string;
  }

  #find(ref: VersionRef) {
    const [, version] =
      [...this.versions].find(
        ([id, v]) => (!ref.versionId || id === ref.versionId) && (!ref.stage || v.stages.has(ref.stage)),
      ) ?? [];
    return version;
  }

  async describe(): Promise<SecretDescription> {
    return {
      rotationEnabled: this.rotationEnabled,
      versions: [...this.versions].map(([versionId, v]) => ({
        versionId,
        stages: [...v.stages],
        createdAt: v.createdAt,
      })),
    };
  }

  async value(_secretId: string, ref: VersionRef): Promise<string | null> {
    return this.#find(ref)?.value ?? null;
  }

  async putPending(_secretId: string, versionId: string, value: string, rotationToken?: string): Promise<void> {
    const existing = this.versions.get(versionId);
    if (existing?.value != null && existing.value !== value) throw new Error('a version cannot change its value');
    this.puts.push({ versionId, ...(rotationToken ? { rotationToken } : {}) });
    this.versions.set(versionId, {
      value,
      stages: existing?.stages ?? new Set(),
      createdAt: existing?.createdAt ?? this.#tick(),
    });
    this.#moveLabel(AWSPENDING, versionId);
  }

  async moveCurrent(_secretId: string, toVersionId: string, fromVersionId: string): Promise<void> {
    if (!this.versions.get(fromVersionId)?.stages.has(AWSCURRENT))
      throw new Error('RemoveFromVersionId is not current');
    this.#moveLabel(AWSCURRENT, toVersionId);
    this.#moveLabel(AWSPREVIOUS, fromVersionId);
  }
}

/**
 * An ElastiCache replication group's AUTH tokens: at most the two most recent (a ROTATE to a third drops the
 * oldest), SET only while there are two. A modification takes effect when someone waits for it, unless the
 * group is `stuck` modifying.
 */
class FakeCluster implements RedisAuthTokens, RedisAuthCheck {
  tokens: string[];
  readonly modifications: string[] = [];
  stuck = false;
  unreachable = false;
  #pending: string[] | null = null;

  constructor(...tokens: string[]) {
    this.tokens = tokens;
  }

  async waitUntilAvailable(): Promise<boolean> {
    if (this.stuck) return false;
    if (this.#pending) this.tokens = this.#pending;
    this.#pending = null;
    return true;
  }

  async rotate(token: string): Promise<void> {
    this.#modify(`ROTATE ${token}`, [...this.tokens, token].slice(-2));
  }

  async finalize(token: string): Promise<void> {
    if (this.tokens.length !== 2) throw new Error('InvalidParameterCombination: SET is allowed only after ROTATE');
    this.#modify(`SET ${token}`, [token]);
  }

  /** A modification someone else started (a deploy, maintenance): the group reads `modifying` until waited for. */
  beginMaintenance(): void {
    this.#modify('maintenance', [...this.tokens]);
  }

  #modify(description: string, next: string[]): void {
    if (this.#pending) throw new RetryableUpstreamError('InvalidReplicationGroupState');
    this.modifications.push(description);
    this.#pending = next;
  }

  async accepts(token: string): Promise<boolean> {
    if (this.unreachable) throw new RetryableUpstreamError('Redis could not be reached');
    return this.tokens.includes(token);
  }
}

let secrets: FakeSecretVersions;
let cluster: FakeCluster;
let generated: string[];
const DEADLINE = new Date('2030-01-01T00:00:00Z');

const deps = () => ({
  secrets,
  cluster,
  check: cluster,
  generateToken: () => {
    const token = `token${generated.length + 1}`.padEnd(64, 'x');
    generated.push(token);
    return token;
  },
});
const step = (versionId: string, name: RotationStep, rotationToken?: string) =>
  rotateRedisAuthToken(deps(), { secretId: SECRET_ID, versionId, step: name, deadline: DEADLINE, rotationToken });
async function rotation(versionId: string) {
  secrets.startRotation(versionId);
  const outcomes = [];
  for (const name of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) {
    outcomes.push(await step(versionId, name));
  }
  return outcomes;
}

beforeEach(() => {
  secrets = new FakeSecretVersions(JSON.stringify({ token: T0 }));
  cluster = new FakeCluster(T0);
  generated = [];
});

describe('rotating the Redis AUTH token', () => {
  it('adds a new token beside the current one, tests it, then makes it AWSCURRENT', async () => {
    expect(await rotation('v1')).toEqual(['created', 'rotated', 'tested', 'finished']);
    const [t1] = generated;
    expect(secrets.tokenOf({ stage: AWSCURRENT })).toBe(t1);
    expect(secrets.stagesOf('v1')).toEqual([AWSCURRENT, AWSPENDING]);
    expect(secrets.stagesOf('v0')).toEqual([AWSPREVIOUS]);
    // The first rotation only adds: warm functions still hold T0, and ElastiCache keeps accepting it.
    expect(cluster.modifications).toEqual([`ROTATE ${t1}`]);
    expect(cluster.tokens).toEqual([T0, t1]);
  });

  it('drops the previous token at the next rotation (SET), right before adding the next one', async () => {
    await rotation('v1');
    expect(await rotation('v2')).toEqual(['created', 'finalized-and-rotated', 'tested', 'finished']);
    const [t1, t2] = generated;
    expect(cluster.modifications).toEqual([`ROTATE ${t1}`, `SET ${t1}`, `ROTATE ${t2}`]);
    expect(cluster.tokens).toEqual([t1, t2]);
    expect(await cluster.accepts(T0)).toBe(false);
    expect(secrets.stagesOf('v2')).toEqual([AWSCURRENT, AWSPENDING]);
    expect(secrets.stagesOf('v1')).toEqual([AWSPREVIOUS]);
    expect(secrets.stagesOf('v0')).toEqual([]);
  });

  it('never stops accepting AWSCURRENT at any point of three rotations', async () => {
    for (const versionId of ['v1', 'v2', 'v3']) {
      secrets.startRotation(versionId);
      for (const name of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) {
        await step(versionId, name);
        await cluster.waitUntilAvailable();
        expect(await cluster.accepts(secrets.tokenOf({ stage: AWSCURRENT })), `${versionId} ${name}`).toBe(true);
      }
    }
  });

  it('stores the new version as AWSPENDING with the RotationToken, keeping the other fields of the secret', async () => {
    secrets = new FakeSecretVersions(JSON.stringify({ token: T0, note: 'kept' }));
    secrets.startRotation('v1');
    expect(await step('v1', 'createSecret', 'rotation-token-1')).toBe('created');
    expect(secrets.puts).toEqual([{ versionId: 'v1', rotationToken: 'rotation-token-1' }]);
    expect(JSON.parse(secrets.versions.get('v1')!.value!)).toEqual({ token: generated[0], note: 'kept' });
    expect(secrets.stagesOf('v1')).toEqual([AWSPENDING]);
    expect(secrets.tokenOf({ stage: AWSCURRENT })).toBe(T0);
  });
});

describe('each step again (Secrets Manager retries)', () => {
  it('createSecret with an existing AWSPENDING version does nothing', async () => {
    secrets.startRotation('v1');
    await step('v1', 'createSecret');
    const stored = secrets.versions.get('v1')!.value;
    expect(await step('v1', 'createSecret')).toBe('already-created');
    expect(secrets.puts).toHaveLength(1);
    expect(generated).toHaveLength(1);
    expect(secrets.versions.get('v1')!.value).toBe(stored);
  });

  it('setSecret after the ROTATE went through changes nothing', async () => {
    secrets.startRotation('v1');
    await step('v1', 'createSecret');
    await step('v1', 'setSecret');
    expect(await step('v1', 'setSecret')).toBe('already-set');
    expect(cluster.modifications).toHaveLength(1);
  });

  it('setSecret waits for a modification already under way, and adds the token once it is done', async () => {
    secrets.startRotation('v1');
    await step('v1', 'createSecret');
    cluster.beginMaintenance(); // a modify call now would fail with InvalidReplicationGroupState
    expect(await step('v1', 'setSecret')).toBe('rotated');
    expect(cluster.modifications).toEqual(['maintenance', `ROTATE ${generated[0]}`]);
    expect(await cluster.accepts(generated[0]!)).toBe(true);
  });

  it('setSecret fails retryably while the group stays busy, having changed nothing, and goes on when retried', async () => {
    secrets.startRotation('v1');
    await step('v1', 'createSecret');
    cluster.stuck = true;
    await expect(step('v1', 'setSecret')).rejects.toBeInstanceOf(RetryableUpstreamError);
    expect(cluster.modifications).toEqual([]);
    cluster.stuck = false;
    expect(await step('v1', 'setSecret')).toBe('rotated');
  });

  it('setSecret cut off between the SET and the ROTATE does not SET again when retried', async () => {
    await rotation('v1');
    secrets.startRotation('v2');
    await step('v2', 'createSecret');
    const [t1, t2] = generated;
    // The SET is accepted, then the group stays in `modifying` past the deadline.
    const finalize = cluster.finalize.bind(cluster);
    cluster.finalize = async (token) => {
      await finalize(token);
      cluster.stuck = true;
    };
    await expect(step('v2', 'setSecret')).rejects.toBeInstanceOf(RetryableUpstreamError);
    cluster.stuck = false;
    expect(await step('v2', 'setSecret')).toBe('rotated');
    expect(cluster.modifications).toEqual([`ROTATE ${t1}`, `SET ${t1}`, `ROTATE ${t2}`]);
    expect(cluster.tokens).toEqual([t1, t2]);
  });

  it('finishSecret on a version that is already AWSCURRENT is a no-op', async () => {
    await rotation('v1');
    const stages = () => [...secrets.versions.keys()].map((id) => [id, secrets.stagesOf(id)]);
    const before = stages();
    expect(await step('v1', 'finishSecret')).toBe('already-current');
    expect(stages()).toEqual(before);
  });

  it('setSecret fails retryably, changing nothing, when Redis cannot be reached', async () => {
    await rotation('v1');
    secrets.startRotation('v2');
    await step('v2', 'createSecret');
    cluster.unreachable = true;
    await expect(step('v2', 'setSecret')).rejects.toBeInstanceOf(RetryableUpstreamError);
    expect(cluster.modifications).toHaveLength(1);
  });
});

describe('a rotation that failed after its setSecret', () => {
  it('is cleaned up by the next one: SET to AWSCURRENT first, so the ROTATE cannot drop AWSCURRENT', async () => {
    await rotation('v1');
    secrets.startRotation('v2');
    await step('v2', 'createSecret');
    await step('v2', 'setSecret');
    const [t1, t2] = generated;
    expect(cluster.tokens).toEqual([t1, t2]);
    // Given up on; the next RotateSecret moves AWSPENDING to a new version and v2 is left deprecated.
    secrets.startRotation('v3');
    expect(secrets.stagesOf('v2')).toEqual([]);
    await step('v3', 'createSecret');
    expect(await step('v3', 'setSecret')).toBe('finalized-and-rotated');
    const t3 = generated[2]!;
    expect(cluster.tokens).toEqual([t1, t3]);
    expect(await step('v3', 'testSecret')).toBe('tested');
    expect(await step('v3', 'finishSecret')).toBe('finished');
    expect(secrets.tokenOf({ stage: AWSCURRENT })).toBe(t3);
  });
});

describe('what stops a rotation', () => {
  it('testSecret fails when the cluster refuses the pending token', async () => {
    secrets.startRotation('v1');
    await step('v1', 'createSecret'); // setSecret never ran: the cluster does not know the token
    const failure = step('v1', 'testSecret');
    await expect(failure).rejects.toBeInstanceOf(SecretRotationError);
    await expect(failure).rejects.toMatchObject({ code: 'SECRET_ROTATION_FAILED' });
    expect(secrets.tokenOf({ stage: AWSCURRENT })).toBe(T0);
  });

  it('refuses a secret without rotation, a version that is not AWSPENDING and an unknown version', async () => {
    secrets.startRotation('v1');
    secrets.rotationEnabled = false;
    await expect(step('v1', 'createSecret')).rejects.toThrow(/not enabled for rotation/);
    secrets.rotationEnabled = true;
    secrets.versions.get('v1')!.stages.clear();
    await expect(step('v1', 'createSecret')).rejects.toThrow(/not staged AWSPENDING/);
    await expect(step('nope', 'createSecret')).rejects.toThrow(/has no version nope/);
    expect(secrets.puts).toEqual([]);
  });

  it('does nothing at any step for the version that is already AWSCURRENT', async () => {
    for (const name of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) {
      expect(await step('v0', name)).toBe('already-current');
    }
    expect(secrets.puts).toEqual([]);
    expect(cluster.modifications).toEqual([]);
  });

  it('fails without showing the value when the secret holds no usable token', async () => {
    secrets = new FakeSecretVersions(JSON.stringify({ password: 'not-the-field-we-read' }));
    secrets.startRotation('v1');
    const failure = step('v1', 'createSecret');
    await expect(failure).rejects.toThrow(/holds no AUTH token under "token"/);
    await expect(failure).rejects.not.toThrow(/not-the-field-we-read/);
  });
});

describe('generated tokens', () => {
  it('are 64 letters and digits that ElastiCache accepts, different every time', () => {
    const tokens = Array.from({ length: 200 }, generateAuthToken);
    for (const token of tokens) expect(token).toMatch(new RegExp(`^[A-Za-z0-9]{${AUTH_TOKEN_LENGTH}}$`));
    expect(AUTH_TOKEN_LENGTH).toBe(64);
    expect(new Set(tokens).size).toBe(tokens.length);
    // Every character of the alphabet turns up across 12,800 draws (each is missed with p ≈ 1e-90).
    expect(new Set(tokens.join('')).size).toBe(62);
  });

  it('are what createSecret stores when no generator is given', async () => {
    secrets.startRotation('v1');
    await rotateRedisAuthToken(
      { secrets, cluster, check: cluster },
      { secretId: SECRET_ID, versionId: 'v1', step: 'createSecret', deadline: DEADLINE },
    );
    expect(secrets.tokenOf({ versionId: 'v1' })).toMatch(/^[A-Za-z0-9]{64}$/);
  });
});
