import { afterEach, describe, expect, it } from 'vitest';
import { SqlApprovalRepository } from '../../../shared/adapters/db/sql-approval-repository.ts';
import { SqlRecommendationRepository } from '../../../shared/adapters/db/sql-recommendation-repository.ts';
import { SqlRunRepository } from '../../../shared/adapters/db/sql-run-repository.ts';
import type { Db } from '../../../shared/ports/db.ts';
import { databases, type TestDatabase } from '../../support/databases.ts';

const RUN = '0b6a3c8e-2f41-4d7a-9a55-6a1f0c2b9e01';
const ACCOUNT = '4876876000000001001';
const NOW = new Date('2026-11-24T09:00:00Z');
const hoursBefore = (hours: number) => new Date(NOW.getTime() - hours * 3600_000);

/** One pending approval per entry, each requested `hours` ago (recommendation ids rec-0, rec-1, …). */
async function pendingApprovals(db: Db, ...hours: number[]): Promise<SqlApprovalRepository> {
  const repo = new SqlApprovalRepository(db);
  await new SqlRunRepository(db).create({ id: RUN, accountId: ACCOUNT, asOf: NOW, requestedBy: 'test' });
  const ids = hours.map((_, index) => `5d1e4f2a-7b3c-4e8d-9f0a-1b2c3d4e5f6${index}`);
  await new SqlRecommendationRepository(db).saveForRun(
    RUN,
    ids.map((id) => ({
      id,
      accountId: ACCOUNT,
      type: 'create_task' as const,
      priority: 'high' as const,
      confidence: 0.7,
      action: 'Call Priya',
      rationale: 'No activity in 45 days',
      evidence: [{ module: 'Calls', id: '1', field: 'Call_Start_Time', value: '2026-10-10T10:00:00+00:00' }],
      draft: null,
      requiresApproval: true,
      expiresAt: new Date(NOW.getTime() + 72 * 3600_000),
      author: 'rules' as const,
    })),
  );
  for (const [index, id] of ids.entries()) {
    await repo.create({
      id: `appr-${index}`,
      recommendationId: id,
      runId: RUN,
      taskToken: `token-${index}`,
      payload: { module: 'Tasks', record: { Subject: 'Call Priya' } },
      payloadHash: 'a'.repeat(64),
      expiresAt: new Date(NOW.getTime() + 72 * 3600_000),
    });
    await db.query('UPDATE approvals SET created_at = $2 WHERE id = $1', [`appr-${index}`, hoursBefore(hours[index]!)]);
  }
  return repo;
}

describe.each(databases())('the approval backlog on %s', (_name, makeDb) => {
  let database: TestDatabase | undefined;
  afterEach(async () => database?.drop());

  it('counts the pending approvals and finds when the oldest was requested', async () => {
    database = await makeDb();
    const repo = await pendingApprovals(database.db, 5, 30, 2);
    expect(await repo.backlog(NOW)).toEqual({ waiting: 3, oldestWaitingSince: hoursBefore(30) });
  });

  it('has nothing waiting when there are no pending approvals', async () => {
    database = await makeDb();
    expect(await new SqlApprovalRepository(database.db).backlog(NOW)).toEqual({ waiting: 0, oldestWaitingSince: null });
  });

  it('leaves out decided approvals', async () => {
    database = await makeDb();
    const repo = await pendingApprovals(database.db, 50, 3);
    await repo.claim('appr-0', { status: 'rejected', by: 'ana', channel: 'web' }, hoursBefore(1));
    expect(await repo.backlog(NOW)).toEqual({ waiting: 1, oldestWaitingSince: hoursBefore(3) });
  });

  it('leaves out an approval while a person has deferred it, then counts it as waiting since the deferral ended', async () => {
    database = await makeDb();
    const repo = await pendingApprovals(database.db, 100);
    await repo.defer('appr-0', 2, hoursBefore(10));
    const deferralEnds = new Date(hoursBefore(10).getTime() + 2 * 86_400_000);
    expect(await repo.backlog(NOW)).toEqual({ waiting: 0, oldestWaitingSince: null });
    expect(await repo.backlog(new Date(deferralEnds.getTime() + 3600_000))).toEqual({
      waiting: 1,
      oldestWaitingSince: deferralEnds,
    });
  });
});
