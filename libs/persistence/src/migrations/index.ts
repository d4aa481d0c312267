// Generated migrations, one list per dialect (scripts/generate-migration.mjs), in order.
import { Initial1795873487441 as SqliteInitial } from './sqlite/1795873487441-Initial.js';
import { Initial1795873487441 as PostgresInitial } from './postgres/1795873487441-Initial.js';
import { MfaChallenges1795874149885 as SqliteMfaChallenges } from './sqlite/1795874149885-MfaChallenges.js';
import { MfaChallenges1795874149885 as PostgresMfaChallenges } from './postgres/1795874149885-MfaChallenges.js';

export const SQLITE_MIGRATIONS: Function[] = [SqliteInitial, SqliteMfaChallenges];
export const POSTGRES_MIGRATIONS: Function[] = [PostgresInitial, PostgresMfaChallenges];
