/**
 * The sandbox file format (CONTRACTS.md, "Sandbox file format"): Zoho CRM v8 record shapes grouped by
 * module, plus users. Unknown fields are kept, so custom fields and Zoho's `$` meta keys survive a
 * load → serve round trip.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ValidationError } from '../../shared/errors.ts';

/** The record modules the sandbox serves under `/crm/v8/{module}`. */
export const RECORD_MODULES = ['Accounts', 'Contacts', 'Deals', 'Tasks', 'Calls', 'Events', 'Notes'] as const;
export type RecordModule = (typeof RECORD_MODULES)[number];

/** Record modules plus Stage_History, which Zoho only serves as a related list of Deals. */
export type StoredModule = RecordModule | 'Stage_History';

export function isRecordModule(name: string): name is RecordModule {
  return (RECORD_MODULES as readonly string[]).includes(name);
}

/** Any Zoho record: an id plus whatever fields the module and the org define. */
export type ZohoRecord = { id: string; [field: string]: unknown };

const dateTime = z.iso.datetime({ offset: true });
const date = z.iso.date();
const text = z.string().min(1);
const optionalText = z.string().nullish();
const optionalNumber = z.number().nullish();

const lookup = z.looseObject({ id: text, name: optionalText });
const userRef = z.looseObject({ id: text, name: optionalText, email: optionalText });

const recordBase = {
  id: text,
  Owner: userRef.optional(),
  Created_Time: dateTime.nullish(),
  Modified_Time: dateTime.nullish(),
  Created_By: userRef.nullish(),
  Modified_By: userRef.nullish(),
};

const activityLinks = {
  What_Id: lookup.nullish(),
  $se_module: optionalText,
  Who_Id: lookup.nullish(),
};

export const SandboxUserSchema = z.looseObject({
  id: text,
  full_name: text,
  email: text,
  status: optionalText,
  role: z.looseObject({ name: text, id: optionalText }).optional(),
  profile: z.looseObject({ name: text, id: optionalText }).optional(),
  time_zone: optionalText,
  Reporting_To: lookup.nullish(),
});

export const AccountSchema = z.looseObject({
  ...recordBase,
  Owner: userRef,
  Account_Name: text,
  Annual_Revenue: optionalNumber,
  Employees: optionalNumber,
  Rating: optionalText,
  Contract_End_Date: date.nullish(),
  Parent_Account: lookup.nullish(),
});

export const ContactSchema = z.looseObject({
  ...recordBase,
  Last_Name: text,
  First_Name: optionalText,
  Email: optionalText,
  Account_Name: lookup.nullish(),
});

export const DealSchema = z.looseObject({
  ...recordBase,
  Deal_Name: text,
  Stage: text,
  Amount: optionalNumber,
  Probability: z.number().min(0).max(100).nullish(),
  Closing_Date: date.nullish(),
  Account_Name: lookup.nullish(),
  Contact_Name: lookup.nullish(),
});

export const TaskSchema = z.looseObject({
  ...recordBase,
  ...activityLinks,
  Subject: text,
  Due_Date: date.nullish(),
  Status: optionalText,
  Closed_Time: dateTime.nullish(),
});

export const CallSchema = z.looseObject({
  ...recordBase,
  ...activityLinks,
  Subject: text,
  Call_Start_Time: dateTime,
  Call_Type: optionalText,
  Call_Duration: optionalText,
  Call_Duration_in_seconds: optionalNumber,
});

export const EventSchema = z.looseObject({
  ...recordBase,
  ...activityLinks,
  Event_Title: text,
  Start_DateTime: dateTime,
  End_DateTime: dateTime,
});

export const NoteSchema = z.looseObject({
  ...recordBase,
  Note_Title: optionalText,
  Note_Content: text,
  Parent_Id: z.looseObject({ id: text, name: optionalText, module: z.looseObject({ api_name: text }) }),
});

export const StageHistorySchema = z.looseObject({
  id: text,
  Deal: lookup,
  Stage: text,
  Modified_Time: dateTime,
  Amount: optionalNumber,
  Probability: optionalNumber,
  Closing_Date: date.nullish(),
});

/**
 * One entry of the deletion log that `GET /{module}/deleted` serves (reference §1.8), with the module it
 * was deleted from. Kept in the org file so a restarted sandbox still reports earlier deletions.
 */
export const DeletedRecordSchema = z.looseObject({
  module: text,
  id: text,
  display_name: z.string().nullable(),
  type: z.enum(['recycle', 'permanent']),
  deleted_by: userRef.nullable(),
  created_by: userRef.nullable(),
  deleted_time: dateTime,
});

const SandboxOrgShape = z.looseObject({
  users: z.array(SandboxUserSchema),
  Accounts: z.array(AccountSchema),
  Contacts: z.array(ContactSchema).default([]),
  Deals: z.array(DealSchema).default([]),
  Tasks: z.array(TaskSchema).default([]),
  Calls: z.array(CallSchema).default([]),
  Events: z.array(EventSchema).default([]),
  Notes: z.array(NoteSchema).default([]),
  Stage_History: z.array(StageHistorySchema).default([]),
  // Optional rather than defaulted, so orgs built in code (generators, tests) need not mention it.
  deleted_records: z.array(DeletedRecordSchema).optional(),
});

/** The whole org: every lookup must point at a record the file holds (modules it holds, that is). */
export const SandboxOrgSchema = SandboxOrgShape.superRefine((org, ctx) => {
  for (const problem of referenceProblems(org)) ctx.addIssue({ code: 'custom', ...problem });
});

export type SandboxOrg = z.output<typeof SandboxOrgSchema>;
export type SandboxUser = z.output<typeof SandboxUserSchema>;
export type DeletedRecord = z.output<typeof DeletedRecordSchema>;
type Problem = { path: (string | number)[]; message: string };

/** An org with no users and no records. */
export function emptySandboxOrg(): SandboxOrg {
  return {
    users: [],
    Accounts: [],
    Contacts: [],
    Deals: [],
    Tasks: [],
    Calls: [],
    Events: [],
    Notes: [],
    Stage_History: [],
  };
}

/**
 * Validates parsed JSON as a sandbox org. Throws ValidationError whose message names each problem as
 * `Accounts[3].Account_Name: required`.
 */
export function parseSandboxOrg(data: unknown, source = 'sandbox org'): SandboxOrg {
  const result = SandboxOrgSchema.safeParse(data, {
    error: (issue) => (issue.input === undefined ? 'required' : undefined),
  });
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  const shown = problems.slice(0, 5).join('; ');
  const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
  throw new ValidationError(`Invalid ${source}: ${shown}${more}`, { problems });
}

/** Reads and validates a sandbox file; a missing file, bad JSON or a bad record is a ValidationError. */
export async function loadSandboxFile(path: string): Promise<SandboxOrg> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ValidationError(`Cannot read sandbox file ${path}: ${(cause as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch (cause) {
    throw new ValidationError(`Sandbox file ${path} is not JSON: ${(cause as Error).message}`);
  }
  return parseSandboxOrg(data, `sandbox file ${path}`);
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(file)';
  return path
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

type ParsedShape = z.output<typeof SandboxOrgShape>;

// A dangling lookup would surface later as a confusing 204 or a half-empty analysis; the file author
// is the one who can fix it, so say exactly which record points where.
function referenceProblems(org: ParsedShape): Problem[] {
  const problems: Problem[] = [];
  const ids = {
    users: idsOf(org.users, 'users', problems),
    Accounts: idsOf(org.Accounts, 'Accounts', problems),
    Contacts: idsOf(org.Contacts, 'Contacts', problems),
    Deals: idsOf(org.Deals, 'Deals', problems),
    Tasks: idsOf(org.Tasks, 'Tasks', problems),
    Calls: idsOf(org.Calls, 'Calls', problems),
    Events: idsOf(org.Events, 'Events', problems),
    Notes: idsOf(org.Notes, 'Notes', problems),
  } satisfies Record<string, Set<string>>;
  idsOf(org.Stage_History, 'Stage_History', problems);

  const expect = (path: Problem['path'], id: string | undefined, module: keyof typeof ids) => {
    if (id !== undefined && !ids[module].has(id)) problems.push({ path, message: `no ${module} record with id ${id}` });
  };
  org.users.forEach((user, i) => {
    expect(['users', i, 'Reporting_To', 'id'], user.Reporting_To?.id, 'users');
  });
  for (const module of RECORD_MODULES) {
    org[module].forEach((record, i) => {
      expect([module, i, 'Owner', 'id'], record.Owner?.id, 'users');
    });
  }
  for (const module of ['Contacts', 'Deals'] as const) {
    org[module].forEach((record, i) => {
      expect([module, i, 'Account_Name', 'id'], record.Account_Name?.id, 'Accounts');
    });
  }
  org.Deals.forEach((deal, i) => {
    expect(['Deals', i, 'Contact_Name', 'id'], deal.Contact_Name?.id, 'Contacts');
  });
  for (const module of ['Tasks', 'Calls', 'Events'] as const) {
    org[module].forEach((activity, i) => {
      expect([module, i, 'Who_Id', 'id'], activity.Who_Id?.id, 'Contacts');
      if (!activity.What_Id) return;
      const target = activity.$se_module;
      if (!target) problems.push({ path: [module, i, '$se_module'], message: 'required when What_Id is set' });
      else if (isRecordModule(target)) expect([module, i, 'What_Id', 'id'], activity.What_Id.id, target);
    });
  }
  org.Notes.forEach((note, i) => {
    const target = note.Parent_Id.module.api_name;
    if (isRecordModule(target)) expect(['Notes', i, 'Parent_Id', 'id'], note.Parent_Id.id, target);
  });
  org.Stage_History.forEach((entry, i) => {
    expect(['Stage_History', i, 'Deal', 'id'], entry.Deal.id, 'Deals');
  });
  return problems;
}

function idsOf(records: readonly { id: string }[], module: string, problems: Problem[]): Set<string> {
  const seen = new Map<string, number>();
  records.forEach((record, i) => {
    const first = seen.get(record.id);
    if (first === undefined) seen.set(record.id, i);
    else problems.push({ path: [module, i, 'id'], message: `duplicate id ${record.id} (also ${module}[${first}])` });
  });
  return new Set(seen.keys());
}
