/**
 * Whether Redis refused a connection's credentials: WRONGPASS (a wrong AUTH / HELLO AUTH, Redis 6+), NOAUTH
 * (a command on a connection that never authenticated) or `invalid password` (Redis before 6).
 */
export function isRedisAuthError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : '';
  return /^(WRONGPASS|NOAUTH)\b/.test(message) || /^ERR invalid password/.test(message);
}
