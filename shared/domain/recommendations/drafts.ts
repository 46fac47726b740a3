import { primaryContactOf } from '../account-facts.ts';
import type { EmailDraft, TaskDraft } from '../analysis.ts';
import type { AccountSnapshot, Contact } from '../crm.ts';

/**
 * The people a draft is written from and to. Drafts only use facts from the account's own records:
 * its primary contact, its owner, its deals and tasks.
 */
export interface DraftParties {
  contact: Contact | undefined;
  greeting: string;
  ownerId: string;
  ownerName: string;
  managerId: string | null;
}

export function draftPartiesOf(snapshot: AccountSnapshot): DraftParties {
  const contact = primaryContactOf(snapshot);
  const firstName = contact?.fullName.trim().split(/\s+/)[0];
  return {
    contact,
    greeting: firstName ? `Hi ${firstName},` : 'Hello,',
    ownerId: snapshot.account.ownerId,
    ownerName: snapshot.account.ownerName,
    // The owner record may lag behind a reassignment: only trust its manager if it is the same person.
    managerId: snapshot.owner?.id === snapshot.account.ownerId ? snapshot.owner.managerId : null,
  };
}

export function emailTo(
  parties: DraftParties,
  subject: string,
  paragraphs: string[],
  signedBy = parties.ownerName,
): EmailDraft {
  return {
    kind: 'email',
    to: parties.contact?.email ?? null,
    subject,
    body: [parties.greeting, ...paragraphs, `Best regards,\n${signedBy}`].join('\n\n'),
  };
}

export function taskFor(ownerId: string, subject: string, dueDate: string, description: string[]): TaskDraft {
  return { kind: 'task', subject, dueDate, description: description.join('\n'), ownerId };
}

/** "Jane Doe (jane@acme.example)" or "no contact with an e-mail on file". */
export function contactLine(parties: DraftParties): string {
  const { contact } = parties;
  return contact
    ? `${contact.fullName}${contact.email ? ` (${contact.email})` : ''}`
    : 'no contact with an e-mail on file';
}
