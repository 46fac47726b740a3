import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../../infra/function-catalog.ts';
import { startLocalApiServer } from '../../../local/local-api-server.ts';
import { type LocalContainer, openLocalContainer } from '../../../local/local-stack.ts';
import { openApiDocument, ROUTES } from '../../../shared/api/openapi.ts';
import { tempHome } from '../../support/local-home.ts';

// biome-ignore lint/suspicious/noExplicitAny: the document is plain JSON; the assertions check it.
type Json = Record<string, any>;

describe('the OpenAPI document', () => {
  const document = openApiDocument() as Json;

  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('documents every route of the function catalog, with its auth, and no route the catalog lacks', () => {
    const catalog = FUNCTIONS.flatMap((fn) =>
      fn.route ? [`${fn.route.method} ${fn.route.path} ${fn.route.auth}`] : [],
    );
    const documented = ROUTES.map((route) => `${route.method} ${route.path} ${route.auth}`);
    expect([...documented].sort()).toEqual([...catalog].sort());
    for (const route of ROUTES) {
      const operation = document.paths[route.path]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      expect(operation['x-sergas-auth']).toBe(route.auth);
    }
  });

  it('gives each path parameter, each query parameter and the error shape', () => {
    for (const [path, operations] of Object.entries(document.paths as Json)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      for (const operation of Object.values(operations as Json) as Json[]) {
        const inPath = operation.parameters.filter((p: Json) => p.in === 'path').map((p: Json) => p.name);
        expect(inPath.sort(), path).toEqual(names.sort());
        expect(operation.responses['500'].content['application/json'].schema).toEqual({
          $ref: '#/components/schemas/Error',
        });
      }
    }
    const accounts = document.paths['/api/v1/accounts'].get;
    const query = Object.fromEntries(accounts.parameters.map((p: Json) => [p.name, p]));
    expect(Object.keys(query).sort()).toEqual(['cursor', 'health', 'limit', 'owner', 'risk']);
    expect(query.limit.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 100, default: 50 });
    expect(query.risk.schema.enum).toEqual(['none', 'low', 'medium', 'high', 'critical']);
    expect(accounts.responses['401'].content['application/json'].schema.$ref).toBe('#/components/schemas/Error');
    expect(accounts.responses['429'].headers['Retry-After']).toBeDefined();
    expect(accounts.security).toEqual([{ bearer: [] }, { session: [] }]);
    expect(document.components.schemas.Error.properties.error.required).toEqual(['code', 'message', 'details']);
    expect(document.paths['/api/v1/health'].get.security).toEqual([]);
  });

  describe('served by the API', () => {
    let deps: LocalContainer;
    let api: { url: string; close(): Promise<void> };
    let remove: () => Promise<void>;

    beforeAll(async () => {
      const home = await tempHome();
      remove = home.remove;
      deps = await openLocalContainer(home.config());
      api = await startLocalApiServer({ port: 0 });
    });
    afterAll(async () => {
      await api?.close();
      await deps?.close();
      await remove?.();
    });

    it('at /api/v1/openapi.json, without a token', async () => {
      const response = await fetch(`${api.url}/api/v1/openapi.json`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/application\/json/);
      const served = (await response.json()) as Json;
      expect(served.openapi).toBe('3.1.0');
      expect(Object.keys(served.paths).sort()).toEqual(Object.keys(document.paths).sort());
    });
  });
});
