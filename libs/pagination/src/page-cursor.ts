import { validationFailed } from '#errors';

/** One page of a cursor-paginated list. */
export interface Page<T> {
  data: T[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  next_cursor: string | null;
  has_more: boolean;
}

const ID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PREFIX = 'c1.';

/**
 * Cursors are opaque to clients: the id of the last item seen, wrapped so that clients do not
 * build them (and we can change what is inside).
 */
export function encodeCursor(lastId: string): string {
  return Buffer.from(PREFIX + lastId, 'utf8').toString('base64url');
}

/** The id inside a cursor; a cursor we did not issue is a 400 on the `cursor` field. */
export function decodeCursor(cursor: string): string {
  const text = /^[A-Za-z0-9_-]{1,200}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const id = text.startsWith(PREFIX) ? text.slice(PREFIX.length) : '';
  if (!ID_SHAPE.test(id))
    throw validationFailed([{ field: 'cursor', reason: 'is not a cursor returned by this list' }]);
  return id;
}

/** Turns `limit + 1` fetched rows into a page of at most `limit`. */
export function toPage<R extends { id: string }, T>(rows: readonly R[], limit: number, map: (row: R) => T): Page<T> {
  const slice = rows.slice(0, limit);
  const hasMore = rows.length > limit;
  return {
    data: slice.map(map),
    next_cursor: hasMore ? encodeCursor(slice[slice.length - 1].id) : null,
    has_more: hasMore,
  };
}
