import { maskPii } from '../domain/compliance/mask-pii.ts';
import type { Account, Owner } from '../domain/crm.ts';
import type { AuditLog } from '../ports/audit-log.ts';
import type { NotificationKind, Notifier, OutboundMessage, Recipient } from '../ports/notifier.ts';

/** Where links in messages point: the public URL on AWS (and when set locally), else the local API. */
export interface LinkConfig {
  publicUrl: string | null;
  port: number;
}

export const publicBaseUrl = (config: LinkConfig) =>
  (config.publicUrl ?? `http://127.0.0.1:${config.port}`).replace(/\/+$/, '');

/** The approval page: GET shows it, only its POST decides (mail scanners prefetch links). */
export const approvalUrl = (config: LinkConfig, approvalId: string) =>
  `${publicBaseUrl(config)}/approvals/${encodeURIComponent(approvalId)}`;

export const recipientOf = (owner: Pick<Owner, 'id' | 'name' | 'email'>): Recipient => ({
  userId: owner.id,
  name: owner.name,
  email: owner.email?.trim() || null,
});

/** "27 Nov 2026, 09:00 Europe/Madrid": the expiry as the recipient reads it. */
export function expiryText(expiresAt: Date, timeZone: string): string {
  let zone = timeZone;
  let formatted: string;
  try {
    formatted = new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(
      expiresAt,
    );
  } catch {
    zone = 'UTC';
    formatted = new Intl.DateTimeFormat('en-GB', { timeZone: zone, dateStyle: 'medium', timeStyle: 'short' }).format(
      expiresAt,
    );
  }
  return `${formatted} ${zone}`;
}

export type ApprovalMessageKind = Extract<
  NotificationKind,
  'approval_requested' | 'approval_reminder' | 'approval_escalated' | 'approval_expired'
>;

export interface ApprovalNotice {
  kind: ApprovalMessageKind;
  to: Recipient;
  /** The recipient's time zone, for the expiry. */
  timeZone: string;
  approvalId: string;
  runId: string;
  account: Pick<Account, 'id' | 'name'>;
  /** The recommended action as the approval page shows it. */
  action: string;
  expiresAt: Date;
  url: string;
  /** For an escalation: whose approval it was. */
  ownerName?: string;
}

const firstName = (name: string) => name.trim().split(/\s+/)[0] || name;
const oneLine = (text: string, max: number) => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
};

/**
 * A message about one approval. It says only what the recipient sees on the approval page anyway — the
 * account's name, the action, the link and the expiry — and masks any e-mail address or phone number
 * the action's text happens to hold, because e-mail and Slack leave our systems.
 */
export function approvalMessage(notice: ApprovalNotice): OutboundMessage {
  const action = maskPii(notice.action);
  const account = notice.account.name;
  const expiry = expiryText(notice.expiresAt, notice.timeZone);
  const short = oneLine(action, 80);
  const greeting = `Hi ${firstName(notice.to.name)},`;
  const subjects: Record<ApprovalMessageKind, string> = {
    approval_requested: `Approval needed: ${account} — ${short}`,
    approval_reminder: `Reminder: approval waiting for ${account} — ${short}`,
    approval_escalated: `Escalated approval: ${account} — ${short}`,
    approval_expired: `Approval expired: ${account} — ${short}`,
  };
  const leads: Record<ApprovalMessageKind, string> = {
    approval_requested: `Sergas recommends an action on ${account} and needs your decision:`,
    approval_reminder: `This recommendation for ${account} has been waiting for your decision for a day:`,
    approval_escalated: `${notice.ownerName ?? 'The account owner'} has not decided this recommendation for ${account}, so it comes to you:`,
    approval_expired: `This recommendation for ${account} expired without a decision, so nothing was written to Zoho:`,
  };
  const closing =
    notice.kind === 'approval_expired'
      ? 'Run a new analysis of the account if it still needs attention.'
      : `Approve, edit, reject or defer it before ${expiry}. Without a decision it expires and nothing is written to Zoho.`;
  return {
    kind: notice.kind,
    to: notice.to,
    subject: oneLine(subjects[notice.kind], 200),
    text: `${greeting}\n\n${leads[notice.kind]}\n\n    ${action}\n\n${closing}\n`,
    links: notice.kind === 'approval_expired' ? [] : [{ label: 'Review the recommendation', url: notice.url }],
    approvalId: notice.approvalId,
    runId: notice.runId,
    accountId: notice.account.id,
  };
}

/** Sends a message and audits the outcome (the channels that took it, or why none did); never throws. */
export async function sendAudited(
  deps: { notifier: Notifier; audit: AuditLog },
  message: OutboundMessage,
): Promise<boolean> {
  let details: Record<string, unknown>;
  let sent: boolean;
  try {
    const deliveries = await deps.notifier.send(message);
    details = { kind: message.kind, to: message.to.userId, channels: deliveries.map((d) => d.channel) };
    sent = true;
  } catch (error) {
    details = { kind: message.kind, to: message.to.userId, error: (error as Error).message };
    sent = false;
  }
  await deps.audit.record({
    agentId: 'notifier',
    action: sent ? 'notification.sent' : 'notification.failed',
    resourceType: message.approvalId ? 'approval' : 'owner',
    resourceId: message.approvalId ?? message.to.userId,
    details: { ...details, ...(message.runId ? { runId: message.runId } : {}) },
  });
  return sent;
}
