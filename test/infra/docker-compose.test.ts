import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigSchema, loadConfig } from '../../shared/config/config.ts';

interface Service {
  image?: string;
  environment?: Record<string, string>;
  ports?: string[];
  healthcheck?: { test: string[] | string };
  depends_on?: Record<string, { condition: string }>;
}

const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8')) as {
  services: Record<string, Service>;
};
const services = compose.services;
const app = services.sergas!;
// Read by the AWS SDK itself, not by our config schema.
const AWS_SDK_VARIABLES = new Set(['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);

describe('the docker-compose profile', () => {
  it('runs the four backing services the AWS stack has, and Sergas', () => {
    expect(Object.keys(services).sort()).toEqual(['localstack', 'postgres', 'qdrant', 'redis', 'sergas']);
  });

  it('pins every image to a version and health-checks every backing service', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.image, name).toMatch(/^[\w./-]+:[\w.-]+$/);
      expect(service.image, name).not.toMatch(/:latest$/);
      if (name !== 'sergas') expect(service.healthcheck, name).toBeDefined();
    }
  });

  it('uses pgvector’s Postgres image, since the vector store needs the extension', () => {
    expect(services.postgres?.image).toMatch(/^pgvector\/pgvector:/);
  });

  it('publishes no host port twice', () => {
    const hostPorts = Object.values(services).flatMap((s) => (s.ports ?? []).map((p) => p.split(':')[0]));
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
  });

  it('gives Sergas only variables the config schema knows (or the AWS SDK reads)', () => {
    const known = new Set(Object.keys(ConfigSchema.shape));
    const unknown = Object.keys(app.environment ?? {}).filter((key) => !known.has(key) && !AWS_SDK_VARIABLES.has(key));
    expect(unknown).toEqual([]);
  });

  it('gives Sergas an environment the config accepts, pointing each port at the real service', () => {
    const config = loadConfig(app.environment);
    expect(config.database).toMatchObject({ kind: 'postgres' });
    expect(config.cache).toMatchObject({ kind: 'redis' });
    expect(config.vectors).toMatchObject({ kind: 'qdrant' });
  });

  it('points each URL at a service of this file, on the port that service listens on', () => {
    const env = app.environment ?? {};
    const containerPort = (name: string) => services[name]?.ports?.[0]?.split(':')[1];
    for (const [variable, service] of [
      ['DATABASE_URL', 'postgres'],
      ['REDIS_URL', 'redis'],
      ['QDRANT_URL', 'qdrant'],
      ['AWS_ENDPOINT_URL', 'localstack'],
    ] as const) {
      const url = new URL(env[variable] ?? '');
      expect(url.hostname, variable).toBe(service);
      expect(url.port, variable).toBe(containerPort(service));
    }
  });

  it('starts Sergas only once its data stores are healthy', () => {
    expect(app.depends_on).toMatchObject({
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
      qdrant: { condition: 'service_healthy' },
    });
  });

  it('refuses to start LocalStack without the auth token its image requires', () => {
    expect(services.localstack?.environment?.LOCALSTACK_AUTH_TOKEN).toMatch(/^\$\{LOCALSTACK_AUTH_TOKEN:\?/);
  });
});
