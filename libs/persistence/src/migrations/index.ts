// Generated migrations, one list per dialect (scripts/generate-migration.mjs), in order.
import { Initial1795873487441 as SqliteInitial } from './sqlite/1795873487441-Initial.js';
import { Initial1795873487441 as PostgresInitial } from './postgres/1795873487441-Initial.js';

export const SQLITE_MIGRATIONS: Function[] = [SqliteInitial];
export const POSTGRES_MIGRATIONS: Function[] = [PostgresInitial];
