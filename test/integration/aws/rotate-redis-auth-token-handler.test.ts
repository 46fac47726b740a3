import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler } from '../../../functions/rotation/redis-auth-token.ts';
import { lambdaContextFor } from '../../../local/lambda-context.ts';

/**
 * The rotation function as Lambda runs it: the event Secrets Manager sends, the environment the stack gives it,
 * and its real SDK clients pointed (AWS_ENDPOINT_URL) at an HTTP server that answers as Secrets Manager does.
 */
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sergas/dev/redis-auth-AbCdEf';
const context = lambdaContextFor('sergas-dev-rotate-redis-auth-token');

const readBody = async (request: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

let server: Server;
const calls: { target: string; body: Record<string, unknown> }[] = [];
const ANSWERS: Record<string, unknown> = {
  'secretsmanager.DescribeSecret': {
    ARN: SECRET,
    RotationEnabled: true,
    VersionIdsToStages: { v1: ['AWSCURRENT'], v2: ['AWSPENDING'] },
  },
  'secretsmanager.ListSecretVersionIds': {
    Versions: [
      { VersionId: 'v1', VersionStages: ['AWSCURRENT'], CreatedDate: 1_764_000_000 },
      { VersionId: 'v2', VersionStages: ['AWSPENDING'], CreatedDate: 1_766_000_000 },
    ],
  },
  'secretsmanager.UpdateSecretVersionStage': { ARN: SECRET },
};

beforeAll(async () => {
  server = createServer(async (request, response) => {
    const target = String(request.headers['x-amz-target']);
    calls.push({ target, body: JSON.parse(await readBody(request)) });
    response.writeHead(target in ANSWERS ? 200 : 400, { 'content-type': 'application/x-amz-json-1.1' });
    response.end(JSON.stringify(ANSWERS[target] ?? { __type: 'InvalidRequestException', Message: target }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  vi.stubEnv('AWS_ENDPOINT_URL', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
  vi.stubEnv('REDIS_AUTH_SECRET_ARN', SECRET);
  vi.stubEnv('REDIS_REPLICATION_GROUP_ID', 'sergas-dev-redis');
  vi.stubEnv('REDIS_ENDPOINT', '127.0.0.1:1');
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('the Redis AUTH token rotation function', () => {
  it('refuses an event that is not a rotation step, naming the problem', async () => {
    await expect(
      handler({ SecretId: SECRET, ClientRequestToken: 'v2', Step: 'deleteSecret' }, context),
    ).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringContaining('Step') });
  });

  it('refuses to rotate any secret but its own', async () => {
    const other = SECRET.replace('redis-auth', 'zoho');
    await expect(
      handler({ SecretId: other, ClientRequestToken: 'v2', Step: 'finishSecret' }, context),
    ).rejects.toMatchObject({ name: 'SecretRotationError' });
    expect(calls).toEqual([]);
  });

  it('runs finishSecret: AWSCURRENT moves from v1 to v2', async () => {
    const result = await handler(
      { SecretId: SECRET, ClientRequestToken: 'v2', Step: 'finishSecret', RotationToken: 'rotation-token' },
      context,
    );
    expect(result).toEqual({ step: 'finishSecret', outcome: 'finished' });
    expect(calls.map((call) => call.target)).toEqual([
      'secretsmanager.DescribeSecret',
      'secretsmanager.ListSecretVersionIds',
      'secretsmanager.UpdateSecretVersionStage',
    ]);
    expect(calls[2]?.body).toEqual({
      SecretId: SECRET,
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: 'v2',
      RemoveFromVersionId: 'v1',
    });
  });
});
