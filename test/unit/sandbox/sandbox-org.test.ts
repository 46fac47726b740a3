import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSandboxFile, parseSandboxOrg } from '../../../local/zoho-sandbox/sandbox-org.ts';
import { ValidationError } from '../../../shared/errors.ts';

const FIXTURE = new URL('../../fixtures/sandbox/small-org.json', import.meta.url).pathname;

async function fixture(): Promise<Record<string, Record<string, unknown>[]>> {
  return JSON.parse(await readFile(FIXTURE, 'utf8'));
}

describe('the sandbox file format', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sandbox-org-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function fileWith(content: unknown): Promise<string> {
    const path = join(dir, `${Math.random().toString(36).slice(2)}.json`);
    await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  }

  it('loads the hand-written small org with every module', async () => {
    const org = await loadSandboxFile(FIXTURE);
    expect(org.users).toHaveLength(5);
    expect(org.Accounts).toHaveLength(6);
    expect(org.Contacts.length).toBeGreaterThan(6);
    expect(org.Stage_History.length).toBeGreaterThan(org.Deals.length);
    expect(org.Notes.length).toBeGreaterThan(0);
  });

  it('keeps unknown fields such as custom fields and $ meta keys', async () => {
    const org = await loadSandboxFile(FIXTURE);
    const acme = org.Accounts.find((account) => account.Account_Name === 'Acme Analytics Inc.');
    expect(acme?.$sandbox_profile).toBe('healthy');
    expect(acme?.Last_Activity_Time).toBe('2026-11-20T17:05:00+00:00');
  });

  it('defaults the modules a file leaves out to empty lists', () => {
    const org = parseSandboxOrg({ users: [], Accounts: [] });
    expect(org.Deals).toEqual([]);
    expect(org.Stage_History).toEqual([]);
  });

  it('rejects a record without a required field, naming the record and the field', async () => {
    const org = await fixture();
    delete org.Accounts![3]!.Account_Name;
    const path = await fileWith(org);
    await expect(loadSandboxFile(path)).rejects.toThrow(/Accounts\[3\]\.Account_Name: required/);
  });

  it('rejects a malformed date, naming the field', async () => {
    const org = await fixture();
    org.Tasks![0]!.Due_Date = '12/11/2026';
    await expect(loadSandboxFile(await fileWith(org))).rejects.toThrow(/Tasks\[0\]\.Due_Date/);
  });

  it('rejects a lookup pointing at a record the file does not hold', async () => {
    const org = await fixture();
    org.Deals![0]!.Account_Name = { id: '999', name: 'Ghost Corp' };
    await expect(loadSandboxFile(await fileWith(org))).rejects.toThrow(
      /Deals\[0\]\.Account_Name\.id: no Accounts record with id 999/,
    );
  });

  it('rejects an activity linked with What_Id but no $se_module', async () => {
    const org = await fixture();
    delete org.Calls![1]!.$se_module;
    await expect(loadSandboxFile(await fileWith(org))).rejects.toThrow(
      /Calls\[1\]\.\$se_module: required when What_Id is set/,
    );
  });

  it('rejects two records of a module sharing an id', async () => {
    const org = await fixture();
    org.Contacts![1]!.id = org.Contacts![0]!.id;
    await expect(loadSandboxFile(await fileWith(org))).rejects.toThrow(/Contacts\[1\]\.id: duplicate id/);
  });

  it('rejects a file that is not JSON as a ValidationError', async () => {
    const path = await fileWith('{ "users": [');
    await expect(loadSandboxFile(path)).rejects.toBeInstanceOf(ValidationError);
  });

  it('rejects a file without users', async () => {
    await expect(loadSandboxFile(await fileWith({ Accounts: [] }))).rejects.toThrow(/users: required/);
  });
});
