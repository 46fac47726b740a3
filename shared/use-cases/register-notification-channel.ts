import { randomBytes } from 'node:crypto';
import { ValidationError } from '../errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { ChannelStatus, NotificationChannels } from '../ports/notification-channels.ts';

export interface RegisterNotificationChannelDeps {
  channels: NotificationChannels;
  clock: Clock;
}

/** The modules the copy mirrors: every change to one of them should reach the webhook. */
export const WATCHED_MODULES = ['Accounts', 'Contacts', 'Deals', 'Tasks', 'Calls', 'Events', 'Notes'] as const;
export const WATCHED_EVENTS: readonly string[] = WATCHED_MODULES.map((module) => `${module}.all`);

/**
 * Zoho's maximum channel life is a week (reference §5.1) and asking for more silently gives one hour, so
 * we ask for a week less five minutes: a Zoho clock a little behind ours must not turn a week into an hour.
 */
export const CHANNEL_LIFETIME_MS = 7 * 24 * 3600_000 - 5 * 60_000;
/** Renew with a day to spare, so a missed scheduler run or two never lets the channel lapse. */
export const RENEW_WHEN_LEFT_MS = 24 * 3600_000;

const MIN_TOKEN_LENGTH = 16;
const MAX_TOKEN_LENGTH = 50;

export interface RegisteredChannel {
  channelId: string;
  notifyUrl: string;
  /** The verification token the webhook must expect (ZOHO_NOTIFICATION_TOKEN). Do not log it. */
  token: string;
  /** When Zoho stops sending unless renewed. */
  expiresAt(): Date;
  /** Re-subscribes when less than a day remains at `now`; true when it did. */
  renewIfExpiring(now?: Date): Promise<boolean>;
}

/**
 * Subscribes Zoho's Notifications API to every change (`.all`) of the seven mirrored modules, posting to
 * `notifyUrl` for a week, the longest Zoho allows.
 * - `token` is the verification token echoed in each callback; when none is given a random 32-character one
 *   is generated (the caller stores it as ZOHO_NOTIFICATION_TOKEN). It must be 16 to 50 characters.
 * - `channelId` (a long) defaults to one derived from the clock; subscribing an id again replaces the channel.
 * - the returned channel's `renewIfExpiring(now)` PATCHes a fresh week when less than a day is left, since
 *   Zoho has no refresh call and a lapsed channel silently stops sending.
 * Nothing secret is logged or put in errors: the token only travels in the request body.
 */
export async function registerNotificationChannel(
  deps: RegisterNotificationChannelDeps,
  input: { notifyUrl: string; token?: string; channelId?: string },
): Promise<RegisteredChannel> {
  const token = input.token ?? randomBytes(24).toString('base64url');
  if (token.length < MIN_TOKEN_LENGTH || token.length > MAX_TOKEN_LENGTH) {
    throw new ValidationError(`token: must be ${MIN_TOKEN_LENGTH} to ${MAX_TOKEN_LENGTH} characters`);
  }
  if (!URL.canParse(input.notifyUrl)) throw new ValidationError('notifyUrl: not a URL');
  const channelId = input.channelId ?? String(deps.clock.now().getTime());
  if (!/^\d{1,19}$/.test(channelId)) throw new ValidationError('channelId: must be a long (digits only)');

  const subscription = (now: Date) => ({
    channelId,
    events: WATCHED_EVENTS,
    notifyUrl: input.notifyUrl,
    token,
    expiresAt: new Date(now.getTime() + CHANNEL_LIFETIME_MS),
  });
  let status: ChannelStatus = await deps.channels.subscribe(subscription(deps.clock.now()));

  return {
    channelId,
    notifyUrl: input.notifyUrl,
    token,
    expiresAt: () => status.expiresAt,
    async renewIfExpiring(now = deps.clock.now()) {
      if (status.expiresAt.getTime() - now.getTime() >= RENEW_WHEN_LEFT_MS) return false;
      // A lapsed channel is gone at Zoho, so only a fresh subscription brings it back.
      status =
        status.expiresAt.getTime() > now.getTime()
          ? await deps.channels.renew(subscription(now))
          : await deps.channels.subscribe(subscription(now));
      return true;
    },
  };
}
