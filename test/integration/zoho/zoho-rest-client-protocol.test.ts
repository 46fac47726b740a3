import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryCache } from '../../../shared/adapters/cache/memory-cache.ts';
import { ZohoOAuth } from '../../../shared/adapters/zoho/zoho-oauth.ts';
import { ZohoRestClient } from '../../../shared/adapters/zoho/zoho-rest-client.ts';
import { CrmRateLimitedError, CrmRequestError, RetryableUpstreamError } from '../../../shared/errors.ts';

// HTTP-level behaviour the sandbox has no reason to produce on demand (429s, 5xx, dropped connections):
// a real server on 127.0.0.1 answering from a script, so the client's fetch, retries and mapping run for real.

interface Seen {
  method: string;
  path: string;
  authorization: string | undefined;
  body: string;
}

type Answer = { status: number; body?: unknown } | 'hang-up';

interface StubZoho {
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}

const servers: StubZoho[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** Answers `/oauth/v2/token` with a fresh token each time, and API calls from `answers` in order. */
async function stubZoho(answers: Answer[], token: (n: number) => unknown = defaultToken): Promise<StubZoho> {
  const seen: Seen[] = [];
  let tokens = 0;
  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    const path = request.url ?? '';
    seen.push({ method: request.method ?? '', path, authorization: request.headers.authorization, body });
    if (path.startsWith('/oauth/v2/token')) return json(response, 200, token(++tokens));
    const answer = answers.shift() ?? { status: 500, body: { code: 'INTERNAL_ERROR', message: 'no scripted answer' } };
    if (answer === 'hang-up') return request.socket.destroy();
    if (answer.body === undefined) return response.writeHead(answer.status).end();
    json(response, answer.status, answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const stub = {
    url,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  servers.push(stub);
  return stub;
}

function defaultToken(n: number) {
  return { access_token: `1000.token-${n}`, api_domain: undefined, token_type: 'Bearer', expires_in: 3600 };
}

function json(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'content-type': 'application/json;charset=UTF-8' }).end(JSON.stringify(body));
}

function clientFor(stub: StubZoho, cache = new MemoryCache()) {
  const oauth = new ZohoOAuth(
    { accountsUrl: stub.url, clientId: 'stub-client', clientSecret: 'stub-secret', refreshToken: 'stub-refresh' },
    { cache },
  );
  const client = new ZohoRestClient({ tokens: oauth, apiDomain: stub.url, backoffMs: 1, sleep: async () => {} });
  return { client, oauth };
}

const apiCalls = (stub: StubZoho) => stub.seen.filter((s) => s.path.startsWith('/crm/'));
const account = { id: '5725767000000100022', Account_Name: 'Ivorygate Outfitters' };
const internalError = {
  status: 500,
  body: { code: 'INTERNAL_ERROR', message: 'Internal Server Error', status: 'error' },
};

describe('the Zoho REST client over HTTP', () => {
  it('turns a 429 into CrmRateLimitedError without retrying', async () => {
    const stub = await stubZoho([
      { status: 429, body: { code: 'TOO_MANY_REQUESTS', message: 'limit', status: 'error' } },
    ]);
    const { client } = clientFor(stub);
    await expect(client.getRecord('Accounts', account.id)).rejects.toBeInstanceOf(CrmRateLimitedError);
    expect(apiCalls(stub)).toHaveLength(1);
  });

  it('retries a GET after a 5xx and returns what the retry got', async () => {
    const stub = await stubZoho([internalError, { status: 200, body: { data: [account] } }]);
    const { client } = clientFor(stub);
    expect(await client.getRecord('Accounts', account.id)).toEqual(account);
    expect(client.apiCalls).toBe(2);
  });

  it('gives up on a GET after its bounded retries with RetryableUpstreamError', async () => {
    const stub = await stubZoho([internalError, internalError, internalError, internalError]);
    const { client } = clientFor(stub);
    await expect(client.getRecord('Accounts', account.id)).rejects.toBeInstanceOf(RetryableUpstreamError);
    expect(apiCalls(stub)).toHaveLength(3);
  });

  it('retries a GET whose connection dropped', async () => {
    const stub = await stubZoho(['hang-up', { status: 200, body: { data: [account] } }]);
    const { client } = clientFor(stub);
    expect(await client.getRecord('Accounts', account.id)).toEqual(account);
  });

  it('never resends a POST that failed with a 5xx', async () => {
    const stub = await stubZoho([internalError, { status: 201, body: { data: [] } }]);
    const { client } = clientFor(stub);
    await expect(client.createRecords('Tasks', [{ Subject: 'Call back' }])).rejects.toBeInstanceOf(
      RetryableUpstreamError,
    );
    expect(apiCalls(stub)).toHaveLength(1);
  });

  it('never resends a POST whose connection dropped', async () => {
    const stub = await stubZoho(['hang-up']);
    const { client } = clientFor(stub);
    await expect(client.createRecords('Tasks', [{ Subject: 'Call back' }])).rejects.toBeInstanceOf(
      RetryableUpstreamError,
    );
    expect(apiCalls(stub)).toHaveLength(1);
  });

  it('reads 204 No Content as no record', async () => {
    const stub = await stubZoho([{ status: 204 }]);
    const { client } = clientFor(stub);
    expect(await client.getRecord('Accounts', account.id)).toBeNull();
  });

  it('maps a 4xx to CrmRequestError carrying Zoho’s code, message and details', async () => {
    const body = {
      code: 'REQUIRED_PARAM_MISSING',
      details: { param_name: 'fields' },
      message: 'One of the expected parameter is missing',
      status: 'error',
    };
    const stub = await stubZoho([{ status: 400, body }]);
    const { client } = clientFor(stub);
    const error = await client.listRecords('Accounts', { fields: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CrmRequestError);
    expect((error as CrmRequestError).message).toContain('REQUIRED_PARAM_MISSING');
    expect((error as CrmRequestError).details).toEqual({
      httpStatus: 400,
      code: 'REQUIRED_PARAM_MISSING',
      message: body.message,
      details: { param_name: 'fields' },
    });
  });

  it('splits more than 100 new records into calls of 100 and answers one result per record', async () => {
    const success = (i: number) => ({
      code: 'SUCCESS',
      details: { id: `57257670000009${String(i).padStart(5, '0')}` },
      message: 'record added',
      status: 'success',
    });
    const stub = await stubZoho([
      { status: 201, body: { data: Array.from({ length: 100 }, (_, i) => success(i)) } },
      { status: 201, body: { data: Array.from({ length: 50 }, (_, i) => success(100 + i)) } },
    ]);
    const { client } = clientFor(stub);
    const tasks = Array.from({ length: 150 }, (_, i) => ({ Subject: `Follow up ${i}` }));
    const results = await client.createRecords('Tasks', tasks);
    expect(results).toHaveLength(150);
    expect(results[149]).toMatchObject({ status: 'success', id: '5725767000000900149' });
    expect(apiCalls(stub).map((s) => (JSON.parse(s.body) as { data: unknown[] }).data.length)).toEqual([100, 50]);
  });

  it('reads a 400 with per-record errors as results, not as a failed call', async () => {
    const stub = await stubZoho([
      {
        status: 400,
        body: {
          data: [
            {
              code: 'MANDATORY_NOT_FOUND',
              details: { api_name: 'Subject', json_path: '$.data[0].Subject' },
              message: 'required field not found',
              status: 'error',
            },
          ],
        },
      },
    ]);
    const { client } = clientFor(stub);
    expect(await client.createRecords('Tasks', [{ Due_Date: '2026-12-01' }])).toEqual([
      {
        status: 'error',
        code: 'MANDATORY_NOT_FOUND',
        id: null,
        message: 'required field not found',
        details: { api_name: 'Subject', json_path: '$.data[0].Subject' },
      },
    ]);
  });
});

describe('Zoho OAuth over HTTP', () => {
  it('names the OAuth error Zoho sends with HTTP 200', async () => {
    const stub = await stubZoho([], () => ({ error: 'invalid_code' }));
    const { client } = clientFor(stub);
    const error = await client.getRecord('Accounts', account.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CrmRequestError);
    expect((error as Error).message).toContain('invalid_code');
  });

  it('sends the refresh grant form-encoded with the client credentials', async () => {
    const stub = await stubZoho([{ status: 200, body: { data: [account] } }]);
    const { client } = clientFor(stub);
    await client.getRecord('Accounts', account.id);
    const [tokenRequest] = stub.seen;
    expect(Object.fromEntries(new URLSearchParams(tokenRequest?.body))).toEqual({
      grant_type: 'refresh_token',
      client_id: 'stub-client',
      client_secret: 'stub-secret',
      refresh_token: 'stub-refresh',
    });
  });

  it('asks for one token however many calls start at once', async () => {
    const stub = await stubZoho(Array.from({ length: 5 }, () => ({ status: 200, body: { data: [account] } })));
    const { client, oauth } = clientFor(stub);
    await Promise.all(Array.from({ length: 5 }, () => client.getRecord('Accounts', account.id)));
    expect(oauth.tokenRequests).toBe(1);
    expect(new Set(apiCalls(stub).map((s) => s.authorization))).toEqual(new Set(['Zoho-oauthtoken 1000.token-1']));
  });
});
