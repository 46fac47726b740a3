/** Zoho's wire formats for dates and ids, shared by the generator, the store and the server. */

/** Zoho's DateTime: ISO 8601 to the second with an explicit offset (`2026-11-20T10:15:00+00:00`). */
export function zohoDateTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}+00:00`;
}

/** Zoho's Date: `yyyy-MM-dd`. */
export function zohoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The prefix of every id the sandbox mints; Zoho ids are ~19-digit numeric strings. */
export const ID_PREFIX = '5725767';

/** A 19-digit id from a sequence number. */
export function zohoId(sequence: number | bigint): string {
  return `${ID_PREFIX}${String(sequence).padStart(12, '0')}`;
}
