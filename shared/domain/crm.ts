/**
 * Sergas's durable copy of the CRM, as the domain sees it: normalised from Zoho's v8 records by the
 * sync, independent of any SDK. Dates are `Date`s; money is in the org's currency.
 */
export type ActivityKind = 'task' | 'call' | 'event' | 'note';

export interface Owner {
  id: string;
  name: string;
  email: string;
  role: string | null;
  managerId: string | null;
  timeZone: string;
}

export interface Account {
  id: string;
  name: string;
  ownerId: string;
  ownerName: string;
  /** Zoho's Rating picklist (Active, Acquired, Project Cancelled, …) or a custom status. */
  status: string | null;
  accountType: string | null;
  industry: string | null;
  annualRevenue: number | null;
  employees: number | null;
  /** Contract end / renewal date, when the org tracks one (custom field `Contract_End_Date`). */
  renewalDate: Date | null;
  createdAt: Date;
  modifiedAt: Date;
}

export interface Contact {
  id: string;
  accountId: string | null;
  fullName: string;
  email: string | null;
  phone: string | null;
  title: string | null;
  modifiedAt: Date;
}

export interface Deal {
  id: string;
  accountId: string | null;
  name: string;
  stage: string;
  amount: number | null;
  closingDate: Date | null;
  ownerId: string | null;
  /** When the deal entered its current stage, from Zoho's stage history or our own observed changes. */
  stageEnteredAt: Date | null;
  createdAt: Date;
  modifiedAt: Date;
}

export interface Activity {
  id: string;
  kind: ActivityKind;
  /** The Zoho module the record lives in: Tasks, Calls, Events or Notes. */
  module: 'Tasks' | 'Calls' | 'Events' | 'Notes';
  accountId: string | null;
  subject: string;
  description: string | null;
  /** When it happened (call start, meeting start, note creation, task completion or creation). */
  occurredAt: Date;
  dueDate: Date | null;
  status: string | null;
  /** A task that is not Completed; calls, events and notes are never open. */
  isOpen: boolean;
  ownerId: string | null;
  createdAt: Date;
  modifiedAt: Date;
}

/** What one review of an account remembers, to detect changes at the next review. */
export interface AccountBaseline {
  accountId: string;
  reviewedAt: Date;
  runId: string | null;
  fields: Record<string, string | number | null>;
}

/** Everything the Data Scout needs to judge one account as of an instant. */
export interface AccountSnapshot {
  account: Account;
  owner: Owner | null;
  contacts: Contact[];
  deals: Deal[];
  activities: Activity[];
  baseline: AccountBaseline | null;
}
