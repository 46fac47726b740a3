import type { AuditLog } from '../ports/audit-log.ts';
import type { CrmCopyReader } from '../ports/crm-copy.ts';
import type { NotificationLedger, Notifier } from '../ports/notifier.ts';
import type { RecommendationRepository } from '../ports/recommendations.ts';
import { approvalMessage, approvalUrl, type LinkConfig, recipientOf, sendAudited } from './notify-approval.ts';

/** DOMAIN-RULES "Approval": reminders at 24 h. */
export const REMINDER_AFTER_HOURS = 24;

export interface ApprovalReminderDeps {
  notifier: Notifier;
  notificationLedger: NotificationLedger;
  recommendations: RecommendationRepository;
  copy: CrmCopyReader;
  audit: AuditLog;
  config: LinkConfig;
}

export interface ApprovalRemindersResult {
  /** Pending approvals whose reminder was due. */
  due: number;
  sent: number;
  /** Sent by another scheduler first, or with no owner to send to. */
  skipped: number;
  /** Every channel failed; the reminder is due again on the next run. */
  failed: number;
}

/**
 * The hourly reminder: each pending approval requested at least 24 hours ago gets one reminder to the
 * account owner.
 * 1. find the unexpired pending approvals due a reminder
 * 2. claim each (once, even with two schedulers running), then send the link, action and expiry
 * 3. a reminder no channel took is released, so the next run tries again
 */
export async function sendApprovalReminders(deps: ApprovalReminderDeps, now: Date): Promise<ApprovalRemindersResult> {
  const cutoff = new Date(now.getTime() - REMINDER_AFTER_HOURS * 3600_000);
  const due = await deps.notificationLedger.dueReminders(cutoff, now);
  const result: ApprovalRemindersResult = { due: due.length, sent: 0, skipped: 0, failed: 0 };
  for (const reminder of due) {
    if (!(await deps.notificationLedger.claimReminder(reminder.approvalId, now))) {
      result.skipped += 1;
      continue;
    }
    const recommendation = await deps.recommendations.get(reminder.recommendationId);
    const snapshot = recommendation ? await deps.copy.loadSnapshot(recommendation.accountId) : null;
    if (!recommendation || !snapshot?.owner) {
      result.skipped += 1;
      continue;
    }
    const message = approvalMessage({
      kind: 'approval_reminder',
      to: recipientOf(snapshot.owner),
      timeZone: snapshot.owner.timeZone,
      approvalId: reminder.approvalId,
      runId: reminder.runId,
      account: snapshot.account,
      action: recommendation.action,
      expiresAt: reminder.expiresAt,
      url: approvalUrl(deps.config, reminder.approvalId),
    });
    if (await sendAudited(deps, message)) {
      result.sent += 1;
    } else {
      await deps.notificationLedger.releaseReminder(reminder.approvalId);
      result.failed += 1;
    }
  }
  return result;
}
