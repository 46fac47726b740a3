/**
 * Short-lived shared state: OAuth access tokens, rate-limit counters, webhook de-duplication.
 * Values are strings; callers serialise. TTLs are in seconds.
 */
export interface Cache {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** Sets only when absent (SETNX + TTL); true when this call set it. */
  setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean>;
  /** Increments a counter, starting its TTL on first use; returns the new value. */
  increment(key: string, ttlSeconds: number): Promise<number>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}
