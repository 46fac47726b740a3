import { afterEach, describe, expect, it } from 'vitest';
import { SqlApprovalRepository } from '../../../shared/adapters/db/sql-approval-repository.ts';
import { SqlRecommendationRepository } from '../../../shared/adapters/db/sql-recommendation-repository.ts';
import { SqlRunRepository } from '../../../shared/adapters/db/sql-run-repository.ts';
import type { Db } from '../../../shared/ports/db.ts';
import { databases, type TestDatabase } from '../../support/databases.ts';

const RUN = '0b6a3c8e-2f41-4d7a-9a55-6a1f0c2b9e01';
const REC = '5d1e4f2a-7b3c-4e8d-9f0a-1b2c3d4e5f60';
const NOW = new Date('2026-11-24T09:00:00Z');

async function pendingApproval(db: Db, repo: SqlApprovalRepository, expiresAt = new Date('2026-11-25T09:00:00Z')) {
  await new SqlRunRepository(db).create({ id: RUN, accountId: '4876876000000001001', asOf: NOW, requestedBy: 'test' });
  await new SqlRecommendationRepository(db).saveForRun(RUN, [
    {
      id: REC,
      accountId: '4876876000000001001',
      type: 'create_task',
      priority: 'high',
      confidence: 0.7,
      action: 'Call Priya',
      rationale: 'No activity in 45 days',
      evidence: [{ module: 'Calls', id: '1', field: 'Call_Start_Time', value: '2026-10-10T10:00:00+00:00' }],
      draft: null,
      requiresApproval: true,
      expiresAt,
      author: 'rules',
    },
  ]);
  return repo.create({
    id: 'appr-1',
    recommendationId: REC,
    runId: RUN,
    taskToken: 'token-1',
    payload: { module: 'Tasks', record: { Subject: 'Call Priya' } },
    payloadHash: 'a'.repeat(64),
    expiresAt,
  });
}

describe.each(databases())('approvals on %s', (_name, makeDb) => {
  let database: TestDatabase | undefined;
  afterEach(async () => database?.drop());

  it('lets exactly one of ten concurrent claims win', async () => {
    database = await makeDb();
    const repo = new SqlApprovalRepository(database.db);
    await pendingApproval(database.db, repo);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        repo.claim('appr-1', { status: 'approved', by: `person-${i}`, channel: 'web' }, NOW),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const losers = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(losers.map((r) => (r.reason as { code: string }).code)).toEqual(Array(9).fill('APPROVAL_ALREADY_DECIDED'));
  });

  it('refuses a claim after the approval expired', async () => {
    database = await makeDb();
    const repo = new SqlApprovalRepository(database.db);
    await pendingApproval(database.db, repo, new Date('2026-11-24T08:00:00Z'));
    await expect(repo.claim('appr-1', { status: 'approved', by: 'maria', channel: 'web' }, NOW)).rejects.toMatchObject({
      code: 'APPROVAL_EXPIRED',
      status: 410,
    });
  });

  it('keeps the approval id but takes the new task token when the wait is retried', async () => {
    database = await makeDb();
    const repo = new SqlApprovalRepository(database.db);
    await pendingApproval(database.db, repo);
    const again = await repo.create({
      id: 'appr-2',
      recommendationId: REC,
      runId: RUN,
      taskToken: 'token-2',
      payload: { module: 'Tasks', record: { Subject: 'Call Priya' } },
      payloadHash: 'a'.repeat(64),
      expiresAt: new Date('2026-11-25T09:00:00Z'),
    });
    expect(again.id).toBe('appr-1');
    const { taskToken } = await repo.claim('appr-1', { status: 'approved', by: 'maria', channel: 'web' }, NOW);
    expect(taskToken).toBe('token-2');
  });

  it('answers an unknown approval with NotFound', async () => {
    database = await makeDb();
    const repo = new SqlApprovalRepository(database.db);
    await expect(repo.claim('nope', { status: 'approved', by: 'maria', channel: 'web' }, NOW)).rejects.toMatchObject({
      status: 404,
    });
  });
});
