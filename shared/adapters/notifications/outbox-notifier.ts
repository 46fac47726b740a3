import { randomUUID } from 'node:crypto';
import type { Db } from '../../ports/db.ts';
import type {
  Delivery,
  NotificationKind,
  Notifier,
  OutboundMessage,
  OutboxEntry,
  OutboxReader,
} from '../../ports/notifier.ts';

interface OutboxRow {
  id: string;
  kind: NotificationKind;
  recipient_id: string;
  recipient_name: string;
  recipient_email: string | null;
  subject: string;
  text: string;
  links: { label: string; url: string }[];
  approval_id: string | null;
  run_id: string | null;
  account_id: string | null;
  created_at: Date;
}

const toEntry = (row: OutboxRow): OutboxEntry => ({
  id: row.id,
  kind: row.kind,
  to: { userId: row.recipient_id, name: row.recipient_name, email: row.recipient_email },
  subject: row.subject,
  text: row.text,
  links: row.links,
  ...(row.approval_id ? { approvalId: row.approval_id } : {}),
  ...(row.run_id ? { runId: row.run_id } : {}),
  ...(row.account_id ? { accountId: row.account_id } : {}),
  createdAt: row.created_at,
});

/**
 * The embedded channel: every message lands in the `outbox` table, where `sergas outbox list`, the tests
 * and an operator can read what would have been e-mailed or posted.
 */
export class OutboxNotifier implements Notifier, OutboxReader {
  readonly channel = 'outbox';
  readonly #db: Db;
  readonly #newId: () => string;

  constructor(db: Db, options: { newId?: () => string } = {}) {
    this.#db = db;
    this.#newId = options.newId ?? randomUUID;
  }

  async send(message: OutboundMessage): Promise<Delivery[]> {
    const id = this.#newId();
    await this.#db.query(
      `INSERT INTO outbox (id, kind, recipient_id, recipient_name, recipient_email, subject, text, links,
                           approval_id, run_id, account_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        id,
        message.kind,
        message.to.userId,
        message.to.name.slice(0, 255),
        message.to.email,
        message.subject.slice(0, 500),
        message.text,
        JSON.stringify(message.links),
        message.approvalId ?? null,
        message.runId ?? null,
        message.accountId ?? null,
      ],
    );
    return [{ channel: this.channel, id }];
  }

  async list(
    filter: { kind?: NotificationKind; userId?: string; approvalId?: string; limit?: number } = {},
  ): Promise<OutboxEntry[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const match = (column: string, value: string | undefined) => {
      if (value === undefined) return;
      params.push(value);
      where.push(`${column} = $${params.length}`);
    };
    match('kind', filter.kind);
    match('recipient_id', filter.userId);
    match('approval_id', filter.approvalId);
    params.push(filter.limit ?? 100);
    const rows = await this.#db.query<OutboxRow>(
      `SELECT * FROM outbox ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, id LIMIT $${params.length}`,
      params,
    );
    return rows.map(toEntry);
  }
}
