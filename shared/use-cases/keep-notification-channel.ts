import { createHash } from 'node:crypto';
import { ValidationError } from '../errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { ChannelSubscription, NotificationChannels } from '../ports/notification-channels.ts';
import {
  CHANNEL_LIFETIME_MS,
  RENEW_WHEN_LEFT_MS,
  WATCHED_EVENTS,
  WATCHED_MODULES,
} from './register-notification-channel.ts';

export interface KeepNotificationChannelDeps {
  channels: NotificationChannels;
  clock: Clock;
}

export interface KeepNotificationChannelInput {
  /** Our webhook, e.g. `https://api.example.com/api/webhooks/zoho`. */
  notifyUrl: string;
  /** The verification token the webhook expects (ZOHO_NOTIFICATION_TOKEN), 16 to 50 characters. */
  token: string;
  /** Default: derived from `notifyUrl`, so every process and every run names the same channel. */
  channelId?: string;
}

export interface KeptChannel {
  channelId: string;
  /** `subscribed`: Zoho had no live channel (or one pointing elsewhere); `renewed`: under a day was left. */
  action: 'subscribed' | 'renewed' | 'unchanged';
  expiresAt: Date;
}

/** A stable channel id (a long, as Zoho requires) for a webhook URL. */
export function channelIdFor(notifyUrl: string): string {
  const digest = createHash('sha256').update(notifyUrl).digest();
  // 15 digits: well inside a signed 64-bit long, and collisions between one org's webhooks are negligible.
  return String(digest.readBigUInt64BE(0) % 10n ** 15n).padStart(15, '1');
}

/**
 * Makes sure Zoho is sending every change of the mirrored modules to `notifyUrl`, and will for more than a
 * day: asks Zoho for the channel, subscribes it when Zoho has none (first start, or it lapsed) or when it
 * points elsewhere or watches too little, renews it when under a day is left, and otherwise does nothing.
 * It keeps no state of its own, so it is safe to run from every start-up and on a schedule, from any process.
 */
export async function keepNotificationChannel(
  deps: KeepNotificationChannelDeps,
  input: KeepNotificationChannelInput,
): Promise<KeptChannel> {
  if (!URL.canParse(input.notifyUrl)) throw new ValidationError('notifyUrl: not a URL');
  if (input.token.length < 16 || input.token.length > 50) {
    throw new ValidationError('token: must be 16 to 50 characters');
  }
  const channelId = input.channelId ?? channelIdFor(input.notifyUrl);
  const now = deps.clock.now();
  const subscription: ChannelSubscription = {
    channelId,
    events: WATCHED_EVENTS,
    notifyUrl: input.notifyUrl,
    token: input.token,
    expiresAt: new Date(now.getTime() + CHANNEL_LIFETIME_MS),
  };
  const current = await deps.channels.status(channelId);
  const live = current !== null && current.expiresAt.getTime() > now.getTime();
  const matches =
    live &&
    current.notifyUrl === input.notifyUrl &&
    WATCHED_MODULES.every((module) => current.modules.includes(module));
  if (!matches) {
    const status = await deps.channels.subscribe(subscription);
    return { channelId, action: 'subscribed', expiresAt: status.expiresAt };
  }
  if (current.expiresAt.getTime() - now.getTime() >= RENEW_WHEN_LEFT_MS) {
    return { channelId, action: 'unchanged', expiresAt: current.expiresAt };
  }
  const status = await deps.channels.renew(subscription);
  return { channelId, action: 'renewed', expiresAt: status.expiresAt };
}
