import { describe, expect, it } from 'vitest';
import type { FanOutNotifier } from '../../../shared/adapters/notifications/fan-out-notifier.ts';
import { loadConfig } from '../../../shared/config/config.ts';
import type { Db } from '../../../shared/ports/db.ts';
import { openNotifications } from '../../../shared/runtime/container.ts';
import { approvalUrl } from '../../../shared/use-cases/notify-approval.ts';

const db = { kind: 'pglite' } as Db;
const channelsOf = (env: Record<string, string>) =>
  (openNotifications(loadConfig(env), db).notifier as FanOutNotifier).channels;

describe('the notification channels the configuration picks', () => {
  it('writes to the outbox only, by default', () => {
    expect(loadConfig({}).notifications).toEqual({ outbox: true, email: null, slack: null });
    expect(loadConfig({ SERGAS_STAGE: 'dev' }).notifications.outbox).toBe(false);
    expect(channelsOf({})).toEqual(['outbox']);
  });

  it('adds e-mail with SES_FROM_ADDRESS and Slack with SLACK_WEBHOOK_URL, keeping the outbox locally', () => {
    const env = {
      SES_FROM_ADDRESS: 'Sergas <sergas@example.com>',
      SES_CONFIGURATION_SET: 'sergas',
      AWS_REGION: 'eu-west-1',
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/X',
    };
    expect(loadConfig(env).notifications).toEqual({
      outbox: true,
      email: { from: 'Sergas <sergas@example.com>', configurationSet: 'sergas', region: 'eu-west-1' },
      slack: { webhookUrl: 'https://hooks.slack.com/services/T0/B0/X' },
    });
    expect(channelsOf(env)).toEqual(['outbox', 'email', 'slack']);
  });

  it('on AWS, keeps the outbox only while no other channel is configured', () => {
    expect(channelsOf({ SERGAS_STAGE: 'prod' })).toEqual(['outbox']);
    expect(channelsOf({ SERGAS_STAGE: 'prod', SES_FROM_ADDRESS: 'sergas@example.com' })).toEqual(['email']);
    // The Slack URL is read from its secret later; until then (and if the secret is empty) the outbox keeps it all.
    expect(
      channelsOf({ SERGAS_STAGE: 'prod', SLACK_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:s' }),
    ).toEqual(['outbox']);
  });

  it('names a bad address or webhook URL', () => {
    expect(() => loadConfig({ SES_FROM_ADDRESS: 'not an address', SLACK_WEBHOOK_URL: 'hooks' })).toThrow(
      /SES_FROM_ADDRESS[\s\S]*SLACK_WEBHOOK_URL/,
    );
  });

  it('links to the public URL, else the local API', () => {
    expect(approvalUrl({ publicUrl: 'https://sergas.example.com/prod/', port: 4280 }, 'abc_-1')).toBe(
      'https://sergas.example.com/prod/approvals/abc_-1',
    );
    expect(approvalUrl(loadConfig({}), 'abc')).toBe('http://127.0.0.1:4280/approvals/abc');
  });
});
