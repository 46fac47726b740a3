/**
 * Zoho's `page_token` (reference §1.3, "GET list: pagination rules"): past the first 2000 records a list
 * is only reachable through the `info.next_page_token` of the page before, valid for 24 h and bound to
 * the query that produced it.
 *
 * Tokens are stateless: base64url JSON (where the next page starts, a fingerprint of the query, the
 * expiry) plus an HMAC under a per-store secret. A sync of a large org mints a token on every page, so
 * a server-side map would grow until something evicted it; a signed token needs no bookkeeping, expires
 * on its own by the store clock, and still lets us tell a garbled or forged token (INVALID_DATA) from a
 * genuine one used with other params (TOKEN_BOUND_DATA_MISMATCH). The secret hangs off the store, so
 * every server over one store (the CLI and a test, say) honours the same tokens; a restarted process
 * gets a new secret and refuses old tokens, which a client survives by starting over from page 1.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Zoho's token lifetime. */
export const PAGE_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * A record's place in a sorted list: its sort value (epoch ms for a time sort, 0 when sorting by id) and
 * its id, which breaks ties so the order is total and a page boundary is never ambiguous.
 */
export type SortKey = readonly [value: number, id: string];

/** Where the page a token opens begins. */
export interface PageCursor {
  /** Records served before this page: counts towards Zoho's 100,000-record cap and numbers the page. */
  served: number;
  /**
   * The last record served before this page. Continuing after a key rather than at an offset means a
   * record created (or removed) earlier in the order mid-listing shifts nothing: no record is served
   * twice or skipped, as with a real cursor.
   */
  after: SortKey;
}

export type PageTokenReading =
  | { ok: true; cursor: PageCursor }
  | { ok: false; problem: 'invalid' | 'expired' | 'mismatch' };

interface Payload {
  /** Fingerprint of the query the token is bound to. */
  q: string;
  s: number;
  k: [number, string];
  /** Expiry, epoch ms by the store clock. */
  e: number;
}

export class PageTokens {
  readonly #secret: Buffer;

  constructor(secret: Buffer = randomBytes(32)) {
    this.#secret = secret;
  }

  /** A token for the page at `cursor` of `query` (any stable description of the bound params). */
  issue(query: string, cursor: PageCursor, now: Date): { token: string; expiresAt: Date } {
    const expiresAt = new Date(now.getTime() + PAGE_TOKEN_TTL_MS);
    const payload: Payload = { q: fingerprint(query), s: cursor.served, k: [...cursor.after], e: expiresAt.getTime() };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return { token: `${body}.${this.#sign(body)}`, expiresAt };
  }

  /** Checks a token in Zoho's order of concerns: is it ours at all, is it still valid, is it for this query. */
  read(token: string, query: string, now: Date): PageTokenReading {
    const payload = this.#verify(token);
    if (!payload) return { ok: false, problem: 'invalid' };
    if (now.getTime() >= payload.e) return { ok: false, problem: 'expired' };
    if (payload.q !== fingerprint(query)) return { ok: false, problem: 'mismatch' };
    return { ok: true, cursor: { served: payload.s, after: payload.k } };
  }

  #verify(token: string): Payload | undefined {
    const [body, mac, ...rest] = token.split('.');
    if (!body || !mac || rest.length > 0) return undefined;
    const expected = Buffer.from(this.#sign(body));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let data: unknown;
    try {
      data = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    // Signed by us, so malformed only if the format changed under a live secret; still, never trust a cast.
    return isPayload(data) ? data : undefined;
  }

  #sign(body: string): string {
    return createHmac('sha256', this.#secret).update(body).digest('base64url');
  }
}

const tokensByStore = new WeakMap<object, PageTokens>();

/** The token issuer of one store: the secret lives as long as the store object, and no longer. */
export function pageTokensOf(store: object): PageTokens {
  let tokens = tokensByStore.get(store);
  if (!tokens) {
    tokens = new PageTokens();
    tokensByStore.set(store, tokens);
  }
  return tokens;
}

// A hash, not the query itself, keeps the token short whatever the fields list; 128 bits is plenty to
// tell two queries apart.
function fingerprint(query: string): string {
  return createHash('sha256').update(query).digest('base64url').slice(0, 22);
}

function isPayload(data: unknown): data is Payload {
  if (typeof data !== 'object' || data === null) return false;
  const { q, s, k, e } = data as Record<string, unknown>;
  return (
    typeof q === 'string' &&
    Number.isSafeInteger(s) &&
    (s as number) >= 0 &&
    Array.isArray(k) &&
    k.length === 2 &&
    Number.isFinite(k[0]) &&
    typeof k[1] === 'string' &&
    Number.isFinite(e)
  );
}
