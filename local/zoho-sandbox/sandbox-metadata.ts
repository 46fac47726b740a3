/**
 * The sandbox org's metadata, as `GET /settings/modules`, `GET /settings/fields?module=X` and
 * `GET /settings/related_lists?module=X` serve it (reference §1.3, §1.5, §8: the official SDK reads them
 * before records calls, so their shapes follow OAS-v8 `modules.json`, `fields.json` and
 * `related_lists.json`). Fixed rather than derived from the records: a Zoho org's layout does not change
 * because a record carries an unknown key.
 */
import { isRecordModule, RECORD_MODULES, type RecordModule } from './sandbox-org.ts';
import { RELATED_LISTS } from './sandbox-store.ts';
import { zohoId } from './zoho-formats.ts';

export const FIELD_DATA_TYPES = [
  'text',
  'textarea',
  'email',
  'phone',
  'website',
  'picklist',
  'lookup',
  'ownerlookup',
  'datetime',
  'date',
  'currency',
  'integer',
  'double',
  'boolean',
] as const;
export type FieldDataType = (typeof FIELD_DATA_TYPES)[number];

interface FieldSpec {
  type: FieldDataType;
  label?: string;
  values?: readonly string[];
  lookup?: RecordModule;
  custom?: boolean;
  readOnly?: boolean;
}

const STAGES = [
  'Qualification',
  'Needs Analysis',
  'Value Proposition',
  'Id. Decision Makers',
  'Proposal/Price Quote',
  'Negotiation/Review',
  'Closed Won',
  'Closed Lost',
];
const LEAD_SOURCES = [
  'Advertisement',
  'Cold Call',
  'Employee Referral',
  'External Referral',
  'Online Store',
  'Partner',
  'Public Relations',
  'Sales Email Alias',
  'Seminar Partner',
  'Internal Seminar',
  'Trade Show',
  'Web Download',
  'Web Research',
  'Chat',
  'Existing Customer',
];
const INDUSTRIES = [
  'Communications',
  'Construction',
  'Consulting',
  'Education',
  'Energy',
  'Financial Services',
  'Healthcare',
  'Hospitality',
  'Manufacturing',
  'Media',
  'Real Estate',
  'Retail',
  'Technology',
  'Transportation',
  'Other',
];

const owner: FieldSpec = { type: 'ownerlookup', label: 'Owner' };
const system: Record<string, FieldSpec> = {
  Created_By: { type: 'ownerlookup', readOnly: true },
  Modified_By: { type: 'ownerlookup', readOnly: true },
  Created_Time: { type: 'datetime', readOnly: true },
  Modified_Time: { type: 'datetime', readOnly: true },
  // The custom field Sergas writes on every record it creates, to find it again (idempotency).
  Sergas_Key: { type: 'text', label: 'Sergas Key', custom: true },
};
const activityLinks: Record<string, FieldSpec> = {
  // What_Id is polymorphic ($se_module names the module); Accounts is where Sergas points it.
  What_Id: { type: 'lookup', label: 'Related To', lookup: 'Accounts' },
  Who_Id: { type: 'lookup', label: 'Contact Name', lookup: 'Contacts' },
};

const FIELDS: Readonly<Record<RecordModule, Readonly<Record<string, FieldSpec>>>> = {
  Accounts: {
    Owner: owner,
    Account_Name: { type: 'text' },
    Account_Number: { type: 'text' },
    Account_Type: {
      type: 'picklist',
      values: [
        'Analyst',
        'Competitor',
        'Customer',
        'Distributor',
        'Integrator',
        'Investor',
        'Partner',
        'Press',
        'Prospect',
        'Reseller',
        'Supplier',
        'Vendor',
        'Other',
      ],
    },
    Industry: { type: 'picklist', values: INDUSTRIES },
    Rating: {
      type: 'picklist',
      values: ['Acquired', 'Active', 'Market Failed', 'Project Cancelled', 'Shut Down'],
    },
    Ownership: {
      type: 'picklist',
      values: [
        'Other',
        'Private',
        'Public',
        'Subsidiary',
        'Partnership',
        'Government',
        'Privately Held',
        'Public Company',
      ],
    },
    Annual_Revenue: { type: 'currency' },
    Employees: { type: 'integer' },
    Phone: { type: 'phone' },
    Website: { type: 'website' },
    Parent_Account: { type: 'lookup', lookup: 'Accounts' },
    Billing_Street: { type: 'text' },
    Billing_City: { type: 'text' },
    Billing_State: { type: 'text' },
    Billing_Code: { type: 'text' },
    Billing_Country: { type: 'text' },
    Description: { type: 'textarea' },
    Contract_End_Date: { type: 'date', label: 'Contract End Date', custom: true },
    ...system,
  },
  Contacts: {
    Owner: owner,
    Salutation: { type: 'picklist', values: ['Mr.', 'Mrs.', 'Ms.', 'Dr.', 'Prof.'] },
    First_Name: { type: 'text' },
    Last_Name: { type: 'text' },
    Full_Name: { type: 'text', readOnly: true },
    Title: { type: 'text' },
    Department: { type: 'text' },
    Email: { type: 'email' },
    Phone: { type: 'phone' },
    Mobile: { type: 'phone' },
    Account_Name: { type: 'lookup', lookup: 'Accounts' },
    Reporting_To: { type: 'lookup', lookup: 'Contacts' },
    Lead_Source: { type: 'picklist', values: LEAD_SOURCES },
    Email_Opt_Out: { type: 'boolean' },
    Date_of_Birth: { type: 'date' },
    Description: { type: 'textarea' },
    ...system,
  },
  Deals: {
    Owner: owner,
    Deal_Name: { type: 'text' },
    Account_Name: { type: 'lookup', lookup: 'Accounts' },
    Contact_Name: { type: 'lookup', lookup: 'Contacts' },
    Stage: { type: 'picklist', values: STAGES },
    Pipeline: { type: 'picklist', values: ['Standard (Standard)'] },
    Type: { type: 'picklist', values: ['Existing Business', 'New Business'] },
    Amount: { type: 'currency' },
    Probability: { type: 'integer', label: 'Probability (%)' },
    Expected_Revenue: { type: 'currency', readOnly: true },
    Closing_Date: { type: 'date' },
    Lead_Source: { type: 'picklist', values: LEAD_SOURCES },
    Next_Step: { type: 'text' },
    Reason_For_Loss__s: {
      type: 'picklist',
      values: ['Lost to Competitor', 'Budget constraints', 'No decision', 'Price', 'Other'],
    },
    Description: { type: 'textarea' },
    ...system,
  },
  Tasks: {
    Owner: owner,
    Subject: { type: 'text' },
    Due_Date: { type: 'date' },
    Status: {
      type: 'picklist',
      values: ['Not Started', 'Deferred', 'In Progress', 'Completed', 'Waiting on someone else'],
    },
    Priority: { type: 'picklist', values: ['Highest', 'High', 'Normal', 'Low', 'Lowest'] },
    ...activityLinks,
    Closed_Time: { type: 'datetime', readOnly: true },
    Description: { type: 'textarea' },
    ...system,
  },
  Calls: {
    Owner: owner,
    Subject: { type: 'text' },
    Call_Type: { type: 'picklist', values: ['Outbound', 'Inbound', 'Missed'] },
    Call_Purpose: {
      type: 'picklist',
      values: ['Prospecting', 'Administrative', 'Negotiation', 'Demo', 'Project', 'Desk'],
    },
    Call_Start_Time: { type: 'datetime' },
    Call_Duration: { type: 'text' },
    Call_Duration_in_seconds: { type: 'integer', readOnly: true },
    Call_Result: {
      type: 'picklist',
      values: [
        'Interested',
        'Not interested',
        'No response/Busy',
        'Requested more info',
        'Requested call back',
        'Invalid number',
        'Follow-up scheduled',
      ],
    },
    Outgoing_Call_Status: { type: 'picklist', values: ['Scheduled', 'Completed', 'Overdue', 'Cancelled'] },
    ...activityLinks,
    Description: { type: 'textarea' },
    ...system,
  },
  Events: {
    Owner: owner,
    Event_Title: { type: 'text' },
    Start_DateTime: { type: 'datetime' },
    End_DateTime: { type: 'datetime' },
    All_day: { type: 'boolean' },
    Venue: { type: 'text' },
    ...activityLinks,
    Description: { type: 'textarea' },
    ...system,
  },
  Notes: {
    Owner: owner,
    Note_Title: { type: 'text' },
    Note_Content: { type: 'textarea' },
    Parent_Id: { type: 'lookup', label: 'Parent ID', lookup: 'Accounts' },
    ...system,
  },
};

/** Zoho's mandatory fields on create (reference §1.3), which metadata reports as system_mandatory. */
export const MANDATORY_FIELDS: Readonly<Record<RecordModule, readonly string[]>> = {
  Accounts: ['Account_Name'],
  Contacts: ['Last_Name'],
  Deals: ['Deal_Name', 'Stage'],
  Tasks: ['Subject'],
  Calls: ['Subject', 'Call_Type', 'Call_Start_Time', 'Call_Duration'],
  Events: ['Event_Title', 'Start_DateTime', 'End_DateTime'],
  Notes: ['Note_Content', 'Parent_Id'],
};

const LABELS: Readonly<Record<RecordModule, { singular: string; plural: string }>> = {
  Accounts: { singular: 'Account', plural: 'Accounts' },
  Contacts: { singular: 'Contact', plural: 'Contacts' },
  Deals: { singular: 'Deal', plural: 'Deals' },
  Tasks: { singular: 'Task', plural: 'Tasks' },
  Calls: { singular: 'Call', plural: 'Calls' },
  // The Events module is "Meetings" in the UI (reference §1.2).
  Events: { singular: 'Meeting', plural: 'Meetings' },
  Notes: { singular: 'Note', plural: 'Notes' },
};

const JSON_TYPES: Readonly<Record<FieldDataType, string>> = {
  text: 'string',
  textarea: 'string',
  email: 'string',
  phone: 'string',
  website: 'string',
  picklist: 'string',
  lookup: 'jsonobject',
  ownerlookup: 'jsonobject',
  datetime: 'string',
  date: 'string',
  currency: 'double',
  integer: 'integer',
  double: 'double',
  boolean: 'boolean',
};

const LENGTHS: Partial<Record<FieldDataType, number>> = {
  text: 255,
  textarea: 32000,
  email: 100,
  phone: 30,
  website: 255,
  picklist: 120,
  integer: 9,
  currency: 16,
};

// Metadata ids are stable per name, so a client caching them by id sees the same id every run.
const MODULE_IDS = new Map(RECORD_MODULES.map((module, i) => [module, zohoId(100 + i)]));
const moduleId = (module: RecordModule) => MODULE_IDS.get(module) ?? zohoId(99);
const FIELD_IDS = new Map<string, string>();
let fieldSequence = 1000;
const fieldId = (key: string) => {
  let id = FIELD_IDS.get(key);
  if (!id) {
    id = zohoId(fieldSequence++);
    FIELD_IDS.set(key, id);
  }
  return id;
};
for (const module of RECORD_MODULES) {
  for (const [name, spec] of Object.entries(FIELDS[module])) {
    fieldId(`${module}.${name}`);
    if (spec.lookup) fieldId(`${module}.${name}.lookup`);
    for (const value of spec.values ?? []) fieldId(`${module}.${name}=${value}`);
  }
}
// Related-list ids come after every field's, so adding them left the field ids as they were.
for (const module of RECORD_MODULES) {
  for (const name of Object.keys(RELATED_LISTS[module])) fieldId(`${module}/${name}`);
}

/** One module as `GET /settings/modules` lists it. */
export function moduleMetadata(module: RecordModule, sequence: number): Record<string, unknown> {
  const { singular, plural } = LABELS[module];
  return {
    id: moduleId(module),
    api_name: module,
    module_name: plural,
    singular_label: singular,
    plural_label: plural,
    api_supported: true,
    generated_type: 'default',
    creatable: true,
    editable: true,
    deletable: true,
    viewable: true,
    visible: true,
    status: 'visible',
    sequence_number: sequence,
    modified_time: null,
  };
}

/** Every module the sandbox serves, in the order Zoho's tabs show them. */
export function modulesMetadata(): Record<string, unknown>[] {
  return RECORD_MODULES.map((module, i) => moduleMetadata(module, i + 1));
}

/** The API names of a module's fields. */
export function fieldNames(module: RecordModule): string[] {
  return Object.keys(FIELDS[module]);
}

/** A module's field metadata as `GET /settings/fields?module=X` serves it. */
export function fieldsMetadata(module: RecordModule): Record<string, unknown>[] {
  return Object.entries(FIELDS[module]).map(([apiName, spec]) => {
    const label = spec.label ?? apiName.replace(/__s$/, '').replace(/_/g, ' ');
    return {
      id: fieldId(`${module}.${apiName}`),
      api_name: apiName,
      field_label: label,
      display_label: label,
      data_type: spec.type,
      json_type: JSON_TYPES[spec.type],
      system_mandatory: MANDATORY_FIELDS[module].includes(apiName),
      custom_field: spec.custom ?? false,
      read_only: spec.readOnly ?? false,
      field_read_only: spec.readOnly ?? false,
      visible: true,
      length: LENGTHS[spec.type] ?? null,
      formula: {},
      pick_list_values: (spec.values ?? []).map((value, i) => ({
        display_value: value,
        actual_value: value,
        id: fieldId(`${module}.${apiName}=${value}`),
        sequence_number: i + 1,
        type: 'used',
      })),
      lookup: spec.lookup
        ? {
            display_label: label,
            api_name: apiName,
            module: { api_name: spec.lookup, id: moduleId(spec.lookup) },
            id: fieldId(`${module}.${apiName}.lookup`),
          }
        : {},
    };
  });
}

/** The data type of a module's field, when the metadata knows the field. */
export function fieldType(module: RecordModule, apiName: string): FieldDataType | undefined {
  return FIELDS[module][apiName]?.type;
}

/**
 * A module's related lists as `GET /settings/related_lists?module=X` serves it: the lists RELATED_LISTS
 * serves, each with the `href` to call it by (Zoho writes the parent's id as `{ENTITYID}`) and the module
 * its records belong to. Stage_History is no module of the org (no `/settings/fields` of its own), so its
 * `module` is null, which the SDK reads as "no field metadata to fetch".
 */
export function relatedListsMetadata(module: RecordModule): Record<string, unknown>[] {
  return Object.entries(RELATED_LISTS[module]).map(([apiName, list], i) => {
    const label = isRecordModule(list.module) ? LABELS[list.module].plural : apiName.replace(/_/g, ' ');
    return {
      id: fieldId(`${module}/${apiName}`),
      sequence_number: String(i + 1),
      display_label: label,
      api_name: apiName,
      module: isRecordModule(list.module) ? { api_name: list.module, id: moduleId(list.module) } : null,
      name: label,
      action: null,
      href: `${module}/{ENTITYID}/${apiName}`,
      type: 'default',
      connectedmodule: null,
      linkingmodule: null,
    };
  });
}
