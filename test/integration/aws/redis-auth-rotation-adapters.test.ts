import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ElastiCacheAuthTokens } from '../../../shared/adapters/aws/elasticache-auth-tokens.ts';
import { SecretsManagerSecretVersions } from '../../../shared/adapters/aws/secrets-manager-secret-versions.ts';
import { RetryableUpstreamError } from '../../../shared/errors.ts';

/**
 * No ElastiCache or Secrets Manager runs here (no AWS, no LocalStack), so the adapters' real SDK clients talk to
 * an HTTP server that records the requests they put on the wire and answers the way the services do:
 * ElastiCache speaks the AWS Query protocol (form-encoded Action=…, XML answers), Secrets Manager AWS JSON 1.1.
 */
interface Received {
  target: string | undefined;
  contentType: string | undefined;
  authorization: string | undefined;
  body: string;
}
type Answer = { status?: number; contentType: string; body: string };

const readBody = async (request: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

let server: Server;
let endpoint: string;
let received: Received[];
let answers: Answer[];

beforeAll(async () => {
  server = createServer(async (request, response) => {
    received.push({
      target: request.headers['x-amz-target'] as string | undefined,
      contentType: request.headers['content-type'],
      authorization: request.headers.authorization,
      body: await readBody(request),
    });
    const answer = answers.shift() ?? { status: 500, contentType: 'text/plain', body: 'no answer queued' };
    response.writeHead(answer.status ?? 200, { 'content-type': answer.contentType });
    response.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  received = [];
  answers = [];
});

const clientConfig = () => ({
  region: 'eu-west-1',
  endpoint,
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  maxAttempts: 1,
});
const form = (body: string) => Object.fromEntries(new URLSearchParams(body));
const json = (body: string) => JSON.parse(body) as Record<string, unknown>;

describe('the ElastiCache AUTH token adapter', () => {
  const GROUP = 'sergas-dev-redis';
  const TOKEN = 'Z'.repeat(64);
  const NS = 'http://elasticache.amazonaws.com/doc/2015-02-02/';
  const xml = (body: string): Answer => ({ contentType: 'text/xml', body });
  const group = (status: string, authTokenStatus?: string) =>
    `<ReplicationGroup><ReplicationGroupId>${GROUP}</ReplicationGroupId><Status>${status}</Status>` +
    `<PendingModifiedValues>${authTokenStatus ? `<AuthTokenStatus>${authTokenStatus}</AuthTokenStatus>` : ''}</PendingModifiedValues>` +
    '<AuthTokenEnabled>true</AuthTokenEnabled><TransitEncryptionEnabled>true</TransitEncryptionEnabled></ReplicationGroup>';
  const modified = (status: string) =>
    xml(
      `<ModifyReplicationGroupResponse xmlns="${NS}"><ModifyReplicationGroupResult>${group(status, 'ROTATING')}` +
        '</ModifyReplicationGroupResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></ModifyReplicationGroupResponse>',
    );
  const described = (status: string, authTokenStatus?: string) =>
    xml(
      `<DescribeReplicationGroupsResponse xmlns="${NS}"><DescribeReplicationGroupsResult><ReplicationGroups>` +
        `${group(status, authTokenStatus)}</ReplicationGroups></DescribeReplicationGroupsResult>` +
        '<ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata></DescribeReplicationGroupsResponse>',
    );

  let sleeps: number[];
  let clock: number;
  const tokens = () =>
    new ElastiCacheAuthTokens(new ElastiCacheClient(clientConfig()), GROUP, {
      pollIntervalMs: 10_000,
      now: () => clock,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
      },
    });
  beforeEach(() => {
    sleeps = [];
    clock = Date.parse('2026-11-24T10:00:00Z');
  });

  it.each([
    ['rotate', 'ROTATE'],
    ['finalize', 'SET'],
  ] as const)(
    '%s sends a signed ModifyReplicationGroup with the token, strategy %s, applied immediately',
    async (method, strategy) => {
      answers.push(modified('modifying'));
      await tokens()[method](TOKEN);
      expect(received).toHaveLength(1);
      const [request] = received;
      expect(request?.contentType).toBe('application/x-www-form-urlencoded');
      expect(request?.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/elasticache\/aws4_request/,
      );
      expect(form(request!.body)).toEqual({
        Action: 'ModifyReplicationGroup',
        Version: '2015-02-02',
        ReplicationGroupId: GROUP,
        AuthToken: TOKEN,
        AuthTokenUpdateStrategy: strategy,
        ApplyImmediately: 'true',
      });
    },
  );

  it('fails retryably when the group is being modified already (InvalidReplicationGroupState)', async () => {
    answers.push({
      status: 400,
      contentType: 'text/xml',
      body:
        `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>InvalidReplicationGroupState</Code>` +
        '<Message>Replication group must be in available state to modify.</Message></Error><RequestId>r-3</RequestId></ErrorResponse>',
    });
    const failure = tokens().rotate(TOKEN);
    await expect(failure).rejects.toBeInstanceOf(RetryableUpstreamError);
    await expect(failure).rejects.not.toThrow(TOKEN);
  });

  it('waits, polling DescribeReplicationGroups for this group, until it is available with no token change pending', async () => {
    answers.push(described('modifying', 'ROTATING'), described('available', 'ROTATING'), described('available'));
    expect(await tokens().waitUntilAvailable(new Date(clock + 60_000))).toBe(true);
    expect(received.map((r) => form(r.body))).toEqual(
      Array(3).fill({ Action: 'DescribeReplicationGroups', Version: '2015-02-02', ReplicationGroupId: GROUP }),
    );
    expect(sleeps).toEqual([10_000, 10_000]);
  });

  it('gives up when the deadline comes first, and looks only once the modification it asked for has begun', async () => {
    answers.push(modified('modifying'), ...Array.from({ length: 10 }, () => described('modifying', 'SETTING')));
    const adapter = tokens();
    await adapter.finalize(TOKEN);
    expect(await adapter.waitUntilAvailable(new Date(clock + 35_000))).toBe(false);
    // One pause right after the modify call, then a look every 10 s while the next one still fits.
    expect(sleeps).toEqual([10_000, 10_000, 10_000]);
    expect(received.slice(1).map((r) => form(r.body).Action)).toEqual(Array(3).fill('DescribeReplicationGroups'));
  });
});

describe('the Secrets Manager secret versions adapter', () => {
  const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sergas/dev/redis-auth-AbCdEf';
  const ok = (body: unknown): Answer => ({ contentType: 'application/x-amz-json-1.1', body: JSON.stringify(body) });
  const versions = () => new SecretsManagerSecretVersions(new SecretsManagerClient(clientConfig()));

  it('describes the secret: rotation, labelled versions and, page by page, the deprecated ones with their dates', async () => {
    answers.push(
      ok({ ARN: SECRET, RotationEnabled: true, VersionIdsToStages: { v2: ['AWSPENDING'], v1: ['AWSCURRENT'] } }),
      ok({
        ARN: SECRET,
        Versions: [
          { VersionId: 'v1', VersionStages: ['AWSCURRENT'], CreatedDate: 1_764_000_000 },
          { VersionId: 'v0', VersionStages: [], CreatedDate: 1_761_000_000 },
        ],
        NextToken: 'page-2',
      }),
      ok({ ARN: SECRET, Versions: [{ VersionId: 'v2', VersionStages: ['AWSPENDING'], CreatedDate: 1_766_000_000 }] }),
    );
    expect(await versions().describe(SECRET)).toEqual({
      rotationEnabled: true,
      versions: [
        { versionId: 'v1', stages: ['AWSCURRENT'], createdAt: new Date(1_764_000_000_000) },
        { versionId: 'v0', stages: [], createdAt: new Date(1_761_000_000_000) },
        { versionId: 'v2', stages: ['AWSPENDING'], createdAt: new Date(1_766_000_000_000) },
      ],
    });
    expect(received.map((r) => [r.target, json(r.body)])).toEqual([
      ['secretsmanager.DescribeSecret', { SecretId: SECRET }],
      ['secretsmanager.ListSecretVersionIds', { SecretId: SECRET, IncludeDeprecated: true }],
      ['secretsmanager.ListSecretVersionIds', { SecretId: SECRET, IncludeDeprecated: true, NextToken: 'page-2' }],
    ]);
    expect(received[0]?.contentType).toBe('application/x-amz-json-1.1');
    expect(received[0]?.authorization).toMatch(/\/eu-west-1\/secretsmanager\/aws4_request/);
  });

  it('reads a version by id and label, and answers null for one without a value yet', async () => {
    answers.push(ok({ ARN: SECRET, VersionId: 'v1', SecretString: '{"token":"abc"}', VersionStages: ['AWSCURRENT'] }), {
      status: 400,
      contentType: 'application/x-amz-json-1.1',
      body: JSON.stringify({
        __type: 'ResourceNotFoundException',
        Message: "Secrets Manager can't find the specified secret value for VersionId: v2",
      }),
    });
    expect(await versions().value(SECRET, { stage: 'AWSCURRENT' })).toBe('{"token":"abc"}');
    expect(await versions().value(SECRET, { versionId: 'v2', stage: 'AWSPENDING' })).toBeNull();
    expect(received.map((r) => [r.target, json(r.body)])).toEqual([
      ['secretsmanager.GetSecretValue', { SecretId: SECRET, VersionStage: 'AWSCURRENT' }],
      ['secretsmanager.GetSecretValue', { SecretId: SECRET, VersionId: 'v2', VersionStage: 'AWSPENDING' }],
    ]);
  });

  it('stores the pending version under the ClientRequestToken, labelled AWSPENDING, with the RotationToken', async () => {
    answers.push(ok({ ARN: SECRET, VersionId: 'v2', VersionStages: ['AWSPENDING'] }));
    await versions().putPending(SECRET, 'v2', '{"token":"new"}', 'rotation-token');
    expect(received[0]?.target).toBe('secretsmanager.PutSecretValue');
    expect(json(received[0]!.body)).toEqual({
      SecretId: SECRET,
      ClientRequestToken: 'v2',
      SecretString: '{"token":"new"}',
      VersionStages: ['AWSPENDING'],
      RotationToken: 'rotation-token',
    });
  });

  it('moves AWSCURRENT from the old version to the new one', async () => {
    answers.push(ok({ ARN: SECRET, Name: 'sergas/dev/redis-auth' }));
    await versions().moveCurrent(SECRET, 'v2', 'v1');
    expect(received[0]?.target).toBe('secretsmanager.UpdateSecretVersionStage');
    expect(json(received[0]!.body)).toEqual({
      SecretId: SECRET,
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: 'v2',
      RemoveFromVersionId: 'v1',
    });
  });
});
