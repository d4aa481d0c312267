import type { EntityManager } from 'typeorm';
import type { CachedQuery } from '#persistence';

/**
 * What else to read with a challenge, in the same statement: `query` selects the challenge as `ch`
 * (found by :id, all its columns) joined with the rest; `extract` makes the rest of the rows.
 */
export interface ChallengeJoin<T> {
  query: CachedQuery;
  params: Record<string, unknown>;
  extract(rows: Record<string, unknown>[], manager: EntityManager): T;
}
