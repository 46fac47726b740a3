import { z } from 'zod';
import { ConfigError } from '../../shared/errors.ts';
import { workflowTask } from '../../shared/runtime/workflow-task.ts';
import { keepNotificationChannel } from '../../shared/use-cases/keep-notification-channel.ts';

// EventBridge Scheduler sends its own payload; nothing in it is needed.
const ScheduledEvent = z.looseObject({});

/**
 * Every six hours: keeps Zoho's watch channel pointed at the webhook and renewed a day before it lapses
 * (Zoho gives at most a week and has no refresh call). The first run after a deploy subscribes it.
 */
export const handler = workflowTask(ScheduledEvent, async (deps) => {
  const { publicUrl, notificationToken } = deps.config;
  if (!publicUrl || !notificationToken) {
    throw new ConfigError([
      ...(publicUrl ? [] : ['SERGAS_PUBLIC_URL: required to tell Zoho where to send notifications']),
      ...(notificationToken ? [] : ['notification_token: missing from the Zoho secret']),
    ]);
  }
  const kept = await keepNotificationChannel(deps, {
    notifyUrl: `${publicUrl}/api/webhooks/zoho`,
    token: notificationToken,
  });
  return { channelId: kept.channelId, action: kept.action, expiresAt: kept.expiresAt.toISOString() };
});
