import { describe, expect, it } from 'vitest';
import { InlineNotificationInbox } from '../../../shared/adapters/inbox/inline-notification-inbox.ts';
import { loadConfig } from '../../../shared/config/config.ts';
import type {
  CrmNotification,
  InboxReceipt,
  NotificationInbox,
  VerifiedCrmNotification,
} from '../../../shared/ports/notification-inbox.ts';
import { openNotificationInbox } from '../../../shared/runtime/container.ts';
import type { ApplyNotificationDeps } from '../../../shared/use-cases/apply-crm-notification.ts';
import { receiveCrmNotification } from '../../../shared/use-cases/receive-crm-notification.ts';

const TOKEN = 'channel-verification-token-0001';
// As Zoho posts it, with the fields Sergas does not use (affected field values can carry personal data).
const posted = {
  channel_id: '1000000068001',
  module: 'Contacts',
  operation: 'update',
  ids: ['4876876000000002001'],
  token: TOKEN,
  server_time: 1_764_158_400_123,
  resource_uri: 'https://www.zohoapis.eu/crm/v8/Contacts',
  affected_fields: [{ Email: 'laura.chen@acmeanalytics.com' }],
  query_params: {},
} as CrmNotification;

/** An inbox that keeps what it was given and says it queued it. */
function recordingInbox(): NotificationInbox & { accepted: VerifiedCrmNotification[] } {
  const accepted: VerifiedCrmNotification[] = [];
  return {
    accepted,
    accept: async (notification): Promise<InboxReceipt> => {
      accepted.push(notification);
      return { status: 'queued', messageId: `m-${accepted.length}` };
    },
  };
}

describe('receiving a Zoho notification', () => {
  it.each([
    ['a wrong token', 'not-the-registered-token-00000', TOKEN],
    ['no registered token', TOKEN, null],
  ])('refuses %s with 401 and hands nothing on', async (_case, token, expectedToken) => {
    const inbox = recordingInbox();
    await expect(
      receiveCrmNotification({ notificationInbox: inbox }, { notification: { ...posted, token }, expectedToken }),
    ).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(inbox.accepted).toEqual([]);
  });

  it('hands on only what applying needs: no token, no affected field values', async () => {
    const inbox = recordingInbox();
    const receipt = await receiveCrmNotification(
      { notificationInbox: inbox },
      { notification: posted, expectedToken: TOKEN },
    );
    expect(receipt).toEqual({ status: 'queued', messageId: 'm-1' });
    expect(inbox.accepted).toEqual([
      {
        channel_id: '1000000068001',
        module: 'Contacts',
        operation: 'update',
        ids: ['4876876000000002001'],
        server_time: 1_764_158_400_123,
      },
    ]);
  });

  it('applies at once without a queue, answering with what was applied', async () => {
    const inbox = new InlineNotificationInbox(async (notification) => ({
      duplicate: false,
      applied: notification.ids.length,
      skipped: [],
    }));
    expect(
      await receiveCrmNotification({ notificationInbox: inbox }, { notification: posted, expectedToken: TOKEN }),
    ).toEqual({ status: 'applied', result: { duplicate: false, applied: 1, skipped: [] } });
  });

  it('is the inline inbox unless ZOHO_NOTIFICATION_QUEUE_URL names a queue', () => {
    expect(loadConfig({}).notificationInbox).toEqual({ kind: 'inline' });
    expect(openNotificationInbox(loadConfig({}), {} as ApplyNotificationDeps)).toBeInstanceOf(InlineNotificationInbox);
    const queueUrl = 'https://sqs.eu-west-1.amazonaws.com/123456789012/sergas-prod-zoho-notifications';
    expect(loadConfig({ ZOHO_NOTIFICATION_QUEUE_URL: queueUrl, AWS_REGION: 'eu-west-1' }).notificationInbox).toEqual({
      kind: 'sqs',
      queueUrl,
      region: 'eu-west-1',
    });
    expect(() => loadConfig({ ZOHO_NOTIFICATION_QUEUE_URL: 'not a url' })).toThrow(/ZOHO_NOTIFICATION_QUEUE_URL/);
  });
});
