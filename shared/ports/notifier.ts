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
