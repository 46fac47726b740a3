/**
 * Zoho's Notifications API (watch channels, reference §5.1): what we subscribe so that Zoho POSTs record
 * changes to our webhook instead of us polling for them.
 */

/** What a channel should watch, and where Zoho should send the callbacks. */
export interface ChannelSubscription {
  /** A long, chosen by us; the same id re-subscribes (replaces) the channel. */
  channelId: string;
  /** `{Module}.{create|edit|delete|all}`. */
  events: readonly string[];
  notifyUrl: string;
  /** Echoed in every callback body so the webhook can tell Zoho from anyone else; at most 50 characters. */
  token: string;
  /** Zoho caps this at a week; anything later silently becomes one hour. */
  expiresAt: Date;
}

/** A channel as Zoho confirmed it. The token is never read back, so it cannot leak through here. */
export interface ChannelStatus {
  channelId: string;
  /** The modules Zoho says it now watches for this channel. */
  modules: string[];
  /** The expiry Zoho applied, which is what to renew against (it may differ from the one asked for). */
  expiresAt: Date;
  /** Where Zoho sends the callbacks; known when the channel was read back (`status`). */
  notifyUrl?: string;
}

export interface NotificationChannels {
  /** POST: enables the channel, or re-subscribes it when the id is already in use. */
  subscribe(subscription: ChannelSubscription): Promise<ChannelStatus>;
  /** PATCH: moves an existing channel's expiry (and events, URL, token) without a gap in delivery. */
  renew(subscription: ChannelSubscription): Promise<ChannelStatus>;
  /** GET: the channel as Zoho has it now, or null when Zoho has no such channel (never made, or lapsed). */
  status(channelId: string): Promise<ChannelStatus | null>;
  /** DELETE: stops the channels' callbacks. */
  unsubscribe(channelIds: readonly string[]): Promise<void>;
}
