import { EventSchemas } from '@ag-ui/core/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalApiServer } from '../../../local/local-api-server.ts';
import { type LocalContainer, openLocalContainer } from '../../../local/local-stack.ts';
import { loadSandboxFile } from '../../../local/zoho-sandbox/sandbox-org.ts';
import type { Role } from '../../../shared/auth/principal.ts';
import { LocalTokens, localJwtSecret } from '../../../shared/auth/tokens.ts';
import type { Run } from '../../../shared/ports/runs.ts';
import { analyzeAccount } from '../../../shared/use-cases/analyze-accounts.ts';
import { decideApproval } from '../../../shared/use-cases/decide-approval.ts';
import { approvalUrl } from '../../../shared/use-cases/notify-approval.ts';
import { syncFull } from '../../../shared/use-cases/sync-full.ts';
import { FIXTURE_AS_OF, tempHome } from '../../support/local-home.ts';

const fixture = new URL('../../fixtures/sandbox/small-org.json', import.meta.url).pathname;
/** Tom's account. */
const ACME = '4876876000000001001';
/** Nina's account. */
const FALCON = '4876876000000001006';
const TOM = '4876876000000000102';

interface SseEvent {
  id: number;
  event: string;
  data: Record<string, unknown>;
}

interface SseRead {
  status: number;
  events: SseEvent[];
  comments: string[];
  /** The server ended the stream (rather than us disconnecting). */
  endedByServer: boolean;
}

/**
 * A minimal EventSource over real HTTP: fetch, read the body stream, split frames. Stops (disconnects)
 * once `stopAfter` events arrived or `until` matches one; `onReady` runs once the server has written its
 * first frame (the `retry:` line), i.e. once the stream is positioned.
 */
async function readSse(
  url: string,
  options: {
    /** The caller's bearer token. */
    token: string;
    lastEventId?: number;
    stopAfter?: number;
    until?: (event: SseEvent) => boolean;
    onReady?: () => void;
  },
): Promise<SseRead> {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: {
      accept: 'text/event-stream',
      authorization: `Bearer ${options.token}`,
      ...(options.lastEventId !== undefined ? { 'last-event-id': String(options.lastEventId) } : {}),
    },
    signal: controller.signal,
  });
  const read: SseRead = { status: response.status, events: [], comments: [], endedByServer: false };
  if (response.status !== 200 || !response.body) {
    options.onReady?.();
    return read;
  }
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let ready = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        read.endedByServer = true;
        return read;
      }
      buffer += value;
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
        const fields = new Map<string, string>();
        for (const line of frame.split('\n')) {
          if (line.startsWith(':')) read.comments.push(line.slice(1).trim());
          else {
            const colon = line.indexOf(':');
            fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
          }
        }
        if (!ready) {
          ready = true;
          options.onReady?.();
        }
        if (!fields.has('data')) continue;
        const event = {
          id: Number(fields.get('id')),
          event: fields.get('event')!,
          data: JSON.parse(fields.get('data')!),
        };
        read.events.push(event);
        if (read.events.length === options.stopAfter || options.until?.(event)) return read;
      }
    }
  } finally {
    controller.abort();
  }
}

const label = (e: SseEvent) => (typeof e.data.stepName === 'string' ? `${e.event}:${e.data.stepName}` : e.event);
const runOf = (e: SseEvent) => (e.data.metadata as { runId: string }).runId;

/** Decides every approval of a run: the first approved, the others rejected. */
async function decideAll(deps: LocalContainer, run: Run): Promise<number> {
  const recommendations = await deps.recommendations.listByRun(run.id);
  const approvals = (await Promise.all(recommendations.map((r) => deps.approvals.getByRecommendation(r.id)))).filter(
    (a) => a !== null,
  );
  for (const [i, approval] of approvals.entries()) {
    await decideApproval(deps, {
      approvalId: approval.id,
      decision: i === 0 ? 'approve' : 'reject',
      by: 'maria@example.com',
      channel: 'web',
      ...(i === 0 ? {} : { reason: 'not now' }),
    });
  }
  return approvals.length;
}

/**
 * The AG-UI event stream end to end: two runs analysed through the local stack (local Step Functions
 * runner, embedded database, sandbox), read over real HTTP from the local API server as SSE.
 */
describe('the AG-UI event stream', () => {
  let deps: LocalContainer;
  let api: Awaited<ReturnType<typeof startLocalApiServer>>;
  let cleanup: () => Promise<void>;
  let acme: Run;
  let falcon: Run;
  let firehose: Promise<SseRead>;
  let falconLive: Promise<SseRead>;
  let acmeHead: SseRead;
  let approvalsOf: Record<string, number>;
  let token: (role: Role, zohoUserId?: string | null) => Promise<string>;
  let admin: string;

  beforeAll(async () => {
    const home = await tempHome();
    const config = home.config();
    deps = await openLocalContainer(config);
    api = await startLocalApiServer({ port: 0 });
    if (config.auth.kind !== 'local') throw new Error('the test issues local tokens');
    const auth = config.auth;
    const tokens = new LocalTokens(() => localJwtSecret(auth));
    token = async (role, zohoUserId = null) =>
      (await tokens.issue({ userId: `events-${role}`, email: null, name: role, role, zohoUserId })).token;
    admin = await token('admin');
    cleanup = async () => {
      await api.close();
      await deps.close();
      await home.remove();
    };
    await deps.sandbox.store!.replace(await loadSandboxFile(fixture));
    await syncFull(deps);

    // The firehose from now on: it sees both runs and stops when both have finished.
    const finished = new Set<string>();
    let positioned!: () => void;
    const ready = new Promise<void>((resolve) => {
      positioned = resolve;
    });
    firehose = readSse(`${api.url}/api/v1/events`, {
      token: admin,
      onReady: positioned,
      until: (e) => {
        if (e.event === 'RUN_FINISHED' || e.event === 'RUN_ERROR') finished.add(runOf(e));
        return finished.size === 2;
      },
    });
    await ready;
    expect(await Promise.race([firehose.then((r) => r.status), Promise.resolve('open')])).toBe('open');

    // Both runs at once: each parks at AwaitingApproval.
    [acme, falcon] = await Promise.all([
      analyzeAccount(deps, { accountId: ACME, asOf: FIXTURE_AS_OF, requestedBy: 'test' }),
      analyzeAccount(deps, { accountId: FALCON, asOf: FIXTURE_AS_OF, requestedBy: 'test' }),
    ]);
    expect([acme.status, falcon.status]).toEqual(['AWAITING_APPROVAL', 'AWAITING_APPROVAL']);

    // Acme: read the first three events, then disconnect.
    acmeHead = await readSse(`${api.url}/api/v1/runs/${acme.id}/events`, { token: admin, stopAfter: 3 });
    // Falcon: a client that stays connected while people decide.
    let falconReady!: () => void;
    const falconPositioned = new Promise<void>((resolve) => {
      falconReady = resolve;
    });
    falconLive = readSse(`${api.url}/api/v1/runs/${falcon.id}/events`, { token: admin, onReady: falconReady });
    await falconPositioned;

    approvalsOf = { [acme.id]: await decideAll(deps, acme), [falcon.id]: await decideAll(deps, falcon) };
    await deps.engine!.idle();
  }, 300_000);
  afterAll(async () => cleanup?.());

  it('runs the two analyses to completion', async () => {
    expect((await deps.runs.get(acme.id))?.status).toBe('COMPLETED');
    expect((await deps.runs.get(falcon.id))?.status).toBe('COMPLETED');
    expect(approvalsOf[acme.id]).toBeGreaterThan(0);
    expect(approvalsOf[falcon.id]).toBeGreaterThan(0);
  });

  it("streams a run's AG-UI events live: RUN_STARTED, each state as a step, approval_required, RUN_FINISHED", async () => {
    const live = await falconLive;
    expect(live.status).toBe(200);
    // The server ends a run's stream after its RUN_FINISHED.
    expect(live.endedByServer).toBe(true);
    for (const event of live.events) {
      expect(EventSchemas.parse(event.data)).toMatchObject({ type: event.event });
      expect(event.data.metadata).toEqual({ runId: falcon.id, threadId: FALCON });
    }
    const labels = live.events.map(label);
    const approvals = approvalsOf[falcon.id]!;
    expect(labels).toEqual([
      'RUN_STARTED',
      'STEP_STARTED:INITIALIZING',
      'STEP_FINISHED:INITIALIZING',
      'STEP_STARTED:DATA_RETRIEVAL',
      'STEP_FINISHED:DATA_RETRIEVAL',
      'STEP_STARTED:MEMORY_ANALYSIS',
      'STEP_FINISHED:MEMORY_ANALYSIS',
      'STEP_STARTED:RECOMMENDATION',
      'STEP_FINISHED:RECOMMENDATION',
      'STEP_STARTED:COMPLIANCE_CHECK',
      'STEP_FINISHED:COMPLIANCE_CHECK',
      'STEP_STARTED:AWAITING_APPROVAL',
      ...Array.from({ length: approvals }, () => 'CUSTOM'),
      'STEP_FINISHED:AWAITING_APPROVAL',
      'STEP_STARTED:EXECUTING',
      'STEP_FINISHED:EXECUTING',
      'STEP_STARTED:MEMORY_SYNC',
      'STEP_FINISHED:MEMORY_SYNC',
      'RUN_FINISHED',
    ]);
    expect(live.events[0]!.data).toMatchObject({ type: 'RUN_STARTED', threadId: FALCON, runId: falcon.id });
    expect(live.events.at(-1)!.data).toMatchObject({ type: 'RUN_FINISHED', threadId: FALCON, runId: falcon.id });

    // One approval_required per approval, each with its link.
    const announced = live.events.filter((e) => e.event === 'CUSTOM').map((e) => e.data);
    const recommendations = await deps.recommendations.listByRun(falcon.id);
    const expected = await Promise.all(recommendations.map((r) => deps.approvals.getByRecommendation(r.id)));
    expect(announced.map((c) => c.value).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual(
      expected
        .filter((a) => a !== null)
        .map((a) => ({ approvalId: a.id, url: approvalUrl(deps.config, a.id), recommendationId: a.recommendationId }))
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    );
    for (const custom of announced) expect(custom.name).toBe('approval_required');
  });

  it('resumes after a disconnect from Last-Event-ID with exactly the events missed', async () => {
    expect(acmeHead.status).toBe(200);
    expect(acmeHead.events.map(label)).toEqual([
      'RUN_STARTED',
      'STEP_STARTED:INITIALIZING',
      'STEP_FINISHED:INITIALIZING',
    ]);
    const rest = await readSse(`${api.url}/api/v1/runs/${acme.id}/events`, {
      token: admin,
      lastEventId: acmeHead.events.at(-1)!.id,
    });
    expect(rest.endedByServer).toBe(true);
    const resumed = [...acmeHead.events, ...rest.events];
    const full = await readSse(`${api.url}/api/v1/runs/${acme.id}/events`, { token: admin });

    // None missed, none twice: the two halves are the whole stream, ids strictly increasing.
    expect(resumed).toEqual(full.events);
    const ids = resumed.map((e) => e.id);
    expect(ids).toEqual([...new Set(ids)].sort((a, b) => a - b));
    expect(resumed.map(label).at(-1)).toBe('RUN_FINISHED');
    expect(resumed.filter((e) => e.event === 'CUSTOM')).toHaveLength(approvalsOf[acme.id]!);
    expect(ids).toEqual((await deps.events.readRun(acme.id, 0, 1000)).map((e) => e.seq));
    for (const event of resumed) EventSchemas.parse(event.data);

    // `?after=` resumes the same way (for clients that cannot set headers).
    const viaQuery = await readSse(`${api.url}/api/v1/runs/${acme.id}/events?after=${acmeHead.events.at(-1)!.id}`, {
      token: admin,
    });
    expect(viaQuery.events).toEqual(rest.events);

    // Resuming after the last event: 204, which tells EventSource to stop reconnecting.
    const after = await readSse(`${api.url}/api/v1/runs/${acme.id}/events`, { token: admin, lastEventId: ids.at(-1)! });
    expect(after.status).toBe(204);
  });

  it('shows both runs, interleaved, on the firehose', async () => {
    const all = await firehose;
    expect(all.status).toBe(200);
    const ids = all.events.map((e) => e.id);
    expect(ids).toEqual([...new Set(ids)].sort((a, b) => a - b));
    for (const event of all.events) EventSchemas.parse(event.data);

    const acmeEvents = all.events.filter((e) => runOf(e) === acme.id);
    const falconEvents = all.events.filter((e) => runOf(e) === falcon.id);
    expect(acmeEvents.length + falconEvents.length).toBe(all.events.length);
    // Each run's share of the firehose is exactly its own stream.
    expect(acmeEvents.map((e) => e.id)).toEqual((await deps.events.readRun(acme.id, 0, 1000)).map((e) => e.seq));
    expect(falconEvents.map((e) => e.id)).toEqual((await deps.events.readRun(falcon.id, 0, 1000)).map((e) => e.seq));
    // Interleaved: each run started before the other finished.
    const seqOf = (events: SseEvent[], type: string) => events.find((e) => e.event === type)!.id;
    expect(seqOf(falconEvents, 'RUN_STARTED')).toBeLessThan(seqOf(acmeEvents, 'RUN_FINISHED'));
    expect(seqOf(acmeEvents, 'RUN_STARTED')).toBeLessThan(seqOf(falconEvents, 'RUN_FINISHED'));
  });

  it("shows a rep only their own accounts: another's run is a 404 and the firehose skips it", async () => {
    const tom = await token('rep', TOM);
    const own = await readSse(`${api.url}/api/v1/runs/${acme.id}/events`, { token: tom });
    expect(own.status).toBe(200);
    expect(own.events.map((e) => e.id)).toEqual((await deps.events.readRun(acme.id, 0, 1000)).map((e) => e.seq));
    const foreign = await readSse(`${api.url}/api/v1/runs/${falcon.id}/events`, { token: tom });
    expect(foreign.status).toBe(404);

    // From the beginning of the log until Acme's run has finished: nothing of Falcon's.
    const firehoseOfTom = await readSse(`${api.url}/api/v1/events?after=0`, {
      token: tom,
      until: (e) => e.event === 'RUN_FINISHED' && runOf(e) === acme.id,
    });
    expect(firehoseOfTom.events.map((e) => e.id)).toEqual(own.events.map((e) => e.id));
  });

  it('answers 401 without a token', async () => {
    const anonymous = await fetch(`${api.url}/api/v1/events`);
    expect(anonymous.status).toBe(401);
    const run = await fetch(`${api.url}/api/v1/runs/${acme.id}/events`, { headers: { authorization: 'Bearer nope' } });
    expect(run.status).toBe(401);
  });

  it('serves the stored events as one buffered response where Lambda has no response streaming', async () => {
    const { handler } = await import('../../../functions/streams/run-events.ts');
    const buffered = handler as (event: unknown) => Promise<{ statusCode: number; headers: object; body: string }>;
    const result = await buffered({
      resource: '/api/v1/runs/{id}/events',
      path: `/api/v1/runs/${acme.id}/events`,
      httpMethod: 'GET',
      headers: {},
      queryStringParameters: null,
      pathParameters: { id: acme.id },
      requestContext: { authorizer: { claims: { sub: 'events-admin', 'cognito:groups': 'admin' } } },
    });
    expect(result.statusCode).toBe(200);
    expect(result.headers).toMatchObject({ 'content-type': 'text/event-stream; charset=utf-8' });
    const ids = [...result.body.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids).toEqual((await deps.events.readRun(acme.id, 0, 1000)).map((e) => e.seq));
  });

  it('answers 404 for an unknown run and 400 for a Last-Event-ID that is not an event id', async () => {
    const headers = { authorization: `Bearer ${admin}` };
    const missing = await fetch(`${api.url}/api/v1/runs/${crypto.randomUUID()}/events`, { headers });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    const bad = await fetch(`${api.url}/api/v1/events`, { headers: { ...headers, 'last-event-id': 'yesterday' } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', message: /Last-Event-ID/ } });
  });
});
