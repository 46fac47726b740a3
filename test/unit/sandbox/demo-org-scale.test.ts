import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateDemoOrg } from '../../../local/zoho-sandbox/demo-org-generator.ts';
import type { SandboxOrg } from '../../../local/zoho-sandbox/sandbox-org.ts';

const AS_OF = new Date('2026-11-24T00:00:00Z');
const ACCOUNTS = 10_000;
const RECORD_MODULES = ['Accounts', 'Contacts', 'Deals', 'Tasks', 'Calls', 'Events', 'Notes', 'Stage_History'] as const;

/** sha256 of the org's JSON, fed module by module so no single 200 MB string is ever built. */
function hashOf(org: SandboxOrg): string {
  const hash = createHash('sha256');
  for (const [key, value] of Object.entries(org)) hash.update(`${key}:${JSON.stringify(value)}\n`);
  return hash.digest('hex');
}

// The scale target: 10,000 accounts with their related records, the same every time for a seed.
describe('the demo org generator at 10,000 accounts', () => {
  const org = generateDemoOrg({ accounts: ACCOUNTS, seed: 42, asOf: AS_OF });

  it('generates the same org twice for the same seed', () => {
    const again = generateDemoOrg({ accounts: ACCOUNTS, seed: 42, asOf: AS_OF });

    expect(hashOf(again)).toBe(hashOf(org));
  });

  it('generates exactly the accounts asked for, and more related records than accounts in every module', () => {
    expect(org.Accounts).toHaveLength(ACCOUNTS);
    for (const module of RECORD_MODULES.filter((m) => m !== 'Accounts')) {
      expect(org[module].length, module).toBeGreaterThan(ACCOUNTS);
    }
  });

  it('gives every record an id no other record has', () => {
    const ids = [org.users, ...RECORD_MODULES.map((module) => org[module])].flatMap((records) =>
      (records as readonly { id: string }[]).map((record) => record.id),
    );

    expect(new Set(ids).size).toBe(ids.length);
  });

  it('points every lookup at a record that exists', () => {
    const idsOf = (records: readonly { id: string }[]) => new Set(records.map((record) => record.id));
    const accounts = idsOf(org.Accounts);
    const deals = idsOf(org.Deals);
    const contacts = idsOf(org.Contacts);
    const users = idsOf(org.users);
    const idOf = (lookup: unknown) => (lookup as { id: string } | null | undefined)?.id;
    const dangling: string[] = [];
    const check = (record: { id: string }, field: string, lookup: unknown, among: Set<string>) => {
      const id = idOf(lookup);
      if (id !== undefined && !among.has(id)) dangling.push(`${record.id}.${field}`);
    };

    for (const module of RECORD_MODULES) for (const record of org[module]) check(record, 'Owner', record.Owner, users);
    for (const contact of org.Contacts) check(contact, 'Account_Name', contact.Account_Name, accounts);
    for (const deal of org.Deals) {
      check(deal, 'Account_Name', deal.Account_Name, accounts);
      check(deal, 'Contact_Name', deal.Contact_Name, contacts);
    }
    for (const entry of org.Stage_History) check(entry, 'Deal', entry.Deal, deals);
    for (const activity of [...org.Tasks, ...org.Calls, ...org.Events]) {
      check(activity, 'What_Id', activity.What_Id, activity.$se_module === 'Deals' ? deals : accounts);
      check(activity, 'Who_Id', activity.Who_Id, contacts);
    }
    for (const note of org.Notes) {
      const parent = note.Parent_Id as { module: { api_name: string } };
      check(note, 'Parent_Id', note.Parent_Id, parent.module.api_name === 'Deals' ? deals : accounts);
    }

    expect(dangling).toEqual([]);
  });
});
