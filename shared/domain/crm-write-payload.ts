import type { Priority, Recommendation } from './analysis.ts';
import type { AccountSnapshot } from './crm.ts';

/** A Zoho record to create once a recommendation is approved. */
export interface CrmWrite {
  module: 'Tasks' | 'Notes';
  record: Record<string, unknown>;
}

const ZOHO_PRIORITY: Record<Priority, string> = { critical: 'Highest', high: 'High', medium: 'Normal', low: 'Low' };
const SUBJECT_MAX = 255;

const dateOnly = (date: Date) => date.toISOString().slice(0, 10);
const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/**
 * What executing a recommendation writes to Zoho. Sergas never e-mails customers itself: an e-mail
 * draft becomes a Task for the owner carrying the draft. `Sergas_Key` (a custom field) carries the
 * idempotency key so a retried write can find the record it already made.
 */
export function crmWriteFor(
  recommendation: Recommendation,
  snapshot: AccountSnapshot,
  idempotencyKey: string,
): CrmWrite {
  const { account } = snapshot;
  const draft = recommendation.draft;
  const what = { What_Id: { id: account.id, name: account.name }, $se_module: 'Accounts' };
  const task = (subject: string, description: string, ownerId: string, dueDate: string): CrmWrite => ({
    module: 'Tasks',
    record: {
      Subject: clip(subject, SUBJECT_MAX),
      Description: description,
      Due_Date: dueDate,
      Status: 'Not Started',
      Priority: ZOHO_PRIORITY[recommendation.priority],
      Owner: { id: ownerId },
      ...what,
      Sergas_Key: idempotencyKey,
    },
  });
  const footer = `\n\n— Sergas recommendation ${recommendation.id} (${recommendation.type}): ${recommendation.rationale}`;
  switch (draft?.kind) {
    case 'task':
      return task(draft.subject, `${draft.description}${footer}`, draft.ownerId, draft.dueDate);
    case 'email':
      return task(
        `Send e-mail: ${draft.subject}`,
        `To: ${draft.to ?? '(choose a contact)'}\nSubject: ${draft.subject}\n\n${draft.body}${footer}`,
        account.ownerId,
        dateOnly(recommendation.expiresAt),
      );
    case 'note':
      return {
        module: 'Notes',
        record: {
          Note_Title: clip(draft.title, SUBJECT_MAX),
          Note_Content: `${draft.content}${footer}`,
          Parent_Id: { module: { api_name: 'Accounts' }, id: account.id },
          Sergas_Key: idempotencyKey,
        },
      };
    default:
      return {
        module: 'Notes',
        record: {
          Note_Title: clip(recommendation.action, SUBJECT_MAX),
          Note_Content: `${recommendation.action}${footer}`,
          Parent_Id: { module: { api_name: 'Accounts' }, id: account.id },
          Sergas_Key: idempotencyKey,
        },
      };
  }
}

/** The idempotency key of a recommendation's CRM write: recommendation id + action. */
export const idempotencyKeyOf = (recommendationId: string) => `${recommendationId}:create`;
