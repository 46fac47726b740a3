import { z } from 'zod';
import { CrmRateLimitedError, CrmRequestError, RetryableUpstreamError } from '../../errors.ts';
import type { ChannelStatus, ChannelSubscription, NotificationChannels } from '../../ports/notification-channels.ts';
import type { ZohoTokenSource } from './zoho-oauth.ts';

export interface ZohoNotificationChannelsOptions {
  /** Usually a ZohoOAuth: the same tokens the REST client uses. */
  tokens: ZohoTokenSource;
  /** Used when the token response names no API domain. */
  apiDomain?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

const WATCH_PATH = '/crm/v8/actions/watch';

const EventRow = z.looseObject({
  channel_id: z.coerce.string(),
  channel_expiry: z.string(),
  resource_name: z.string(),
});
const Entry = z.looseObject({
  code: z.string(),
  status: z.string(),
  message: z.string().optional(),
  details: z.looseObject({ events: z.array(EventRow).optional() }).optional(),
});
const WatchEnvelope = z.looseObject({ watch: z.array(Entry).min(1) });
const ListedChannel = z.looseObject({
  channel_id: z.coerce.string(),
  events: z.array(z.string()),
  notify_url: z.string(),
  channel_expiry: z.string(),
});
const WatchList = z.looseObject({ watch: z.array(ListedChannel) });
const FlatError = z.looseObject({ code: z.string(), message: z.string().optional() });

/**
 * Zoho's watch API over REST (`/crm/v8/actions/watch`, reference §5.1). Errors carry Zoho's code and
 * message only: the request body holds the channel token, so it is never echoed into an error or a log.
 */
export class ZohoNotificationChannels implements NotificationChannels {
  readonly #tokens: ZohoTokenSource;
  readonly #apiDomain: string | null;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;

  constructor(options: ZohoNotificationChannelsOptions) {
    this.#tokens = options.tokens;
    this.#apiDomain = options.apiDomain ? options.apiDomain.replace(/\/+$/, '') : null;
    this.#fetch = options.fetch ?? fetch;
    this.#timeoutMs = options.timeoutMs ?? 15_000;
  }

  subscribe(subscription: ChannelSubscription): Promise<ChannelStatus> {
    return this.#write('POST', subscription);
  }

  renew(subscription: ChannelSubscription): Promise<ChannelStatus> {
    return this.#write('PATCH', subscription);
  }

  async status(channelId: string): Promise<ChannelStatus | null> {
    const body = await this.#send('GET', `?channel_id=${encodeURIComponent(channelId)}`);
    if (body === null) return null;
    const listed = WatchList.safeParse(body);
    if (!listed.success) throw new CrmRequestError(`Zoho GET ${WATCH_PATH}: unexpected response`);
    const channel = listed.data.watch.find((entry) => entry.channel_id === channelId);
    if (!channel) return null;
    const expiresAt = new Date(channel.channel_expiry);
    if (Number.isNaN(expiresAt.getTime())) return null;
    return {
      channelId,
      modules: [...new Set(channel.events.map((event) => event.split('.')[0] ?? event))],
      expiresAt,
      notifyUrl: channel.notify_url,
    };
  }

  async unsubscribe(channelIds: readonly string[]): Promise<void> {
    if (channelIds.length === 0) return;
    const body = await this.#send('DELETE', `?channel_ids=${channelIds.map(encodeURIComponent).join(',')}`);
    this.#firstSuccess(body, 'DELETE');
  }

  async #write(method: 'POST' | 'PATCH', s: ChannelSubscription): Promise<ChannelStatus> {
    const body = await this.#send(method, '', {
      watch: [
        {
          channel_id: s.channelId,
          events: s.events,
          notify_url: s.notifyUrl,
          token: s.token,
          channel_expiry: s.expiresAt.toISOString().replace(/\.\d{3}Z$/, '+00:00'),
          // Ids are enough: the webhook fetches the records anyway, with the sync's field list.
          return_affected_field_values: false,
          notify_on_related_action: false,
        },
      ],
    });
    const entry = this.#firstSuccess(body, method);
    const events = entry.details?.events ?? [];
    const expiry = events[0]?.channel_expiry;
    const expiresAt = expiry ? new Date(expiry) : s.expiresAt;
    return {
      channelId: s.channelId,
      modules: [...new Set(events.map((event) => event.resource_name))],
      expiresAt: Number.isNaN(expiresAt.getTime()) ? s.expiresAt : expiresAt,
    };
  }

  #firstSuccess(body: unknown, method: string): z.infer<typeof Entry> {
    const parsed = WatchEnvelope.safeParse(body);
    if (!parsed.success) throw new CrmRequestError(`Zoho ${method} ${WATCH_PATH}: unexpected response`);
    const entry = parsed.data.watch[0]!;
    if (entry.status !== 'success') {
      throw new CrmRequestError(`Zoho ${method} ${WATCH_PATH} failed: ${entry.code} (${entry.message ?? ''})`, {
        details: { code: entry.code, details: entry.details ?? null },
      });
    }
    return entry;
  }

  /** The parsed body; null for a GET answered 204 (nothing listed). */
  async #send(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', query: string, payload?: unknown): Promise<unknown> {
    const what = `Zoho ${method} ${WATCH_PATH}`;
    let token = await this.#tokens.accessToken();
    for (let refreshed = false; ; refreshed = true) {
      const base = token.apiDomain ?? this.#apiDomain;
      if (!base) throw new CrmRequestError(`${what}: no API domain (none configured, none in the token)`);
      let response: Response;
      let text: string;
      try {
        response = await this.#fetch(`${base}${WATCH_PATH}${query}`, {
          method,
          headers: {
            authorization: `Zoho-oauthtoken ${token.accessToken}`,
            accept: 'application/json',
            ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: payload === undefined ? undefined : JSON.stringify(payload),
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
        text = await response.text();
      } catch (cause) {
        throw new RetryableUpstreamError(`${what} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
      }
      if (method === 'GET' && response.status === 204) return null;
      const body = parseJson(text);
      const flat = FlatError.safeParse(body);
      if (response.status === 401 && flat.success && flat.data.code === 'INVALID_TOKEN' && !refreshed) {
        // Expired between the cache check and Zoho; nothing was applied, so resending is safe.
        token = await this.#tokens.refresh(token.accessToken);
        continue;
      }
      if (response.status === 429) throw new CrmRateLimitedError(`${what}: Zoho rate limit reached`);
      if (response.status >= 500) throw new RetryableUpstreamError(`${what} failed with HTTP ${response.status}`);
      // Per-channel errors come back as 400/207 in the `watch` envelope; #firstSuccess reports them.
      if (WatchEnvelope.safeParse(body).success) return body;
      if (method === 'GET' && response.ok) return body;
      const code = flat.success ? flat.data.code : `HTTP_${response.status}`;
      throw new CrmRequestError(`${what} failed: ${code}`, { details: { status: response.status, code } });
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
