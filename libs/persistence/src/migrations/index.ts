// Generated migrations, one list per dialect (scripts/generate-migration.mjs), in order.
import type { MigrationInterface } from 'typeorm';
import { Initial1795873487441 as SqliteInitial } from './sqlite/1795873487441-Initial.js';
import { Initial1795873487441 as PostgresInitial } from './postgres/1795873487441-Initial.js';
import { MfaChallenges1795874149885 as SqliteMfaChallenges } from './sqlite/1795874149885-MfaChallenges.js';
import { MfaChallenges1795874149885 as PostgresMfaChallenges } from './postgres/1795874149885-MfaChallenges.js';
import { CredentialTrust1796110370718 as SqliteCredentialTrust } from './sqlite/1796110370718-CredentialTrust.js';
import { CredentialTrust1796110370718 as PostgresCredentialTrust } from './postgres/1796110370718-CredentialTrust.js';
import { WebhooksAndEventNames1796113278038 as SqliteWebhooksAndEventNames } from './sqlite/1796113278038-WebhooksAndEventNames.js';
import { WebhooksAndEventNames1796113278038 as PostgresWebhooksAndEventNames } from './postgres/1796113278038-WebhooksAndEventNames.js';
import { UsernamelessAndAcr1796113303364 as SqliteUsernamelessAndAcr } from './sqlite/1796113303364-UsernamelessAndAcr.js';
import { UsernamelessAndAcr1796113303364 as PostgresUsernamelessAndAcr } from './postgres/1796113303364-UsernamelessAndAcr.js';

/** What TypeORM instantiates and runs. */
type MigrationClass = new () => MigrationInterface;

export const SQLITE_MIGRATIONS: MigrationClass[] = [
  SqliteInitial,
  SqliteMfaChallenges,
  SqliteCredentialTrust,
  SqliteWebhooksAndEventNames,
  SqliteUsernamelessAndAcr,
];
export const POSTGRES_MIGRATIONS: MigrationClass[] = [
  PostgresInitial,
  PostgresMfaChallenges,
  PostgresCredentialTrust,
  PostgresWebhooksAndEventNames,
  PostgresUsernamelessAndAcr,
];
