import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalContainer, openLocalContainer } from '../../../local/local-stack.ts';
import { loadSandboxFile } from '../../../local/zoho-sandbox/sandbox-org.ts';
import { applyCrmNotification, type CrmNotification } from '../../../shared/use-cases/apply-crm-notification.ts';
import { syncFull } from '../../../shared/use-cases/sync-full.ts';
import { tempHome } from '../../support/local-home.ts';

const fixture = new URL('../../fixtures/sandbox/small-org.json', import.meta.url).pathname;
const TOKEN = 'channel-verification-token-0001';
const ACCOUNT = '4876876000000001001';

describe('a Zoho notification', () => {
  let deps: LocalContainer;
  let remove: () => Promise<void>;
  let notification: CrmNotification;

  beforeAll(async () => {
    const home = await tempHome();
    remove = home.remove;
    deps = await openLocalContainer(home.config({ ZOHO_NOTIFICATION_TOKEN: TOKEN }));
    await deps.sandbox.store!.replace(await loadSandboxFile(fixture));
    await syncFull(deps);
    const owner = deps.sandbox.store!.users()[1]!;
    const [call] = await deps.sandbox.store!.create(
      'Calls',
      [
        {
          Subject: 'Quarterly check-in',
          Call_Type: 'Outbound',
          Call_Start_Time: '2026-11-23T10:00:00+00:00',
          Call_Duration: '12:00',
          What_Id: { id: ACCOUNT },
          $se_module: 'Accounts',
          Owner: { id: owner.id },
        },
      ],
      { id: owner.id, name: String(owner.full_name) },
    );
    notification = {
      channel_id: '1000000068001',
      module: 'Calls',
      operation: 'insert',
      ids: [call!.id],
      token: TOKEN,
      server_time: 1_764_000_000_000,
    };
  });
  afterAll(async () => {
    await deps.close();
    await remove();
  });

  it('is refused with a wrong token and changes nothing', async () => {
    await expect(
      applyCrmNotification(deps, {
        notification: { ...notification, token: 'not-the-token-0000000000' },
        expectedToken: TOKEN,
      }),
    ).rejects.toMatchObject({ status: 401 });
    const snapshot = await deps.copy.loadSnapshot(ACCOUNT);
    expect(snapshot?.activities.some((a) => a.id === notification.ids[0])).toBe(false);
  });

  it('fetches the changed record and writes it to the copy', async () => {
    const result = await applyCrmNotification(deps, { notification, expectedToken: TOKEN });
    expect(result).toMatchObject({ duplicate: false, applied: 1 });
    const snapshot = await deps.copy.loadSnapshot(ACCOUNT);
    expect(snapshot?.activities.find((a) => a.id === notification.ids[0])?.subject).toBe('Quarterly check-in');
  });

  it('applies a repeated notification only once', async () => {
    expect(await applyCrmNotification(deps, { notification, expectedToken: TOKEN })).toMatchObject({
      duplicate: true,
      applied: 0,
    });
  });
});

describe('a Zoho deletion notification', () => {
  it('hides the deleted record from the copy', async () => {
    const home = await tempHome();
    const deps = await openLocalContainer(home.config({ ZOHO_NOTIFICATION_TOKEN: TOKEN }));
    try {
      await deps.sandbox.store!.replace(await loadSandboxFile(fixture));
      await syncFull(deps);
      const contact = (await deps.copy.loadSnapshot(ACCOUNT))!.contacts[0]!;
      const notification = {
        channel_id: '1',
        module: 'Contacts',
        operation: 'delete',
        ids: [contact.id],
        token: TOKEN,
        server_time: 1,
      };
      expect(await applyCrmNotification(deps, { notification, expectedToken: TOKEN })).toMatchObject({ applied: 1 });
      expect((await deps.copy.loadSnapshot(ACCOUNT))!.contacts.map((c) => c.id)).not.toContain(contact.id);
    } finally {
      await deps.close();
      await home.remove();
    }
  });
});
