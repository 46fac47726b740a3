/**
 * Messages to people: approval links, reminders, escalations, owner briefs. Adapters deliver them by
 * e-mail (SES) and Slack (incoming webhook) on AWS, and into an outbox locally; one message may go out
 * on several channels.
 */
export type NotificationKind =
  | 'approval_requested'
  | 'approval_reminder'
  | 'approval_escalated'
  | 'approval_expired'
  | 'owner_brief';

export interface Recipient {
  /** The CRM user id (an account owner or their manager). */
  userId: string;
  name: string;
  email: string | null;
}

export interface OutboundMessage {
  kind: NotificationKind;
  to: Recipient;
  subject: string;
  /** Plain text; links are also listed in `links` so each channel can render them its own way. */
  text: string;
  links: { label: string; url: string }[];
  /** What the message is about, for the audit trail and for de-duplication. */
  approvalId?: string;
  runId?: string;
  accountId?: string;
}

export interface Delivery {
  channel: string;
  /** The channel's own id for the message (SES MessageId, the outbox row id…). */
  id: string;
}

export interface Notifier {
  /** Sends on every configured channel; resolves with one delivery per channel that took it. */
  send(message: OutboundMessage): Promise<Delivery[]>;
}

/** A message as the outbox keeps it. */
export interface OutboxEntry extends OutboundMessage {
  id: string;
  createdAt: Date;
}

/** What the outbox shows (`sergas outbox list`, tests): newest first. */
export interface OutboxReader {
  list(filter?: {
    kind?: NotificationKind;
    userId?: string;
    approvalId?: string;
    limit?: number;
  }): Promise<OutboxEntry[]>;
}

/** A pending approval whose 24-hour reminder is due. */
export interface DueReminder {
  approvalId: string;
  recommendationId: string;
  runId: string;
  requestedAt: Date;
  expiresAt: Date;
}

/**
 * What scheduled messages have gone out, so each goes out once even when two schedulers overlap: a claim
 * succeeds once, before sending; a send that fails on every channel releases it for the next run.
 */
export interface NotificationLedger {
  /**
   * Pending, unexpired approvals requested at or before `requestedBefore` that have had no reminder, were
   * not escalated, and are not deferred past `now` (a deferred one is reminded once its deferral ends).
   */
  dueReminders(requestedBefore: Date, now: Date): Promise<DueReminder[]>;
  claimReminder(approvalId: string, at: Date): Promise<boolean>;
  releaseReminder(approvalId: string): Promise<void>;
  /** `date` is the owner's local date (YYYY-MM-DD) the brief is for. */
  claimOwnerBrief(ownerId: string, date: string, at: Date): Promise<boolean>;
  releaseOwnerBrief(ownerId: string, date: string): Promise<void>;
}
