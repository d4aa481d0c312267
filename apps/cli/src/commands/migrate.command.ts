import type { CliCommand } from '../cli-command.js';
import { pendingMigrations } from '#persistence';

export const migrateCommand: CliCommand = {
  name: 'migrate',
  summary: 'Run pending database migrations (each in its own transaction)',
  usage: '',
  async run(_args, ctx) {
    const ds = await ctx.database({ allowPending: true });
    const ran = await ds.runMigrations({ transaction: 'each' });
    if (ran.length === 0) ctx.out('No pending migrations.');
    for (const migration of ran) ctx.out(`Applied ${migration.name}`);
  },
};

export const migrateRevertCommand: CliCommand = {
  name: 'migrate:revert',
  summary: 'Revert the most recently applied migration',
  usage: '',
  async run(_args, ctx) {
    const ds = await ctx.database({ allowPending: true });
    const applied = ds.migrations.length - (await pendingMigrations(ds)).length;
    if (applied === 0) {
      ctx.out('No applied migrations to revert.');
      return;
    }
    const before = new Set(await pendingMigrations(ds));
    await ds.undoLastMigration({ transaction: 'each' });
    const reverted = (await pendingMigrations(ds)).filter((name) => !before.has(name));
    ctx.out(`Reverted ${reverted.join(', ') || 'the last migration'}`);
  },
};

export const migrateStatusCommand: CliCommand = {
  name: 'migrate:status',
  summary: 'List pending migrations (exit code 3 when some are pending)',
  usage: '',
  async run(_args, ctx) {
    const ds = await ctx.database({ allowPending: true });
    const pending = await pendingMigrations(ds);
    if (pending.length === 0) {
      ctx.out('Database is up to date.');
      return;
    }
    for (const name of pending) ctx.out(`Pending ${name}`);
    return 3;
  },
};
