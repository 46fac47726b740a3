/**
 * Faults the sandbox can be told to inject while it runs (`GET/PUT /sandbox/admin/faults`), so the
 * copilot's retries, fail-over between the MCP and REST tiers, and token refresh can be watched working
 * against a live stack. Random faults draw from a seeded generator, so a test that seeds it sees the same
 * failures every run.
 */
import { SandboxZohoError } from './sandbox-operations.ts';

export interface SandboxFaultSet {
  /** Added before every CRM call (REST and MCP) is answered, while it holds its concurrency slot. */
  latencyMs: number;
  /** The share of CRM calls, 0–1, that fail with 500 INTERNAL_ERROR. */
  errorRate: number;
  /** Every CRM call answers 429 TOO_MANY_REQUESTS. */
  rateLimitStorm: boolean;
  /** The REST API (`/crm/…`) answers 503. */
  restOutage: boolean;
  /** The MCP endpoint answers 503. */
  mcpOutage: boolean;
  /** The Bulk API (`/crm/bulk/…`) answers 503 while the rest of the REST API works. */
  bulkOutage: boolean;
  /**
   * A one-shot action rather than a state: setting it expires every access token issued so far, so each
   * answers 401 INVALID_TOKEN and its client has to refresh. It reads back false once applied.
   */
  expireTokensEarly: boolean;
}

/** What an admin may send: any subset of the fault set, `clear` to start from no faults, `seed` to reseed. */
export type FaultChange = Partial<SandboxFaultSet> & { clear?: boolean; seed?: number };

export const NO_FAULTS: Readonly<SandboxFaultSet> = {
  latencyMs: 0,
  errorRate: 0,
  rateLimitStorm: false,
  restOutage: false,
  mcpOutage: false,
  bulkOutage: false,
  expireTokensEarly: false,
};

/** The header admin calls carry; the secret defaults to this unless the server is given another. */
export const SANDBOX_ADMIN_HEADER = 'x-sandbox-admin';
export const DEFAULT_SANDBOX_ADMIN_SECRET = 'sandbox-admin';

/** mulberry32: small, seedable and good enough to pick which calls fail. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const invalid = (param: string, message: string) =>
  new SandboxZohoError(400, 'INVALID_DATA', message, { param_name: param });

/** Checks an admin's change field by field, naming the first bad one. */
export function parseFaultChange(body: unknown): FaultChange {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid('body', 'expected a JSON object');
  const change: FaultChange = {};
  for (const [key, value] of Object.entries(body)) {
    switch (key) {
      case 'latencyMs':
      case 'seed':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
          throw invalid(key, `${key} must be a whole number ≥ 0`);
        change[key] = value;
        break;
      case 'errorRate':
        if (typeof value !== 'number' || !(value >= 0 && value <= 1))
          throw invalid(key, 'errorRate must be a number from 0 to 1');
        change.errorRate = value;
        break;
      case 'rateLimitStorm':
      case 'restOutage':
      case 'mcpOutage':
      case 'bulkOutage':
      case 'expireTokensEarly':
      case 'clear':
        if (typeof value !== 'boolean') throw invalid(key, `${key} must be true or false`);
        change[key] = value;
        break;
      default:
        throw invalid(key, `unknown fault "${key}"`);
    }
  }
  return change;
}

export class SandboxFaults {
  #set: SandboxFaultSet = { ...NO_FAULTS };
  #random: () => number;
  readonly #expireTokens: () => void;

  /** `expireTokens` revokes every access token issued so far (the server owns them). */
  constructor(options: { random?: () => number; seed?: number; expireTokens: () => void }) {
    this.#random = options.random ?? seededRandom(options.seed ?? 1);
    this.#expireTokens = options.expireTokens;
  }

  current(): SandboxFaultSet {
    return { ...this.#set };
  }

  apply(change: FaultChange): SandboxFaultSet {
    const { clear, seed, expireTokensEarly, ...rest } = change;
    if (clear) this.#set = { ...NO_FAULTS };
    if (seed !== undefined) this.#random = seededRandom(seed);
    this.#set = { ...this.#set, ...rest, expireTokensEarly: false };
    if (expireTokensEarly) this.#expireTokens();
    return this.current();
  }

  /** Waits out the injected latency, then fails the call with the injected error rate. */
  async disturb(): Promise<void> {
    const { latencyMs, errorRate } = this.#set;
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    if (errorRate > 0 && this.#random() < errorRate) {
      throw new SandboxZohoError(500, 'INTERNAL_ERROR', 'Internal Server Error');
    }
  }
}
