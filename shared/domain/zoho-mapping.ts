import { z } from 'zod';
import type { Account, Activity, Contact, Deal, Owner } from './crm.ts';

/**
 * Zoho CRM v8 records → Sergas's domain types. Pure: no SDK, no I/O. Every mapper validates the raw
 * record with zod and answers with a result instead of throwing, because one malformed record must be
 * reported (module, id, field) and skipped, never abort a sync of thousands.
 */

/** The fields the sync asks Zoho for, per module (Zoho requires `fields` on lists and caps it at 50). */
export const ZOHO_FIELDS = {
  Accounts: [
    'Account_Name',
    'Owner',
    'Rating',
    'Account_Type',
    'Industry',
    'Annual_Revenue',
    'Employees',
    'Contract_End_Date',
    'Parent_Account',
    'Website',
    'Phone',
    'Billing_City',
    'Billing_Country',
    'Description',
    'Last_Activity_Time',
    'Created_Time',
    'Modified_Time',
  ],
  Contacts: [
    'First_Name',
    'Last_Name',
    'Full_Name',
    'Account_Name',
    'Email',
    'Phone',
    'Mobile',
    'Title',
    'Department',
    'Owner',
    'Created_Time',
    'Modified_Time',
  ],
  Deals: [
    'Deal_Name',
    'Stage',
    'Amount',
    'Probability',
    'Closing_Date',
    'Account_Name',
    'Contact_Name',
    'Owner',
    'Type',
    'Next_Step',
    'Lead_Source',
    'Description',
    'Created_Time',
    'Modified_Time',
  ],
  Tasks: [
    'Subject',
    'Status',
    'Priority',
    'Due_Date',
    'Closed_Time',
    'Description',
    'What_Id',
    'Who_Id',
    'Owner',
    'Created_By',
    'Created_Time',
    'Modified_Time',
  ],
  Calls: [
    'Subject',
    'Call_Type',
    'Call_Start_Time',
    'Call_Duration',
    'Call_Purpose',
    'Call_Result',
    'Outgoing_Call_Status',
    'Description',
    'What_Id',
    'Who_Id',
    'Owner',
    'Created_By',
    'Created_Time',
    'Modified_Time',
  ],
  Events: [
    'Event_Title',
    'Start_DateTime',
    'End_DateTime',
    'Venue',
    'Description',
    'What_Id',
    'Who_Id',
    'Participants',
    'Owner',
    'Created_By',
    'Created_Time',
    'Modified_Time',
  ],
  Notes: ['Note_Title', 'Note_Content', 'Parent_Id', 'Owner', 'Created_By', 'Created_Time', 'Modified_Time'],
  /** The Deals → Stage_History related list. */
  Stage_History: ['Stage', 'Amount', 'Probability', 'Closing_Date', 'Modified_Time', 'Modified_By'],
} as const satisfies Record<string, readonly string[]>;

/** Why a record could not be mapped: enough to find and fix it in Zoho. */
export interface MappingIssue {
  module: string;
  id: string | null;
  /** The offending field's path, e.g. `Owner.id`; empty when the record itself is not an object. */
  field: string;
  message: string;
}

export type MappingResult<T> = { ok: true; value: T } | { ok: false; issue: MappingIssue };

/** An activity plus what the copy keeps beside it (the What_Id link as Zoho gave it). */
export interface MappedActivity {
  activity: Activity;
  whatModule: string | null;
  whatId: string | null;
  createdById: string | null;
}

/** A note as an activity (kind 'note'), plus the columns of the notes table. */
export interface MappedNote {
  activity: Activity;
  parentModule: string | null;
  parentId: string | null;
  title: string | null;
  content: string;
}

/** One row of a deal's Stage_History related list: the deal entered `stage` at `enteredAt`. */
export interface StageEntry {
  dealId: string;
  stage: string;
  enteredAt: Date;
}

/**
 * How an activity linked to a deal or contact finds its account. The sync fills these from the deals and
 * contacts it has just fetched; `null`/`undefined` when unknown.
 */
export interface AccountLinks {
  accountOfDeal(dealId: string): string | null | undefined;
  accountOfContact(contactId: string): string | null | undefined;
}

export type ActivityModule = 'Tasks' | 'Calls' | 'Events';

// ---- building blocks -------------------------------------------------------------------------------

const id = z.string().min(1);
// Zoho sends DateTime with an offset (`2026-11-20T14:32:23+05:30`); an offset-less time would be ambiguous.
const dateTime = z.iso.datetime({ offset: true }).transform((value) => new Date(value));
// Date-only fields become UTC midnight (see calendar.ts `dateOnlyOf`).
const dateOnly = z.iso.date().transform((value) => new Date(`${value}T00:00:00Z`));
const text = z.string().nullish();
const lookup = z.looseObject({ id, name: z.string().nullish() });
const owner = z.looseObject({ id, name: z.string().nullish(), email: z.string().nullish() });
const number = z.number().nullish();

/** Zoho's "no value" picklist entry reads like a value but means none. */
function picklist(value: string | null | undefined): string | null {
  return value && value !== '-None-' ? value : null;
}

function orNull<T>(value: T | null | undefined): T | null {
  return value ?? null;
}

function idOf(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const value = (raw as { id?: unknown }).id;
  return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
}

function mapWith<S extends z.ZodType, T>(
  module: string,
  schema: S,
  raw: unknown,
  build: (record: z.output<S>) => T,
): MappingResult<T> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return {
      ok: false,
      issue: {
        module,
        id: idOf(raw),
        field: first ? first.path.map(String).join('.') : '',
        message: first?.message ?? 'invalid record',
      },
    };
  }
  return { ok: true, value: build(parsed.data) };
}

// ---- users -----------------------------------------------------------------------------------------

const UserSchema = z.looseObject({
  id,
  full_name: z.string().min(1),
  email: text,
  role: z.looseObject({ name: z.string() }).nullish(),
  time_zone: text,
  Reporting_To: lookup.nullish(),
});

/** A Zoho user (`GET /users`) → Owner. */
export function toOwner(raw: unknown): MappingResult<Owner> {
  return mapWith('users', UserSchema, raw, (u) => ({
    id: u.id,
    name: u.full_name,
    email: u.email ?? '',
    role: u.role?.name ?? null,
    managerId: u.Reporting_To?.id ?? null,
    timeZone: u.time_zone || 'UTC',
  }));
}

// ---- Accounts, Contacts, Deals ---------------------------------------------------------------------

const AccountSchema = z.looseObject({
  id,
  Account_Name: z.string().min(1),
  Owner: owner,
  Rating: text,
  Account_Type: text,
  Industry: text,
  Annual_Revenue: number,
  Employees: number,
  Contract_End_Date: dateOnly.nullish(),
  Created_Time: dateTime,
  Modified_Time: dateTime,
});

/** An Accounts record → Account. Rating is the status; the custom `Contract_End_Date` is the renewal date. */
export function toAccount(raw: unknown): MappingResult<Account> {
  return mapWith('Accounts', AccountSchema, raw, (a) => ({
    id: a.id,
    name: a.Account_Name,
    ownerId: a.Owner.id,
    ownerName: a.Owner.name ?? '',
    status: picklist(a.Rating),
    accountType: picklist(a.Account_Type),
    industry: picklist(a.Industry),
    annualRevenue: orNull(a.Annual_Revenue),
    employees: orNull(a.Employees),
    renewalDate: orNull(a.Contract_End_Date),
    createdAt: a.Created_Time,
    modifiedAt: a.Modified_Time,
  }));
}

const ContactSchema = z.looseObject({
  id,
  First_Name: text,
  Last_Name: z.string().min(1),
  Full_Name: text,
  Account_Name: lookup.nullish(),
  Email: text,
  Phone: text,
  Mobile: text,
  Title: text,
  Modified_Time: dateTime,
});

/** A Contacts record → Contact (Full_Name is read-only in Zoho and may be absent, so it is rebuilt). */
export function toContact(raw: unknown): MappingResult<Contact> {
  return mapWith('Contacts', ContactSchema, raw, (c) => ({
    id: c.id,
    accountId: c.Account_Name?.id ?? null,
    fullName: c.Full_Name || [c.First_Name, c.Last_Name].filter(Boolean).join(' '),
    email: c.Email || null,
    phone: c.Phone || c.Mobile || null,
    title: c.Title || null,
    modifiedAt: c.Modified_Time,
  }));
}

const DealSchema = z.looseObject({
  id,
  Deal_Name: z.string().min(1),
  Stage: z.string().min(1),
  Amount: number,
  Closing_Date: dateOnly.nullish(),
  Account_Name: lookup.nullish(),
  Owner: owner.nullish(),
  Created_Time: dateTime,
  Modified_Time: dateTime,
});

/** A Deals record → Deal. `stageEnteredAt` is left null: it comes from stage history, not the record. */
export function toDeal(raw: unknown): MappingResult<Deal> {
  return mapWith('Deals', DealSchema, raw, (d) => ({
    id: d.id,
    accountId: d.Account_Name?.id ?? null,
    name: d.Deal_Name,
    stage: d.Stage,
    amount: orNull(d.Amount),
    closingDate: orNull(d.Closing_Date),
    ownerId: d.Owner?.id ?? null,
    stageEnteredAt: null,
    createdAt: d.Created_Time,
    modifiedAt: d.Modified_Time,
  }));
}

const StageEntrySchema = z.looseObject({ id: id.optional(), Stage: z.string().min(1), Modified_Time: dateTime });

/** A row of the deal's Stage_History related list; its Modified_Time is when the deal entered that stage. */
export function toStageEntry(dealId: string, raw: unknown): MappingResult<StageEntry> {
  return mapWith('Stage_History', StageEntrySchema, raw, (h) => ({
    dealId,
    stage: h.Stage,
    enteredAt: h.Modified_Time,
  }));
}

// ---- activities and notes --------------------------------------------------------------------------

/**
 * The account an activity counts for: What_Id directly when it is an account, through the deal or contact
 * otherwise; an activity with only a Who_Id (a contact) counts for that contact's account.
 */
export function resolveAccountId(
  what: { module: string | null; id: string | null },
  whoId: string | null,
  links: AccountLinks,
): string | null {
  if (what.id) {
    if (what.module === 'Accounts') return what.id;
    if (what.module === 'Deals') return links.accountOfDeal(what.id) ?? null;
    if (what.module === 'Contacts') return links.accountOfContact(what.id) ?? null;
  }
  return whoId ? (links.accountOfContact(whoId) ?? null) : null;
}

const activityCommon = {
  id,
  Description: text,
  What_Id: lookup.nullish(),
  Who_Id: lookup.nullish(),
  $se_module: text,
  Owner: owner.nullish(),
  Created_By: lookup.nullish(),
  Created_Time: dateTime,
  Modified_Time: dateTime,
};

const TaskSchema = z.looseObject({
  ...activityCommon,
  Subject: z.string().min(1),
  Status: text,
  Due_Date: dateOnly.nullish(),
  Closed_Time: dateTime.nullish(),
});
const CallSchema = z.looseObject({
  ...activityCommon,
  Subject: z.string().min(1),
  Call_Start_Time: dateTime,
  Call_Result: text,
  Outgoing_Call_Status: text,
});
const EventSchema = z.looseObject({
  ...activityCommon,
  Event_Title: z.string().min(1),
  Start_DateTime: dateTime,
});

type ActivityRecord = z.output<z.ZodObject<typeof activityCommon>>;

/** What_Id as Zoho gave it, who created the record, and the account the activity counts for. */
function linksOf(
  record: ActivityRecord,
  links: AccountLinks,
): { kept: Omit<MappedActivity, 'activity'>; accountId: string | null } {
  const whatModule = record.$se_module ?? null;
  const whatId = record.What_Id?.id ?? null;
  return {
    kept: { whatModule, whatId, createdById: record.Created_By?.id ?? null },
    accountId: resolveAccountId({ module: whatModule, id: whatId }, record.Who_Id?.id ?? null, links),
  };
}

/**
 * A Tasks, Calls or Events record → Activity. A task happened when it was closed (or, while open, when it
 * was created) and is open until its Status is Completed; a call at its start; a meeting at its start.
 */
export function toActivity(module: ActivityModule, raw: unknown, links: AccountLinks): MappingResult<MappedActivity> {
  switch (module) {
    case 'Tasks':
      return mapWith(module, TaskSchema, raw, (t) => {
        const { kept, accountId } = linksOf(t, links);
        const status = picklist(t.Status);
        return {
          ...kept,
          activity: {
            id: t.id,
            kind: 'task',
            module,
            accountId,
            subject: t.Subject,
            description: t.Description || null,
            occurredAt: t.Closed_Time ?? t.Created_Time,
            dueDate: orNull(t.Due_Date),
            status,
            isOpen: status !== 'Completed',
            ownerId: t.Owner?.id ?? null,
            createdAt: t.Created_Time,
            modifiedAt: t.Modified_Time,
          },
        };
      });
    case 'Calls':
      return mapWith(module, CallSchema, raw, (c) => {
        const { kept, accountId } = linksOf(c, links);
        return {
          ...kept,
          activity: {
            id: c.id,
            kind: 'call',
            module,
            accountId,
            subject: c.Subject,
            description: c.Description || null,
            occurredAt: c.Call_Start_Time,
            dueDate: null,
            status: picklist(c.Call_Result) ?? picklist(c.Outgoing_Call_Status),
            isOpen: false,
            ownerId: c.Owner?.id ?? null,
            createdAt: c.Created_Time,
            modifiedAt: c.Modified_Time,
          },
        };
      });
    case 'Events':
      return mapWith(module, EventSchema, raw, (e) => {
        const { kept, accountId } = linksOf(e, links);
        return {
          ...kept,
          activity: {
            id: e.id,
            kind: 'event',
            module,
            accountId,
            subject: e.Event_Title,
            description: e.Description || null,
            occurredAt: e.Start_DateTime,
            dueDate: null,
            status: null,
            isOpen: false,
            ownerId: e.Owner?.id ?? null,
            createdAt: e.Created_Time,
            modifiedAt: e.Modified_Time,
          },
        };
      });
  }
}

const NoteSchema = z.looseObject({
  id,
  Note_Title: text,
  Note_Content: z.string(),
  Parent_Id: z.looseObject({ id, module: z.looseObject({ api_name: z.string().min(1) }) }),
  Owner: owner.nullish(),
  Created_Time: dateTime,
  Modified_Time: dateTime,
});

/** The subject line a note shows as an activity: its title, else the start of its text. */
export function noteSubject(title: string | null, content: string): string {
  if (title) return title;
  const firstLine = content.trim().split('\n')[0] ?? '';
  return firstLine.length > 80 ? `${firstLine.slice(0, 79)}…` : firstLine || '(note)';
}

/** A Notes record → an Activity of kind 'note', attributed through Parent_Id (module + id) like What_Id. */
export function toNote(raw: unknown, links: AccountLinks): MappingResult<MappedNote> {
  return mapWith('Notes', NoteSchema, raw, (n) => {
    const parentModule = n.Parent_Id.module.api_name;
    const parentId = n.Parent_Id.id;
    const title = n.Note_Title || null;
    return {
      parentModule,
      parentId,
      title,
      content: n.Note_Content,
      activity: {
        id: n.id,
        kind: 'note',
        module: 'Notes',
        accountId: resolveAccountId({ module: parentModule, id: parentId }, null, links),
        subject: noteSubject(title, n.Note_Content),
        description: n.Note_Content,
        occurredAt: n.Created_Time,
        dueDate: null,
        status: null,
        isOpen: false,
        ownerId: n.Owner?.id ?? null,
        createdAt: n.Created_Time,
        modifiedAt: n.Modified_Time,
      },
    };
  });
}
