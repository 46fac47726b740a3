import { describe, expect, it } from 'vitest';
import {
  type AccountLinks,
  toAccount,
  toActivity,
  toContact,
  toDeal,
  toNote,
  toOwner,
  toStageEntry,
} from '../../../shared/domain/zoho-mapping.ts';

// Shapes as Zoho CRM v8 returns them (lookups {name,id}, owners {name,id,email}, `$` meta keys, DateTimes
// with the user's offset), trimmed to the fields the sync requests.
const owner = { name: 'Priya Raman', id: '7328395000000412001', email: 'priya.raman@example.com' };

const zohoAccount = {
  id: '7328395000000680197',
  Account_Name: 'Northwind Traders',
  Owner: owner,
  Rating: 'Active',
  Account_Type: 'Customer',
  Industry: 'Distribution',
  Annual_Revenue: 1250000,
  Employees: 240,
  Contract_End_Date: '2027-02-28',
  Parent_Account: null,
  Website: 'https://northwind.example.com',
  Created_Time: '2025-03-04T09:12:45+05:30',
  Modified_Time: '2026-11-20T16:40:02+05:30',
  $editable: true,
  $approval_state: 'approved',
  Tag: [],
};

const zohoContact = {
  id: '7328395000000681001',
  First_Name: 'Marta',
  Last_Name: 'Okafor',
  Full_Name: 'Marta Okafor',
  Account_Name: { name: 'Northwind Traders', id: zohoAccount.id },
  Email: 'marta.okafor@northwind.example.com',
  Phone: null,
  Mobile: '+44 7700 900123',
  Title: 'Head of Procurement',
  Owner: owner,
  Modified_Time: '2026-10-02T11:00:00+01:00',
};

const zohoDeal = {
  id: '7328395000000682001',
  Deal_Name: 'Northwind — 2027 renewal',
  Stage: 'Negotiation/Review',
  Amount: 84000,
  Probability: 75,
  Closing_Date: '2026-12-15',
  Account_Name: { name: 'Northwind Traders', id: zohoAccount.id },
  Contact_Name: { name: 'Marta Okafor', id: zohoContact.id },
  Owner: owner,
  Created_Time: '2026-08-01T10:00:00+00:00',
  Modified_Time: '2026-11-18T14:05:00+00:00',
};

const zohoTask = {
  id: '7328395000000683001',
  Subject: 'Send revised pricing',
  Status: 'Not Started',
  Priority: 'High',
  Due_Date: '2026-11-28',
  Closed_Time: null,
  Description: 'Marta asked for a 3-year option.',
  What_Id: { name: 'Northwind — 2027 renewal', id: zohoDeal.id },
  $se_module: 'Deals',
  Who_Id: { name: 'Marta Okafor', id: zohoContact.id },
  Owner: owner,
  Created_By: { name: 'Priya Raman', id: owner.id },
  Created_Time: '2026-11-19T08:30:00+00:00',
  Modified_Time: '2026-11-19T08:30:00+00:00',
};

const zohoCall = {
  id: '7328395000000684001',
  Subject: 'Quarterly check-in',
  Call_Type: 'Outbound',
  Call_Start_Time: '2026-11-10T15:00:00+00:00',
  Call_Duration: '22:00',
  Call_Result: 'Interested',
  Description: null,
  What_Id: { name: 'Northwind Traders', id: zohoAccount.id },
  $se_module: 'Accounts',
  Who_Id: null,
  Owner: owner,
  Created_Time: '2026-11-10T15:30:00+00:00',
  Modified_Time: '2026-11-10T15:30:00+00:00',
};

const zohoEvent = {
  id: '7328395000000685001',
  Event_Title: 'Contract review with procurement',
  Start_DateTime: '2026-11-25T10:00:00+00:00',
  End_DateTime: '2026-11-25T11:00:00+00:00',
  What_Id: null,
  $se_module: null,
  Who_Id: { name: 'Marta Okafor', id: zohoContact.id },
  Owner: owner,
  Created_Time: '2026-11-12T09:00:00+00:00',
  Modified_Time: '2026-11-12T09:00:00+00:00',
};

const zohoNote = {
  id: '7328395000000686001',
  Note_Title: null,
  Note_Content: 'Budget freeze until Q1.\nThey are evaluating alternatives.',
  Parent_Id: { name: 'Northwind — 2027 renewal', id: zohoDeal.id, module: { api_name: 'Deals', id: '73283950000000' } },
  Owner: owner,
  Created_Time: '2026-11-21T12:00:00+00:00',
  Modified_Time: '2026-11-21T12:00:00+00:00',
};

const links: AccountLinks = {
  accountOfDeal: (id) => (id === zohoDeal.id ? zohoAccount.id : undefined),
  accountOfContact: (id) => (id === zohoContact.id ? zohoAccount.id : undefined),
};

function mapped<T>(result: { ok: true; value: T } | { ok: false; issue: unknown }): T {
  if (!result.ok) throw new Error(`expected a mapped record, got ${JSON.stringify(result.issue)}`);
  return result.value;
}

describe('accounts', () => {
  it('takes the status from Rating and the renewal date from Contract_End_Date', () => {
    const account = mapped(toAccount(zohoAccount));
    expect(account.status).toBe('Active');
    expect(account.renewalDate).toEqual(new Date('2027-02-28T00:00:00Z'));
  });

  it('keeps the owner id and name and reads DateTimes with their offset', () => {
    const account = mapped(toAccount(zohoAccount));
    expect([account.ownerId, account.ownerName]).toEqual([owner.id, owner.name]);
    expect(account.createdAt).toEqual(new Date('2025-03-04T03:42:45Z'));
  });

  it('treats the "-None-" picklist entry as no status', () => {
    expect(mapped(toAccount({ ...zohoAccount, Rating: '-None-' })).status).toBeNull();
  });

  it('has no renewal date when the org has no Contract_End_Date field', () => {
    const { Contract_End_Date: _, ...withoutField } = zohoAccount;
    expect(mapped(toAccount(withoutField)).renewalDate).toBeNull();
  });

  it('reports a record without an owner by module, id and field', () => {
    const { Owner: _, ...withoutOwner } = zohoAccount;
    const result = toAccount(withoutOwner);
    expect(result).toMatchObject({ ok: false, issue: { module: 'Accounts', id: zohoAccount.id, field: 'Owner' } });
  });

  it('reports a DateTime without an offset instead of guessing its zone', () => {
    const result = toAccount({ ...zohoAccount, Modified_Time: '2026-11-20T16:40:02' });
    expect(result).toMatchObject({ ok: false, issue: { field: 'Modified_Time' } });
  });
});

describe('owners', () => {
  it('maps a Zoho user with role, manager and time zone', () => {
    const user = {
      id: owner.id,
      full_name: 'Priya Raman',
      email: owner.email,
      role: { name: 'Sales Rep', id: '7328395000000026005' },
      time_zone: 'Europe/London',
      Reporting_To: { name: 'Dana Whitfield', id: '7328395000000412000' },
      status: 'active',
    };
    expect(mapped(toOwner(user))).toEqual({
      id: owner.id,
      name: 'Priya Raman',
      email: owner.email,
      role: 'Sales Rep',
      managerId: '7328395000000412000',
      timeZone: 'Europe/London',
    });
  });
});

describe('contacts', () => {
  it('belongs to the account of its Account_Name lookup', () => {
    expect(mapped(toContact(zohoContact)).accountId).toBe(zohoAccount.id);
  });

  it('falls back to the mobile number when there is no phone', () => {
    expect(mapped(toContact(zohoContact)).phone).toBe('+44 7700 900123');
  });

  it('builds the full name when Zoho leaves Full_Name out', () => {
    const { Full_Name: _, ...withoutFullName } = zohoContact;
    expect(mapped(toContact(withoutFullName)).fullName).toBe('Marta Okafor');
  });
});

describe('deals', () => {
  it('keeps stage, amount, closing date and account, with no stage-entry date of its own', () => {
    expect(mapped(toDeal(zohoDeal))).toMatchObject({
      stage: 'Negotiation/Review',
      amount: 84000,
      closingDate: new Date('2026-12-15T00:00:00Z'),
      accountId: zohoAccount.id,
      stageEnteredAt: null,
    });
  });

  it('reports a deal without a stage', () => {
    expect(toDeal({ ...zohoDeal, Stage: null })).toMatchObject({
      ok: false,
      issue: { module: 'Deals', field: 'Stage' },
    });
  });

  it('reads a Stage_History row as the moment the deal entered that stage', () => {
    const row = { id: '7328395000000687001', Stage: 'Negotiation/Review', Modified_Time: '2026-10-01T09:00:00+00:00' };
    expect(mapped(toStageEntry(zohoDeal.id, row))).toEqual({
      dealId: zohoDeal.id,
      stage: 'Negotiation/Review',
      enteredAt: new Date('2026-10-01T09:00:00Z'),
    });
  });
});

describe('tasks', () => {
  it('counts for the account of the deal it is attached to', () => {
    expect(mapped(toActivity('Tasks', zohoTask, links)).activity.accountId).toBe(zohoAccount.id);
  });

  it('is open until its status is Completed', () => {
    expect(mapped(toActivity('Tasks', zohoTask, links)).activity.isOpen).toBe(true);
    const done = { ...zohoTask, Status: 'Completed', Closed_Time: '2026-11-21T17:00:00+00:00' };
    expect(mapped(toActivity('Tasks', done, links)).activity.isOpen).toBe(false);
  });

  it('happened when it was closed, or when it was created while still open', () => {
    expect(mapped(toActivity('Tasks', zohoTask, links)).activity.occurredAt).toEqual(new Date(zohoTask.Created_Time));
    const done = { ...zohoTask, Status: 'Completed', Closed_Time: '2026-11-21T17:00:00+00:00' };
    expect(mapped(toActivity('Tasks', done, links)).activity.occurredAt).toEqual(new Date('2026-11-21T17:00:00Z'));
  });

  it('keeps the What_Id link as Zoho gave it', () => {
    expect(mapped(toActivity('Tasks', zohoTask, links))).toMatchObject({ whatModule: 'Deals', whatId: zohoDeal.id });
  });

  it('counts for no account when its deal is unknown', () => {
    const orphan = { ...zohoTask, What_Id: { name: 'Gone', id: '7328395000000999999' }, Who_Id: null };
    expect(mapped(toActivity('Tasks', orphan, links)).activity.accountId).toBeNull();
  });
});

describe('calls and meetings', () => {
  it('a call on an account counts for it directly and happened at its start', () => {
    const { activity } = mapped(toActivity('Calls', zohoCall, links));
    expect(activity).toMatchObject({ kind: 'call', module: 'Calls', accountId: zohoAccount.id, isOpen: false });
    expect(activity.occurredAt).toEqual(new Date('2026-11-10T15:00:00Z'));
  });

  it('a meeting with only a contact counts for that contact’s account and happened at its start', () => {
    const { activity } = mapped(toActivity('Events', zohoEvent, links));
    expect(activity).toMatchObject({ kind: 'event', subject: 'Contract review with procurement' });
    expect(activity.accountId).toBe(zohoAccount.id);
    expect(activity.occurredAt).toEqual(new Date('2026-11-25T10:00:00Z'));
  });

  it('reports a call without a start time', () => {
    expect(toActivity('Calls', { ...zohoCall, Call_Start_Time: null }, links)).toMatchObject({
      ok: false,
      issue: { module: 'Calls', id: zohoCall.id, field: 'Call_Start_Time' },
    });
  });
});

describe('notes', () => {
  it('counts for the account of its parent record, as a note activity of module Notes', () => {
    const { activity, parentModule, parentId } = mapped(toNote(zohoNote, links));
    expect(activity).toMatchObject({ kind: 'note', module: 'Notes', accountId: zohoAccount.id });
    expect([parentModule, parentId]).toEqual(['Deals', zohoDeal.id]);
  });

  it('uses the first line of an untitled note as its subject and keeps the whole text', () => {
    const { activity } = mapped(toNote(zohoNote, links));
    expect(activity.subject).toBe('Budget freeze until Q1.');
    expect(activity.description).toBe(zohoNote.Note_Content);
  });

  it('reports a note in the v2 shape (Parent_Id as a bare id)', () => {
    expect(toNote({ ...zohoNote, Parent_Id: zohoDeal.id }, links)).toMatchObject({
      ok: false,
      issue: { module: 'Notes', field: 'Parent_Id' },
    });
  });
});
