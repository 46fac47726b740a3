import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadSandboxFile, type SandboxOrg } from '../../../local/zoho-sandbox/sandbox-org.ts';
import { ZOHO_FIELDS } from '../../../shared/domain/zoho-mapping.ts';
import { type RunningSandbox, SMALL_ORG_FILE, startSandbox } from './sandbox-harness.ts';

let org: SandboxOrg;
beforeAll(async () => {
  org = await loadSandboxFile(SMALL_ORG_FILE);
});

describe('the REST client on an incremental sync’s requests', () => {
  let sandbox: RunningSandbox | undefined;
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  /** A client whose requests' If-Modified-Since headers are recorded. */
  async function recordingClient() {
    sandbox = await startSandbox(org);
    const sent: (string | null)[] = [];
    const recording: typeof fetch = (input, init) => {
      sent.push(new Headers(init?.headers).get('if-modified-since'));
      return fetch(input, init);
    };
    return { ...sandbox.client({ fetch: recording }), sent };
  }

  const latestAccountChange = () => new Date(Math.max(...org.Accounts.map((a) => Date.parse(String(a.Modified_Time)))));

  it('sends If-Modified-Since as ISO 8601 with an offset', async () => {
    const { client, sent } = await recordingClient();
    await client.listRecords('Accounts', { fields: ZOHO_FIELDS.Accounts, ifModifiedSince: latestAccountChange() });
    expect(sent).toContain(`${latestAccountChange().toISOString().slice(0, 19)}+00:00`);
  });

  it('reports a 304 as not modified, with no records', async () => {
    const { client } = await recordingClient();
    const page = await client.listRecords('Accounts', {
      fields: ZOHO_FIELDS.Accounts,
      ifModifiedSince: latestAccountChange(),
    });
    expect(page).toMatchObject({ records: [], moreRecords: false, notModified: true });
  });

  it('lists only the records modified after If-Modified-Since', async () => {
    const { client } = await recordingClient();
    const since = new Date(latestAccountChange().getTime() - 1000);
    const page = await client.listRecords('Accounts', { fields: ZOHO_FIELDS.Accounts, ifModifiedSince: since });
    expect(page.notModified).toBe(false);
    expect(page.records.map((r) => r.id)).toEqual(
      org.Accounts.filter((a) => Date.parse(String(a.Modified_Time)) > since.getTime()).map((a) => a.id),
    );
  });

  it('reads the deletion log with who deleted each record and when', async () => {
    const { client } = await recordingClient();
    const task = org.Tasks[0]!;
    const [user] = org.users;
    await sandbox!.store.delete('Tasks', [task.id], { id: user!.id, name: user!.full_name });

    const page = await client.deletedRecords('Tasks', { page: 1 });

    const entry = sandbox!.store.deleted('Tasks')[0]!;
    expect(page).toEqual({
      records: [
        { id: task.id, deletedTime: new Date(entry.deleted_time), deletedBy: { id: user!.id, name: user!.full_name } },
      ],
      moreRecords: false,
    });
  });

  it('answers an empty page when nothing was deleted (204) or nothing since (304)', async () => {
    const { client } = await recordingClient();
    expect(await client.deletedRecords('Calls', { page: 1 })).toEqual({ records: [], moreRecords: false });
    const [user] = org.users;
    await sandbox!.store.delete('Calls', [org.Calls[0]!.id], { id: user!.id, name: user!.full_name });
    const later = new Date(Date.now() + 3600_000);
    expect(await client.deletedRecords('Calls', { page: 1, since: later })).toEqual({
      records: [],
      moreRecords: false,
    });
  });
});
