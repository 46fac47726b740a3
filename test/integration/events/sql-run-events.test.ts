import { EventSchemas } from '@ag-ui/core/schemas';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqlRunEvents } from '../../../shared/adapters/db/sql-run-events.ts';
import { SqlRunRepository } from '../../../shared/adapters/db/sql-run-repository.ts';
import type { Clock } from '../../../shared/ports/clock.ts';
import type { RunEvent, StoredRunEvent } from '../../../shared/ports/run-events.ts';
import {
  type EventSink,
  planApprovalRequired,
  planStep,
  streamRunEvents,
  withRunEvents,
} from '../../../shared/use-cases/run-events.ts';
import { databases, type TestDatabase } from '../../support/databases.ts';

const clock: Clock = { now: () => new Date('2026-11-24T10:00:00Z') };
const types = (events: StoredRunEvent[]) =>
  events.map((e) => `${e.event.type}${'stepName' in e.event ? `:${e.event.stepName}` : ''}`);

describe.each(databases())('run events on %s', (_name, open) => {
  let database: TestDatabase;
  let events: SqlRunEvents;

  beforeEach(async () => {
    database = await open();
    events = new SqlRunEvents(database.db);
  });
  afterEach(async () => database.drop());

  it('emits RUN_STARTED, then one STEP_FINISHED/STEP_STARTED pair per state change, then RUN_FINISHED', async () => {
    const inner = new SqlRunRepository(database.db);
    const runs = withRunEvents(inner, events, clock);
    const runId = crypto.randomUUID();
    await runs.create({ id: runId, accountId: 'acc-1', asOf: clock.now(), requestedBy: null });
    await runs.setStatus(runId, 'INITIALIZING', { executionId: 'exec-1' });
    await runs.setStatus(runId, 'DATA_RETRIEVAL');
    // A retried step sets the same status again: nothing new.
    await runs.setStatus(runId, 'DATA_RETRIEVAL');
    await runs.finish(runId, 'COMPLETED');
    // The repository refuses changes to an ended run, and so emits nothing.
    await runs.setStatus(runId, 'EXECUTING');
    await runs.finish(runId, 'FAILED', 'late');

    const stored = await events.readRun(runId, 0, 100);
    expect(types(stored)).toEqual([
      'RUN_STARTED',
      'STEP_STARTED:INITIALIZING',
      'STEP_FINISHED:INITIALIZING',
      'STEP_STARTED:DATA_RETRIEVAL',
      'STEP_FINISHED:DATA_RETRIEVAL',
      'RUN_FINISHED',
    ]);
    for (const { event } of stored) {
      expect(EventSchemas.parse(event)).toBeTruthy();
      expect(event.metadata).toEqual({ runId, threadId: 'acc-1' });
      expect(event.timestamp).toBe(clock.now().getTime());
    }
    expect(stored[0]!.event).toMatchObject({ type: 'RUN_STARTED', threadId: 'acc-1', runId });
    expect(await events.state(runId)).toEqual({ started: true, step: null, ended: true });
  });

  it('ends a failed run with RUN_ERROR carrying its recorded error', async () => {
    const runs = withRunEvents(new SqlRunRepository(database.db), events, clock);
    const runId = crypto.randomUUID();
    await runs.create({ id: runId, accountId: 'acc-2', asOf: clock.now(), requestedBy: null });
    await runs.setStatus(runId, 'INITIALIZING');
    await runs.finish(runId, 'FAILED', 'CrmRateLimitedError: slow down');
    const stored = await events.readRun(runId, 0, 100);
    expect(types(stored)).toEqual([
      'RUN_STARTED',
      'STEP_STARTED:INITIALIZING',
      'STEP_FINISHED:INITIALIZING',
      'RUN_ERROR',
    ]);
    expect(stored.at(-1)!.event).toMatchObject({ message: 'CrmRateLimitedError: slow down' });
  });

  it('announces an approval once, however often its request is replayed', async () => {
    const run = { runId: 'run-3', threadId: 'acc-3' };
    const approval = { id: 'appr-1', recommendationId: 'rec-1' };
    for (let i = 0; i < 3; i++) {
      await events.append(run, (state) => planApprovalRequired(state, run, approval, '/approvals/appr-1', clock.now()));
    }
    const stored = await events.readRun('run-3', 0, 100);
    expect(types(stored)).toEqual(['RUN_STARTED', 'STEP_STARTED:AWAITING_APPROVAL', 'CUSTOM']);
    expect(stored[2]!.event).toMatchObject({
      name: 'approval_required',
      value: { approvalId: 'appr-1', url: '/approvals/appr-1', recommendationId: 'rec-1' },
    });
  });

  it('refuses an event the AG-UI schemas reject, and appends nothing of its batch', async () => {
    const run = { runId: 'run-4', threadId: 'acc-4' };
    await expect(
      events.append(run, () => [
        { event: { type: 'RUN_STARTED', threadId: 'acc-4', runId: 'run-4' } },
        { event: { type: 'STEP_STARTED' } as unknown as RunEvent },
      ]),
    ).rejects.toThrow(/stepName/);
    expect(await events.readRun('run-4', 0, 10)).toEqual([]);
    expect(await events.state('run-4')).toBeNull();
  });

  it('keeps seq in commit order under concurrent appends, so a polling reader misses nothing', async () => {
    const writers = 8;
    const perWriter = 12;
    const seen: number[] = [];
    let done = false;
    const reader = (async () => {
      let after = 0;
      while (!done || (await events.lastSeq()) > after) {
        for (const stored of await events.readAll(after, 50)) {
          seen.push(stored.seq);
          after = stored.seq;
        }
      }
    })();
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const run = { runId: `run-w${w}`, threadId: `acc-w${w}` };
        for (let i = 0; i < perWriter; i++) {
          await events.append(run, (state) =>
            planStep(state, run, i % 2 === 0 ? 'DATA_RETRIEVAL' : 'MEMORY_ANALYSIS', clock.now()),
          );
        }
      }),
    );
    done = true;
    await reader;
    const all = (await events.readAll(0, 10_000)).map((e) => e.seq);
    // Per writer: RUN_STARTED + STEP_STARTED, then a FINISHED/STARTED pair for each of the other 11 changes.
    expect(all).toHaveLength(writers * (2 + (perWriter - 1) * 2));
    expect(seen).toEqual(all);
  });

  it('writes SSE with ids, wakes on an append in this process, heartbeats when quiet', async () => {
    const run = { runId: 'run-5', threadId: 'acc-5' };
    await events.append(run, (state) => planStep(state, run, 'INITIALIZING', clock.now()));
    const controller = new AbortController();
    const chunks: string[] = [];
    const sink: EventSink = {
      signal: controller.signal,
      write: async (chunk) => {
        chunks.push(chunk);
        if (chunks.filter((c) => c.startsWith(': heartbeat')).length >= 1 && chunks.join('').includes('DATA_RETRIEVAL'))
          controller.abort();
      },
    };
    const streaming = streamRunEvents({ events }, { runId: 'run-5', after: null, heartbeatMs: 50 }, sink);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await events.append(run, (state) => planStep(state, run, 'DATA_RETRIEVAL', clock.now()));
    const result = await streaming;
    const text = chunks.join('');
    expect(text.startsWith('retry: 2000\n\n')).toBe(true);
    expect(text).toMatch(/^id: \d+\nevent: RUN_STARTED\ndata: \{"type":"RUN_STARTED",/m);
    expect(text).toMatch(/^event: STEP_STARTED\ndata: \{"type":"STEP_STARTED",.*"stepName":"DATA_RETRIEVAL"/m);
    expect(text).toContain(': heartbeat\n\n');
    expect(result.ended).toBe(false);
  });
});
