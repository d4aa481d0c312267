import { DataSource } from 'typeorm';
import type { TestApp } from './test-app.js';

/** Rows per table: compared before and after, it proves a refused request wrote nothing. */
export async function rowCounts(t: TestApp, tables: string[]): Promise<Record<string, number>> {
  const ds = t.app.get(DataSource);
  const out: Record<string, number> = {};
  for (const table of tables) out[table] = Number((await ds.query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
  return out;
}
