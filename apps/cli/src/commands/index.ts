import type { CliCommand } from '../cli-command.js';
import { migrateCommand, migrateRevertCommand, migrateStatusCommand } from './migrate.command.js';
import { tenantsCreateCommand, tenantsListCommand } from './tenants.command.js';
import { apiKeysCreateCommand, apiKeysListCommand, apiKeysRevokeCommand } from './api-keys.command.js';
import { tokenMintCommand } from './token.command.js';
import { policiesValidateCommand } from './policies.command.js';

/**
 * Every operator command. To add one, export a CliCommand from a new `<noun>.command.ts` in
 * this folder and list it here; main.ts needs no change.
 */
export const COMMANDS: readonly CliCommand[] = [
  migrateCommand,
  migrateStatusCommand,
  migrateRevertCommand,
  tenantsCreateCommand,
  tenantsListCommand,
  apiKeysCreateCommand,
  apiKeysListCommand,
  apiKeysRevokeCommand,
  tokenMintCommand,
  policiesValidateCommand,
];
