import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSandboxFile, type SandboxOrg } from '../../../local/zoho-sandbox/sandbox-org.ts';
import { SandboxStore } from '../../../local/zoho-sandbox/sandbox-store.ts';
import { ValidationError } from '../../../shared/errors.ts';

const FIXTURE = new URL('../../fixtures/sandbox/small-org.json', import.meta.url).pathname;
const ACME = '4876876000000001001';
const NOW = new Date('2026-11-24T09:30:00Z');
const BY = { id: '4876876000000000102', name: 'Tom Becker' };

describe('SandboxStore', () => {
  let dir: string;
  let org: SandboxOrg;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sandbox-store-'));
    org = await loadSandboxFile(FIXTURE);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('opens an empty org when the directory holds no org.json', async () => {
    const store = await SandboxStore.open(join(dir, 'fresh'));
    expect(store.isEmpty).toBe(true);
    expect(store.list('Accounts')).toEqual([]);
  });

  it('stamps created records with a new 19-digit id, the store clock and the author', async () => {
    const store = await SandboxStore.open(dir, { now: () => NOW });
    await store.replace(org);
    const [task] = await store.create('Tasks', [{ Subject: 'Call Laura', id: 'mine', Created_Time: 'whenever' }], BY);
    expect(task?.id).toMatch(/^\d{19}$/);
    expect(store.get('Tasks', task!.id)).toMatchObject({
      Created_Time: '2026-11-24T09:30:00+00:00',
      Modified_Time: '2026-11-24T09:30:00+00:00',
      Owner: { id: BY.id, name: 'Tom Becker', email: 'tom.becker@northpeak.io' },
      Created_By: { id: BY.id },
    });
  });

  it('never reuses an id the org already holds', async () => {
    const store = await SandboxStore.open(dir);
    await store.replace(org);
    const existing = new Set(Object.values(org).flatMap((records) => (records as { id: string }[]).map((r) => r.id)));
    const created = await store.create('Notes', [{ Note_Content: 'a' }, { Note_Content: 'b' }], BY);
    for (const record of created) expect(existing.has(record.id)).toBe(false);
    expect(new Set(created.map((record) => record.id)).size).toBe(2);
  });

  it('persists every write, in order, even when writes overlap', async () => {
    const store = await SandboxStore.open(dir);
    await store.replace(org);
    await Promise.all(Array.from({ length: 5 }, (_, i) => store.create('Tasks', [{ Subject: `Task ${i}` }], BY)));
    const saved = JSON.parse(await readFile(join(dir, 'org.json'), 'utf8'));
    expect(saved.Tasks.length).toBe(org.Tasks.length + 5);
  });

  it('rejects an invalid org on replace and keeps the one it had', async () => {
    const store = await SandboxStore.open(dir);
    await store.replace(org);
    const broken = { ...org, Accounts: [{ id: 'x' }] } as unknown as SandboxOrg;
    await expect(store.replace(broken)).rejects.toBeInstanceOf(ValidationError);
    expect(store.list('Accounts')).toHaveLength(6);
  });

  it('refuses to open a directory whose org.json is invalid', async () => {
    await writeFile(join(dir, 'org.json'), JSON.stringify({ users: [], Accounts: [{ id: '1' }] }));
    await expect(SandboxStore.open(dir)).rejects.toThrow(/Accounts\[0\]\.Account_Name: required/);
  });

  it("serves an account's related lists and searches", async () => {
    const store = await SandboxStore.open(dir);
    await store.replace(org);
    expect(store.related('Accounts', ACME, 'Deals')?.map((deal) => deal.Deal_Name)).toHaveLength(2);
    expect(store.related('Accounts', ACME, 'Invoices')).toBeUndefined();
    expect(store.search('Contacts', '(Last_Name:equals:Chen)').map((contact) => contact.Full_Name)).toEqual([
      'Laura Chen',
    ]);
  });
  it('updates records in place, ignoring system fields, and says undefined for an unknown id', async () => {
    const store = await SandboxStore.open(dir, { now: () => NOW });
    await store.replace(org);
    const [updated, missing] = await store.update(
      'Accounts',
      [
        { id: ACME, Rating: 'Active', Created_Time: 'whenever' },
        { id: 'nope', Rating: 'Active' },
      ],
      BY,
    );
    expect(missing).toBeUndefined();
    expect(updated).toMatchObject({ Rating: 'Active', Modified_Time: '2026-11-24T09:30:00+00:00' });
    expect(updated?.Created_Time).not.toBe('whenever');
    expect(updated?.Modified_By).toMatchObject({ id: BY.id });
  });

  it('deletes to a logged recycle bin that survives reopening, and leaves no dangling lookups', async () => {
    const store = await SandboxStore.open(dir, { now: () => NOW });
    await store.replace(org);
    const [entry, missing] = await store.delete('Accounts', [ACME, 'nope'], BY);
    expect(missing).toBeUndefined();
    expect(entry).toMatchObject({ id: ACME, display_name: 'Acme Analytics Inc.', type: 'recycle' });
    expect(store.get('Accounts', ACME)).toBeUndefined();
    // Reopening validates every lookup in org.json, so this also proves none points at Acme any more.
    const reopened = await SandboxStore.open(dir);
    expect(reopened.deleted('Accounts')).toEqual([entry]);
    expect(reopened.deleted('Notes').length).toBeGreaterThan(0);
  });
});
