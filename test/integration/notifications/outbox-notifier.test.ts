import { afterEach, describe, expect, it } from 'vitest';
import { OutboxNotifier } from '../../../shared/adapters/notifications/outbox-notifier.ts';
import { SqlNotificationLedger } from '../../../shared/adapters/notifications/sql-notification-ledger.ts';
import type { OutboundMessage } from '../../../shared/ports/notifier.ts';
import { databases, type TestDatabase } from '../../support/databases.ts';

const message = (overrides: Partial<OutboundMessage> = {}): OutboundMessage => ({
  kind: 'approval_requested',
  to: { userId: 'owner-1', name: 'Maria Lopez', email: 'maria@example.com' },
  subject: 'Approval needed: Acme — Call the buyer',
  text: 'Hi Maria,\n\nCall the buyer.\n',
  links: [{ label: 'Review the recommendation', url: 'https://sergas.example.com/approvals/appr-1' }],
  approvalId: 'appr-1',
  runId: '0b6a3c8e-2f41-4d7a-9a55-6a1f0c2b9e01',
  accountId: 'acc-1',
  ...overrides,
});

describe.each(databases())('the outbox on %s', (_name, makeDb) => {
  let database: TestDatabase | undefined;
  afterEach(async () => database?.drop());

  it('keeps every message as it was sent, newest first, and filters by kind, recipient and approval', async () => {
    database = await makeDb();
    const outbox = new OutboxNotifier(database.db);
    const [first] = await outbox.send(message());
    await outbox.send(
      message({
        kind: 'owner_brief',
        to: { userId: 'owner-2', name: 'Tom Wu', email: null },
        subject: 'Your brief',
        links: [],
        approvalId: undefined,
        runId: undefined,
        accountId: undefined,
      }),
    );

    expect(first).toEqual({ channel: 'outbox', id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const all = await outbox.list();
    expect(all.map((entry) => entry.kind)).toEqual(['owner_brief', 'approval_requested']);
    expect(all[1]).toEqual({ ...message(), id: first!.id, createdAt: expect.any(Date) });
    expect(all[0]).not.toHaveProperty('approvalId');
    expect(all[0]?.to).toEqual({ userId: 'owner-2', name: 'Tom Wu', email: null });

    expect((await outbox.list({ kind: 'owner_brief' })).map((e) => e.to.userId)).toEqual(['owner-2']);
    expect((await outbox.list({ userId: 'owner-1' })).map((e) => e.kind)).toEqual(['approval_requested']);
    expect(await outbox.list({ approvalId: 'appr-1', limit: 1 })).toHaveLength(1);
    expect(await outbox.list({ approvalId: 'nope' })).toEqual([]);
  });

  it('lets one of several concurrent claims of a brief win, and a released claim be taken again', async () => {
    database = await makeDb();
    const ledger = new SqlNotificationLedger(database.db);
    const at = new Date('2026-11-24T06:10:00Z');
    const claims = await Promise.all(
      Array.from({ length: 5 }, () => ledger.claimOwnerBrief('owner-1', '2026-11-24', at)),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await ledger.claimOwnerBrief('owner-1', '2026-11-25', at)).toBe(true);
    await ledger.releaseOwnerBrief('owner-1', '2026-11-24');
    expect(await ledger.claimOwnerBrief('owner-1', '2026-11-24', at)).toBe(true);
  });
});
