import pg from 'pg';
import type { PlanCacheMode } from '#config';

/**
 * How PostgreSQL plans the service's named statements (statement-runner.ts) on each connection.
 * - `auto`, PostgreSQL's own: after five executions planned with their values, a statement keeps
 *   one plan made without them when that plan is estimated no dearer. Planning was the largest
 *   part of the database's CPU per sign-in, so a kept plan takes it off.
 * - `force_custom_plan`: every execution is planned with its values.
 *
 * A kept plan is only as good as the statistics it was made with. PostgreSQL makes it again when
 * ANALYZE changes them, which autovacuum does as tables grow. Without autovacuum, a table never
 * analyzed is planned without row counts, and a plan kept while it was small stays after it has
 * grown. On such a database, a registration's read kept a plan that counted the user's credentials
 * by reading every credential of the tenant, and registrations at concurrency 32 fell from 442 to
 * 149 a second. So plans are kept only where the database keeps its statistics.
 */
export type { PlanCacheMode };

/** Whether autovacuum, and the row counts it works from, are on for this database. */
export async function planCacheModeFor(url: string, connectTimeoutMs = 3000): Promise<PlanCacheMode> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs });
  await client.connect();
  try {
    const { rows } = await client.query<{ autovacuum: string; track_counts: string }>(
      "SELECT current_setting('autovacuum') AS autovacuum, current_setting('track_counts') AS track_counts",
    );
    return rows[0]?.autovacuum === 'on' && rows[0]?.track_counts === 'on' ? 'auto' : 'force_custom_plan';
  } finally {
    await client.end();
  }
}
