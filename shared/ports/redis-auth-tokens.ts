/**
 * The AUTH tokens a Redis cluster accepts, changed the way ElastiCache allows (ROTATE, then SET). The cluster
 * accepts at most the two most recent tokens: a rotation to a third drops the older of the two.
 */
export interface RedisAuthTokens {
  /** Resolves true once the cluster applies no modification; false when `deadline` comes first. */
  waitUntilAvailable(deadline: Date): Promise<boolean>;
  /** Starts adding `token` (ROTATE): once applied the cluster accepts it and the newest token it had. */
  rotate(token: string): Promise<void>;
  /** Starts making `token` the only one accepted (SET); allowed only while the cluster accepts two tokens. */
  finalize(token: string): Promise<void>;
}

/** Whether the cluster lets a connection in with a token (the check connects, authenticates and pings). */
export interface RedisAuthCheck {
  /**
   * True when AUTH with `token` succeeds, false when the server refuses it. Throws (retryably) when the
   * server cannot be reached: that says nothing about the token.
   */
  accepts(token: string): Promise<boolean>;
}
