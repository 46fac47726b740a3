/**
 * Zoho's Notifications API in the sandbox (reference §5.1): watch channels (`/crm/v8/actions/watch`) and
 * real HTTP callbacks to each channel's `notify_url` after every write through the API. Channels belong to
 * the store's org and are kept in `<store dir>/watch-channels.json`, so a restarted sandbox keeps them, as
 * Zoho does; expiry is judged by the store's clock, so tests can age a channel without waiting.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isRecordModule, RECORD_MODULES, type RecordModule } from './sandbox-org.ts';
import type { SandboxStore } from './sandbox-store.ts';
import { zohoDateTime } from './zoho-formats.ts';

/** What a write did, in the words Zoho's callback uses for `operation`. */
export type NotificationOperation = 'insert' | 'update' | 'delete';

/** A subscribed channel as the sandbox keeps it. */
export interface WatchChannel {
  channel_id: string;
  /** `{Module}.{create|edit|delete|all}`. */
  events: string[];
  notify_url: string;
  token: string | null;
  /** Epoch ms by the store's clock. */
  expires_at: number;
  return_affected_field_values: boolean;
  notify_on_related_action: boolean;
}

/** The callback body Zoho POSTs to `notify_url`. */
export interface NotificationCallback {
  server_time: number;
  query_params: Record<string, string>;
  module: RecordModule;
  resource_uri: string;
  ids: string[];
  affected_fields: unknown[];
  operation: NotificationOperation;
  channel_id: string;
  token?: string;
}

export interface WatchReply {
  status: number;
  body?: unknown;
}

export interface SandboxNotificationsOptions {
  store: SandboxStore;
  /** The sandbox's origin, for `resource_uri`; known only once the server listens. */
  origin: () => string;
  fetch?: typeof fetch;
  /** Waits before each retry of a failed callback; Zoho retries too, a few times. */
  retryDelaysMs?: readonly number[];
  callbackTimeoutMs?: number;
}

const HOUR_MS = 3600_000;
const DEFAULT_EXPIRY_MS = HOUR_MS;
const MAX_EXPIRY_MS = 7 * 24 * HOUR_MS;
const MAX_TOKEN_LENGTH = 50;
const MAX_PER_PAGE = 200;
const EVENT_TYPES = ['create', 'edit', 'delete', 'all'] as const;
const EVENT_OF: Readonly<Record<NotificationOperation, string>> = {
  insert: 'create',
  update: 'edit',
  delete: 'delete',
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const errorEntry = (code: string, message: string, details: Record<string, unknown>) => ({
  code,
  details,
  message,
  status: 'error',
});

/** A whole-request failure, in the flat shape the rest of the sandbox uses. */
const failure = (status: number, code: string, message: string, details: Record<string, unknown> = {}): WatchReply => ({
  status,
  body: { code, details, message, status: 'error' },
});

/** 200/201 when every entry succeeded, 207 when some did, 400 when none did, as for record writes. */
const entriesStatus = (entries: readonly { status: string }[], allOk: number) => {
  const ok = entries.filter((entry) => entry.status === 'success').length;
  return ok === entries.length ? allOk : ok === 0 ? 400 : 207;
};

/** The sandbox servers by store, so a test holding only the store can still wait for callbacks. */
const byStore = new WeakMap<SandboxStore, SandboxNotifications>();

/** The notifications of the sandbox server running over `store` (the latest one started), if any. */
export function sandboxNotificationsOf(store: SandboxStore): SandboxNotifications | undefined {
  return byStore.get(store);
}

export class SandboxNotifications {
  readonly #store: SandboxStore;
  readonly #origin: () => string;
  readonly #fetch: typeof fetch;
  readonly #retryDelaysMs: readonly number[];
  readonly #timeoutMs: number;
  readonly #channels = new Map<string, WatchChannel>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #stopped = new AbortController();
  #writes: Promise<void> = Promise.resolve();
  #tmpCounter = 0;
  /** Callbacks that got a 2xx, and those given up on: what tests and `sergas` diagnostics look at. */
  delivered = 0;
  failed = 0;

  private constructor(options: SandboxNotificationsOptions) {
    this.#store = options.store;
    this.#origin = options.origin;
    this.#fetch = options.fetch ?? fetch;
    this.#retryDelaysMs = options.retryDelaysMs ?? [100, 500, 2000];
    this.#timeoutMs = options.callbackTimeoutMs ?? 10_000;
  }

  /** Loads the channels saved next to the store's org. */
  static async open(options: SandboxNotificationsOptions): Promise<SandboxNotifications> {
    const notifications = new SandboxNotifications(options);
    try {
      const saved = JSON.parse(await readFile(notifications.#file, 'utf8')) as unknown;
      if (Array.isArray(saved)) {
        for (const channel of saved as WatchChannel[]) notifications.#channels.set(channel.channel_id, channel);
      }
    } catch (error) {
      // No file is a sandbox without channels; a corrupt one is not worth refusing to start over.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && !(error instanceof SyntaxError)) throw error;
    }
    byStore.set(options.store, notifications);
    return notifications;
  }

  get #file(): string {
    return join(this.#store.dir, 'watch-channels.json');
  }

  /** The channels that are still live by the store's clock. */
  channels(): WatchChannel[] {
    const now = this.#store.now().getTime();
    return [...this.#channels.values()].filter((channel) => channel.expires_at > now);
  }

  /** `/crm/v8/actions/watch`. `body` is the parsed JSON of a POST/PUT/PATCH. */
  async handle(method: string, query: URLSearchParams, body: unknown): Promise<WatchReply> {
    if (method === 'GET') return this.#list(query);
    if (method === 'DELETE') return this.#disable(query);
    if (method === 'POST' || method === 'PUT' || method === 'PATCH') return this.#subscribe(method, body);
    return failure(400, 'INVALID_REQUEST_METHOD', 'The http request method type is not a valid one');
  }

  /**
   * Tells every live channel watching `module` for this kind of change, with one callback per channel
   * for the whole write call (Zoho batches a call's ids). Never waits for the callbacks.
   */
  recordsChanged(module: RecordModule, operation: NotificationOperation, ids: readonly string[]): void {
    if (ids.length === 0 || this.#stopped.signal.aborted) return;
    const unique = [...new Set(ids)];
    const wanted = new Set([`${module}.all`, `${module}.${EVENT_OF[operation]}`]);
    for (const channel of this.channels()) {
      if (!channel.events.some((event) => wanted.has(event))) continue;
      const body: NotificationCallback = {
        server_time: this.#store.now().getTime(),
        query_params: queryParamsOf(channel.notify_url),
        module,
        resource_uri: `${this.#origin()}/crm/v8/${module}`,
        ids: unique,
        // Zoho lists changed fields only for field-selection conditions; the sandbox supports none.
        affected_fields: [],
        operation,
        channel_id: channel.channel_id,
        ...(channel.token === null ? {} : { token: channel.token }),
      };
      const delivery = this.#deliver(channel, body).finally(() => this.#inFlight.delete(delivery));
      this.#inFlight.add(delivery);
    }
  }

  /** Resolves once every callback sent so far was delivered or given up on, including any they led to. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** Stops sending (pending retries are dropped) and waits for the channel file to be written. */
  async close(): Promise<void> {
    this.#stopped.abort();
    await this.idle();
    await this.#writes;
    if (byStore.get(this.#store) === this) byStore.delete(this.#store);
  }

  async #deliver(channel: WatchChannel, body: NotificationCallback): Promise<void> {
    const json = JSON.stringify(body);
    for (let attempt = 0; ; attempt++) {
      // A channel disabled, replaced or expired since the change gets nothing more.
      if (this.#stopped.signal.aborted || !this.#isLive(channel)) return;
      try {
        const response = await this.#fetch(channel.notify_url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: json,
          signal: AbortSignal.any([this.#stopped.signal, AbortSignal.timeout(this.#timeoutMs)]),
        });
        await response.body?.cancel();
        if (response.ok) {
          this.delivered += 1;
          return;
        }
      } catch {
        // Unreachable receiver: retried like a refusal.
      }
      const delay = this.#retryDelaysMs[attempt];
      if (delay === undefined) {
        this.failed += 1;
        return;
      }
      await sleep(delay, this.#stopped.signal);
    }
  }

  #isLive(channel: WatchChannel): boolean {
    return this.#channels.get(channel.channel_id) === channel && channel.expires_at > this.#store.now().getTime();
  }

  #list(query: URLSearchParams): WatchReply {
    const channelId = query.get('channel_id');
    const module = query.get('module');
    const page = positiveInt(query.get('page'), 1);
    const asked = positiveInt(query.get('per_page'), MAX_PER_PAGE);
    if (page === undefined) return failure(400, 'INVALID_DATA', 'invalid data', { param_name: 'page' });
    if (asked === undefined) return failure(400, 'INVALID_DATA', 'invalid data', { param_name: 'per_page' });
    const perPage = Math.min(asked, MAX_PER_PAGE);
    const matching = this.channels().filter(
      (channel) =>
        (channelId === null || channel.channel_id === channelId) &&
        (module === null || channel.events.some((event) => event.startsWith(`${module}.`))),
    );
    const slice = matching.slice((page - 1) * perPage, page * perPage);
    if (slice.length === 0) return { status: 204 };
    return {
      status: 200,
      body: {
        watch: slice.map((channel) => this.#describe(channel)),
        info: { per_page: perPage, count: slice.length, page, more_records: page * perPage < matching.length },
      },
    };
  }

  #describe(channel: WatchChannel) {
    return {
      channel_id: channel.channel_id,
      events: channel.events,
      notify_url: channel.notify_url,
      token: channel.token,
      channel_expiry: zohoDateTime(new Date(channel.expires_at)),
      return_affected_field_values: channel.return_affected_field_values,
      notify_on_related_action: channel.notify_on_related_action,
    };
  }

  /** One `details.events` row per watched module, as the enable/disable responses carry them. */
  #eventRows(channel: WatchChannel) {
    const modules = [...new Set(channel.events.map((event) => event.split('.')[0] ?? ''))];
    return modules.map((module) => ({
      channel_expiry: zohoDateTime(new Date(channel.expires_at)),
      resource_uri: `${this.#origin()}/crm/v8/${module}`,
      resource_id: String(RECORD_MODULES.indexOf(module as RecordModule) + 1),
      resource_name: module,
      channel_id: channel.channel_id,
    }));
  }

  async #disable(query: URLSearchParams): Promise<WatchReply> {
    const ids = (query.get('channel_ids') ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean);
    if (ids.length === 0) {
      return failure(400, 'REQUIRED_PARAM_MISSING', 'One of the expected parameter is missing', {
        param_name: 'channel_ids',
      });
    }
    const entries = ids.map((id) => {
      const channel = this.#channels.get(id);
      if (!channel) return errorEntry('INVALID_DATA', 'the given channel id is invalid', { channel_id: id });
      this.#channels.delete(id);
      return {
        code: 'SUCCESS',
        details: { events: this.#eventRows(channel) },
        message: 'Successfully unsubscribed from actions-watch of the given module',
        status: 'success',
      };
    });
    await this.#persist();
    return { status: entriesStatus(entries, 200), body: { watch: entries } };
  }

  /** POST enables (a known channel_id is re-subscribed), PUT replaces, PATCH changes what it names. */
  async #subscribe(method: 'POST' | 'PUT' | 'PATCH', body: unknown): Promise<WatchReply> {
    const inputs = isObject(body) ? body.watch : undefined;
    if (!Array.isArray(inputs) || inputs.length === 0) {
      return failure(400, 'MANDATORY_NOT_FOUND', 'required field not found', {
        api_name: 'watch',
        json_path: '$.watch',
      });
    }
    const now = this.#store.now().getTime();
    const entries = inputs.map((input, index) => {
      const result = this.#channelFrom(method, input, index, now);
      if ('code' in result) return result;
      this.#channels.set(result.channel_id, result);
      return {
        code: 'SUCCESS',
        details: { events: this.#eventRows(result) },
        message: 'Successfully subscribed for actions-watch of the given module',
        status: 'success',
      };
    });
    await this.#persist();
    return { status: entriesStatus(entries, method === 'POST' ? 201 : 200), body: { watch: entries } };
  }

  /** The channel an entry asks for, or the per-entry error Zoho would answer with. */
  #channelFrom(
    method: 'POST' | 'PUT' | 'PATCH',
    input: unknown,
    index: number,
    now: number,
  ): WatchChannel | ReturnType<typeof errorEntry> {
    const path = `$.watch[${index}]`;
    if (!isObject(input)) return errorEntry('INVALID_DATA', 'invalid data', { json_path: path });
    const missing = (field: string) =>
      errorEntry('MANDATORY_NOT_FOUND', 'required field not found', { api_name: field, json_path: `${path}.${field}` });
    const invalid = (field: string, message = 'invalid data', extra: Record<string, unknown> = {}) =>
      errorEntry('INVALID_DATA', message, { api_name: field, json_path: `${path}.${field}`, ...extra });

    const rawId = input.channel_id;
    if (rawId === undefined || rawId === null || rawId === '') return missing('channel_id');
    // Zoho's channel_id is a long: digits, sent as a number or a string.
    if (!/^\d{1,19}$/.test(String(rawId))) return invalid('channel_id', 'invalid data', { expected_data_type: 'long' });
    const channelId = String(rawId);
    const existing = this.#channels.get(channelId);
    const live = existing && existing.expires_at > now ? existing : undefined;
    if (method !== 'POST' && !live) return invalid('channel_id', 'the given channel id is invalid');
    const partial = method === 'PATCH';

    let events = live && partial ? [...live.events] : [];
    if (input.events === undefined || input.events === null) {
      if (!partial) return missing('events');
    } else {
      if (!Array.isArray(input.events) || input.events.length === 0) {
        return invalid('events', 'invalid data', { expected_data_type: 'jsonarray' });
      }
      const requested: string[] = [];
      for (const event of input.events) {
        if (typeof event !== 'string') return invalid('events');
        const [module = '', type, ...rest] = event.split('.');
        if (!isRecordModule(module)) {
          return errorEntry('INVALID_MODULE', 'the module name given seems to be invalid', {
            api_name: 'events',
            json_path: `${path}.events`,
            module_name: module,
          });
        }
        if (rest.length > 0 || !(EVENT_TYPES as readonly (string | undefined)[]).includes(type)) {
          return invalid('events', 'invalid data', { event });
        }
        requested.push(event);
      }
      events =
        partial && input._delete_events === true
          ? events.filter((event) => !requested.includes(event))
          : [...new Set([...events, ...requested])];
    }

    const notifyUrl = input.notify_url ?? (partial ? live?.notify_url : undefined);
    if (notifyUrl === undefined || notifyUrl === null || notifyUrl === '') return missing('notify_url');
    if (typeof notifyUrl !== 'string' || !URL.canParse(notifyUrl) || !/^https?:$/.test(new URL(notifyUrl).protocol)) {
      return invalid('notify_url');
    }

    let token: string | null = partial ? (live?.token ?? null) : null;
    if (input.token !== undefined && input.token !== null) {
      if (typeof input.token !== 'string' || input.token.length > MAX_TOKEN_LENGTH) {
        return invalid('token', 'invalid data', { maximum_length: MAX_TOKEN_LENGTH });
      }
      token = input.token;
    }

    // A missing, unreadable or too-distant expiry falls back to one hour, as Zoho documents.
    let expiresAt = partial && live && input.channel_expiry === undefined ? live.expires_at : now + DEFAULT_EXPIRY_MS;
    if (typeof input.channel_expiry === 'string') {
      const requested = Date.parse(input.channel_expiry);
      if (Number.isNaN(requested) || requested <= now) return invalid('channel_expiry');
      if (requested - now <= MAX_EXPIRY_MS) expiresAt = requested;
    } else if (input.channel_expiry !== undefined && input.channel_expiry !== null) {
      return invalid('channel_expiry');
    }

    const flag = (name: string, fallback: boolean) => (typeof input[name] === 'boolean' ? input[name] : fallback);
    return {
      channel_id: channelId,
      events,
      notify_url: notifyUrl,
      token,
      expires_at: expiresAt,
      return_affected_field_values: flag(
        'return_affected_field_values',
        partial ? (live?.return_affected_field_values ?? false) : false,
      ),
      notify_on_related_action: flag(
        'notify_on_related_action',
        partial ? (live?.notify_on_related_action ?? true) : true,
      ),
    };
  }

  async #persist(): Promise<void> {
    // Serialise now, write in order: the file always ends up holding the latest channels.
    const json = JSON.stringify([...this.#channels.values()]);
    const file = this.#file;
    const tmp = `${file}.${process.pid}.${++this.#tmpCounter}.tmp`;
    const write = this.#writes.then(async () => {
      await writeFile(tmp, json);
      await rename(tmp, file);
    });
    this.#writes = write.catch(() => undefined);
    await write;
  }
}

function queryParamsOf(url: string): Record<string, string> {
  return Object.fromEntries(new URL(url).searchParams);
}

function positiveInt(raw: string | null, fallback: number): number | undefined {
  if (raw === null) return fallback;
  const value = Number(raw);
  return Number.isInteger(value) && value >= 1 ? value : undefined;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
