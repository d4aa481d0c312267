import { ConfigError, developmentModeWarning, loadConfig } from '#config';
import { PendingMigrationsError } from '#persistence';
import { createApp } from './create-app.js';
import { ensureDemoTenant, printQuickStart } from './demo-tenant.js';
import { handleShutdownSignals } from './graceful-shutdown.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const { app, logger } = await createApp(config);
  const warning = developmentModeWarning(config);
  if (warning) logger.warn(warning);
  handleShutdownSignals(app, logger);
  const demo = config.demoTenant ? await ensureDemoTenant(app, config) : null;
  await app.listen(config.port, config.host);
  logger.info({ host: config.host, port: config.port, database: config.database.type }, 'listening');
  if (demo) printQuickStart(config, demo);
}

main().catch((err) => {
  // A schema behind the code is an operator's next step, not a crash: exit 3 with the command to run.
  if (err instanceof PendingMigrationsError) {
    process.stderr.write(`Tessera did not start: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  process.stderr.write(`Tessera failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
