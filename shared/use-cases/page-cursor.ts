import type { z } from 'zod';
import { ValidationError } from '../errors.ts';

/**
 * Opaque page cursors: the position after the last item of a page, as base64url JSON. A cursor is only a
 * position (never a permission): the next page is filtered by the caller's scope again.
 */
export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

export function decodeCursor<S extends z.ZodType>(cursor: string | undefined, schema: S): z.output<S> | null {
  if (!cursor) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const result = schema.safeParse(parsed);
  if (!result.success) throw new ValidationError('cursor: not a cursor this list gave out', { cursor });
  return result.data;
}

/** One page of `rows` fetched with `limit + 1`: the extra row only says there is a next page. */
export function pageOf<T>(rows: readonly T[], limit: number, positionOf: (last: T) => unknown) {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(positionOf(last)) : null };
}
