import { afterEach, describe, expect, it } from 'vitest';
import { SqlApprovalRepository } from '../../../shared/adapters/db/sql-approval-repository.ts';
import { SqlAuditLog } from '../../../shared/adapters/db/sql-audit-log.ts';
import { SqlBaselineRepository } from '../../../shared/adapters/db/sql-baseline-repository.ts';
import { SqlCrmCopy } from '../../../shared/adapters/db/sql-crm-copy.ts';
import { SqlRecommendationRepository } from '../../../shared/adapters/db/sql-recommendation-repository.ts';
import { SqlRunRepository } from '../../../shared/adapters/db/sql-run-repository.ts';
import { OutboxNotifier } from '../../../shared/adapters/notifications/outbox-notifier.ts';
import { SqlNotificationLedger } from '../../../shared/adapters/notifications/sql-notification-ledger.ts';
import type { Account, Owner } from '../../../shared/domain/crm.ts';
import { RetryableUpstreamError } from '../../../shared/errors.ts';
import type { Db } from '../../../shared/ports/db.ts';
import type { Notifier } from '../../../shared/ports/notifier.ts';
import { requestApproval } from '../../../shared/use-cases/request-approval.ts';
import { sendApprovalReminders } from '../../../shared/use-cases/send-approval-reminders.ts';
import { sendOwnerBriefs } from '../../../shared/use-cases/send-owner-briefs.ts';
import { databases, type TestDatabase } from '../../support/databases.ts';

const HOUR = 3600_000;
const MARIA: Owner = {
  id: 'owner-maria',
  name: 'Maria Lopez',
  email: 'maria@example.com',
  role: 'Sales Rep',
  managerId: 'owner-ana',
  timeZone: 'Europe/Madrid',
};
const KENJI: Owner = {
  ...MARIA,
  id: 'owner-kenji',
  name: 'Kenji Sato',
  email: 'kenji@example.com',
  timeZone: 'Asia/Tokyo',
};
const ROSA: Owner = { ...MARIA, id: 'owner-rosa', name: 'Rosa Diaz', email: '', timeZone: 'America/Los_Angeles' };

const account = (id: string, name: string, owner: Owner): Account => ({
  id,
  name,
  ownerId: owner.id,
  ownerName: owner.name,
  status: 'Active',
  accountType: 'Customer',
  industry: 'Manufacturing',
  annualRevenue: 1_000_000,
  employees: 120,
  renewalDate: null,
  createdAt: new Date('2025-01-01T00:00:00Z'),
  modifiedAt: new Date('2026-11-01T00:00:00Z'),
});
const ACME = account('acc-acme', 'Acme Industrial', MARIA);
const QUIET = account('acc-quiet', 'Quiet Holdings', KENJI);
const NORTH = account('acc-north', 'Northwind', ROSA);

let seq = 0;
const uuid = () => `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;

async function world(db: Db, options: { now: Date; notifier?: Notifier }) {
  const copy = new SqlCrmCopy(db);
  await copy.upsertOwners(
    [MARIA, KENJI, ROSA].map((value) => ({ value, raw: { id: value.id } })),
    options.now,
  );
  await copy.upsertAccounts(
    [ACME, QUIET, NORTH].map((value) => ({ value, raw: { id: value.id } })),
    options.now,
  );
  const outbox = new OutboxNotifier(db);
  let now = options.now;
  const deps = {
    clock: { now: () => now },
    copy,
    baselines: new SqlBaselineRepository(db),
    runs: new SqlRunRepository(db),
    recommendations: new SqlRecommendationRepository(db),
    approvals: new SqlApprovalRepository(db),
    audit: new SqlAuditLog(db),
    notifier: options.notifier ?? outbox,
    notificationLedger: new SqlNotificationLedger(db),
    config: { publicUrl: 'https://sergas.example.com/', port: 4280 },
  };
  /** An analysis of the account that awaits approval of one recommendation. */
  const awaitingApproval = async (acc: Account, action: string) => {
    const runId = uuid();
    const recommendationId = uuid();
    await deps.runs.create({ id: runId, accountId: acc.id, asOf: now, requestedBy: 'test' });
    await deps.runs.saveAnalysis(runId, { riskLevel: 'high', priorityScore: 80 });
    await deps.recommendations.saveForRun(runId, [
      {
        id: recommendationId,
        accountId: acc.id,
        type: 're_engagement',
        priority: 'high',
        confidence: 0.7,
        action,
        rationale: 'No activity in 45 days',
        evidence: [{ module: 'Accounts', id: acc.id, field: 'Last_Activity_Time', value: '2026-10-01' }],
        draft: null,
        requiresApproval: true,
        expiresAt: new Date(now.getTime() + 72 * HOUR),
        author: 'rules',
      },
    ]);
    return {
      runId,
      recommendationId,
      ...(await requestApproval(deps, { runId, recommendationId, taskToken: uuid() })),
    };
  };
  return {
    deps,
    outbox,
    awaitingApproval,
    setNow: (at: Date) => {
      now = at;
    },
  };
}

const failingNotifier: Notifier = {
  send: async () => {
    throw new RetryableUpstreamError('every channel is down');
  },
};

describe.each(databases())('approval messages on %s', (_name, makeDb) => {
  let database: TestDatabase | undefined;
  afterEach(async () => database?.drop());

  // Approvals are stamped with the database's clock, so these tests run "now" and look a day ahead.
  it('sends the owner the link, the action and the expiry when an approval is requested — once', async () => {
    database = await makeDb();
    const now = new Date();
    const w = await world(database.db, { now });
    const { approvalId, runId, recommendationId } = await w.awaitingApproval(
      ACME,
      'Call the buyer at Acme (buyer@acme.example, +34 600 123 456) about the renewal',
    );

    const [sent, ...others] = await w.outbox.list();
    expect(others).toEqual([]);
    expect(sent).toMatchObject({
      kind: 'approval_requested',
      to: { userId: MARIA.id, name: 'Maria Lopez', email: 'maria@example.com' },
      approvalId,
      runId,
      accountId: ACME.id,
      links: [{ label: 'Review the recommendation', url: `https://sergas.example.com/approvals/${approvalId}` }],
    });
    expect(sent?.subject).toMatch(/^Approval needed: Acme Industrial — Call the buyer/);
    expect(sent?.text).toContain('Call the buyer at Acme');
    // Contact details in the action's text stay out of e-mail and Slack.
    expect(sent?.text).not.toMatch(/buyer@acme|600 123 456/);
    expect(sent?.text).toMatch(/\[EMAIL\].*\[PHONE\]/);
    const expiry = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Madrid',
      dateStyle: 'medium',
      timeStyle: 'short',
    }).format(new Date(now.getTime() + 72 * HOUR));
    expect(sent?.text).toContain(`before ${expiry} Europe/Madrid`);
    const audit = await w.deps.audit.list({ runId });
    expect(audit.find((e) => e.action === 'notification.sent')).toMatchObject({
      resourceType: 'approval',
      resourceId: approvalId,
      details: { kind: 'approval_requested', channels: ['outbox'] },
    });

    // A retried AwaitingApproval keeps the approval (and its link) and sends nothing new.
    await requestApproval(w.deps, { runId, recommendationId, taskToken: 'retried-token' });
    expect(await w.outbox.list()).toHaveLength(1);
  });

  it('keeps the approval when no channel takes the message, and audits why', async () => {
    database = await makeDb();
    const w = await world(database.db, { now: new Date(), notifier: failingNotifier });
    const { approvalId, runId } = await w.awaitingApproval(ACME, 'Call the buyer');
    expect((await w.deps.approvals.get(approvalId))?.status).toBe('pending');
    const audit = await w.deps.audit.list({ runId });
    expect(audit.find((e) => e.action === 'notification.failed')?.details).toMatchObject({
      kind: 'approval_requested',
      error: 'every channel is down',
    });
  });

  it('reminds the owner once, 24 hours after the request, of approvals still pending', async () => {
    database = await makeDb();
    const now = new Date();
    const w = await world(database.db, { now });
    const waiting = await w.awaitingApproval(ACME, 'Call the buyer');
    const decided = await w.awaitingApproval(ACME, 'Send the renewal quote');
    await w.deps.approvals.claim(decided.approvalId, { status: 'approved', by: 'maria', channel: 'web' }, now);

    const at = (hours: number) => new Date(now.getTime() + hours * HOUR);
    expect(await sendApprovalReminders(w.deps, at(23))).toEqual({ due: 0, sent: 0, skipped: 0, failed: 0 });
    // Two schedulers at once still send one reminder.
    const [a, b] = await Promise.all([sendApprovalReminders(w.deps, at(25)), sendApprovalReminders(w.deps, at(25))]);
    expect(a.sent + b.sent).toBe(1);
    expect(await sendApprovalReminders(w.deps, at(26))).toEqual({ due: 0, sent: 0, skipped: 0, failed: 0 });

    const reminders = await w.outbox.list({ kind: 'approval_reminder' });
    expect(reminders).toHaveLength(1);
    expect(reminders[0]).toMatchObject({
      to: { userId: MARIA.id },
      approvalId: waiting.approvalId,
      links: [{ url: `https://sergas.example.com/approvals/${waiting.approvalId}` }],
    });
    expect(reminders[0]?.subject).toBe('Reminder: approval waiting for Acme Industrial — Call the buyer');
    // Past its expiry, an approval is not reminded of.
    const later = await w.awaitingApproval(ACME, 'Log a note');
    expect(await sendApprovalReminders(w.deps, at(100))).toMatchObject({ due: 0 });
    expect((await w.deps.approvals.get(later.approvalId))?.status).toBe('pending');
  });

  it('sends no reminder for an approval already escalated to the manager', async () => {
    database = await makeDb();
    const now = new Date();
    const w = await world(database.db, { now });
    const { recommendationId } = await w.awaitingApproval(ACME, 'Call the buyer');
    const at25 = new Date(now.getTime() + 25 * HOUR);
    await w.deps.approvals.escalate(recommendationId, {
      taskToken: 'escalated-token',
      escalatedTo: null,
      at: at25,
      expiresAt: new Date(at25.getTime() + 24 * HOUR),
    });
    expect(await sendApprovalReminders(w.deps, at25)).toMatchObject({ due: 0, sent: 0 });
  });

  it('reminds the owner of a deferred approval only once the deferral is over', async () => {
    database = await makeDb();
    const now = new Date();
    const w = await world(database.db, { now });
    const { approvalId } = await w.awaitingApproval(ACME, 'Call the buyer');
    await w.deps.approvals.defer(approvalId, 2, new Date(now.getTime() + HOUR));
    expect(await sendApprovalReminders(w.deps, new Date(now.getTime() + 25 * HOUR))).toMatchObject({ due: 0 });
    expect(await sendApprovalReminders(w.deps, new Date(now.getTime() + 50 * HOUR))).toMatchObject({ sent: 1 });
  });

  it('tries a reminder again on the next run when no channel took it', async () => {
    database = await makeDb();
    const now = new Date();
    const w = await world(database.db, { now });
    const { approvalId } = await w.awaitingApproval(ACME, 'Call the buyer');
    const at25 = new Date(now.getTime() + 25 * HOUR);
    const failing = { ...w.deps, notifier: failingNotifier };
    expect(await sendApprovalReminders(failing, at25)).toEqual({ due: 1, sent: 0, skipped: 0, failed: 1 });
    expect(await sendApprovalReminders(w.deps, new Date(at25.getTime() + HOUR))).toMatchObject({ sent: 1 });
    expect(await w.outbox.list({ kind: 'approval_reminder', approvalId })).toHaveLength(1);
  });
});

describe.each(databases())('owner briefs on %s', (_name, makeDb) => {
  let database: TestDatabase | undefined;
  afterEach(async () => database?.drop());

  it("sends each owner today's brief once it is past 06:00 where they are, once a day, 'no updates' included", async () => {
    database = await makeDb();
    // 04:30 UTC: 05:30 in Madrid (not yet), 13:30 in Tokyo, 20:30 the day before in Los Angeles.
    const early = new Date('2026-11-24T04:30:00Z');
    const w = await world(database.db, { now: early });
    const { approvalId } = await w.awaitingApproval(ACME, 'Call the buyer');
    const approvalMessages = (await w.outbox.list()).length;

    expect(await sendOwnerBriefs(w.deps, early)).toEqual({ due: 2, sent: 2, skipped: 0, waiting: 1, failed: 0 });
    const first = await w.outbox.list({ kind: 'owner_brief' });
    expect(first.map((m) => m.to.userId).sort()).toEqual([KENJI.id, ROSA.id]);
    const kenji = first.find((m) => m.to.userId === KENJI.id);
    expect(kenji?.subject).toBe('Your Sergas brief for 2026-11-24: no updates');
    expect(kenji?.text).toContain('No updates: none of your 1 accounts needs attention today.');
    expect(kenji?.links).toEqual([{ label: 'Open the dashboard', url: 'https://sergas.example.com/' }]);
    // An owner without an e-mail address still gets the brief on the channels that need none.
    expect(first.find((m) => m.to.userId === ROSA.id)?.subject).toBe('Your Sergas brief for 2026-11-23: no updates');
    expect(first.find((m) => m.to.userId === ROSA.id)?.to.email).toBeNull();

    // 05:10 UTC is 06:10 in Madrid: Maria's turn; the others already have today's.
    const madridMorning = new Date('2026-11-24T05:10:00Z');
    expect(await sendOwnerBriefs(w.deps, madridMorning)).toEqual({
      due: 3,
      sent: 1,
      skipped: 2,
      waiting: 0,
      failed: 0,
    });
    const [maria] = await w.outbox.list({ kind: 'owner_brief', userId: MARIA.id });
    expect(maria?.subject).toBe('Your Sergas brief for 2026-11-24: 1 account(s), 1 approval(s)');
    expect(maria?.to.email).toBe('maria@example.com');
    expect(maria?.text).toContain('1. Acme Industrial — risk high, priority 80');
    expect(maria?.text).toContain('   - Call the buyer');
    expect(maria?.text).toMatch(
      /1 approval\(s\) waiting for you:\n- Acme Industrial: Call the buyer \(expires .+ Europe\/Madrid\)/,
    );
    expect(maria?.links).toEqual([
      { label: 'Open the dashboard', url: 'https://sergas.example.com/' },
      { label: 'Review: Acme Industrial', url: `https://sergas.example.com/approvals/${approvalId}` },
    ]);

    // 09:00 UTC: a new day has begun in Los Angeles, but not its 06:00.
    expect(await sendOwnerBriefs(w.deps, new Date('2026-11-24T09:00:00Z'))).toMatchObject({
      sent: 0,
      skipped: 2,
      waiting: 1,
    });
    expect(await w.outbox.list()).toHaveLength(approvalMessages + 3);
    // 21:30 UTC: 06:30 on the 25th in Tokyo and 13:30 on the 24th in Los Angeles bring their next briefs.
    expect(await sendOwnerBriefs(w.deps, new Date('2026-11-24T21:30:00Z'))).toMatchObject({ sent: 2, skipped: 1 });
    expect((await w.outbox.list({ kind: 'owner_brief', userId: KENJI.id }))[0]?.subject).toContain('2026-11-25');
  });

  it('tries a brief again on the next run when no channel took it', async () => {
    database = await makeDb();
    // 14:10 UTC is past 06:00 in Madrid, Tokyo and Los Angeles alike.
    const at = new Date('2026-11-24T14:10:00Z');
    const w = await world(database.db, { now: at });
    expect(await sendOwnerBriefs({ ...w.deps, notifier: failingNotifier }, at)).toMatchObject({ sent: 0, failed: 3 });
    expect(await sendOwnerBriefs(w.deps, new Date('2026-11-24T14:40:00Z'))).toMatchObject({ sent: 3, failed: 0 });
  });
});
