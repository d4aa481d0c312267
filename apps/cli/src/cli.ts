import 'reflect-metadata';
import { parseArgs } from 'node:util';
import type { DataSource } from 'typeorm';
import { ConfigError, loadConfig, type AppConfig } from '#config';
import { ApiError } from '#errors';
import { UsageError, type CliCommand, type CliContext } from './cli-command.js';
import { COMMANDS } from './commands/index.js';
import { openDatabase } from './database.js';
import { EXIT_PENDING_MIGRATIONS, PendingMigrationsError, assertMigrated } from '#persistence';

/** Exit codes: 0 done, 1 the operation failed, 2 bad arguments or configuration, 3 migrations pending. */
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export { EXIT_PENDING_MIGRATIONS };

/** Where the CLI reads its environment and writes its output (the process, or a test). */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdout(text: string): void;
  stderr(text: string): void;
}

function findCommand(argv: string[]): { command: CliCommand; rest: string[] } | null {
  const two = argv.slice(0, 2).join(' ');
  const byTwo = COMMANDS.find((c) => c.name === two);
  if (byTwo) return { command: byTwo, rest: argv.slice(2) };
  const byOne = COMMANDS.find((c) => c.name === argv[0]);
  return byOne ? { command: byOne, rest: argv.slice(1) } : null;
}

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: npm run cli -- <command> [options]      (or: node dist/apps/cli/src/main.js <command> …)',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run '<command> --help' for its options. Configuration comes from the environment, as for the API",
    '(DATABASE_URL, AUTH_JWT_SECRET, …; see README.md).',
  ].join('\n');
}

function commandUsage(command: CliCommand): string {
  return `Usage: ${command.name} ${command.usage}`.trimEnd() + `\n  ${command.summary}`;
}

/** Runs one CLI invocation and resolves to its exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const invocation = parseInvocation(argv, io);
  if ('exitCode' in invocation) return invocation.exitCode;
  const { command, args } = invocation;
  const session = openSession(io);
  try {
    return (await command.run(args, session.ctx)) ?? 0;
  } catch (err) {
    return report(err, command, io);
  } finally {
    await session.close();
  }
}

type CommandArgs = Parameters<CliCommand['run']>[0];

/**
 * The command named by `argv` with its parsed arguments, or the exit code of an invocation that
 * ends before any command runs: help, an unknown command, bad options.
 */
function parseInvocation(argv: string[], io: CliIo): { command: CliCommand; args: CommandArgs } | { exitCode: number } {
  if (argv.length === 0) {
    io.stderr(`${usage()}\n`);
    return { exitCode: EXIT_USAGE };
  }
  if (['help', '--help', '-h'].includes(argv[0])) {
    io.stdout(`${usage()}\n`);
    return { exitCode: 0 };
  }
  const found = findCommand(argv);
  if (!found) {
    io.stderr(`Unknown command: ${argv.slice(0, 2).join(' ')}\n\n${usage()}\n`);
    return { exitCode: EXIT_USAGE };
  }
  const { command, rest } = found;
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`${commandUsage(command)}\n`);
    return { exitCode: 0 };
  }
  try {
    const parsed = parseArgs({
      args: rest,
      options: command.options ?? {},
      allowPositionals: command.positionals ?? false,
      strict: true,
    });
    return { command, args: { values: parsed.values, positionals: parsed.positionals } };
  } catch (err) {
    io.stderr(`${(err as Error).message}\n\n${commandUsage(command)}\n`);
    return { exitCode: EXIT_USAGE };
  }
}

/** What a command is given (configuration and database, each opened on first use), and its closing. */
function openSession(io: CliIo): { ctx: CliContext; close(): Promise<void> } {
  let config: AppConfig | undefined;
  let dataSource: DataSource | undefined;
  const ctx: CliContext = {
    config() {
      // The API's production requirements (token and encryption secrets) are not the CLI's:
      // a command that needs a secret says so itself (token mint).
      config ??= loadConfig(io.env, undefined, { requireServiceSecrets: false });
      return config;
    },
    async database(options = {}) {
      if (dataSource) return dataSource;
      dataSource = await openDatabase(ctx.config());
      // Only `migrate` changes the schema: every other command refuses a schema that is behind.
      if (!options.allowPending) await assertMigrated(dataSource);
      return dataSource;
    },
    out: (line) => io.stdout(`${line}\n`),
    note: (line) => io.stderr(`${line}\n`),
  };
  const close = async () => {
    if (dataSource?.isInitialized) await dataSource.destroy();
  };
  return { ctx, close };
}

function report(err: unknown, command: CliCommand, io: CliIo): number {
  if (err instanceof UsageError) {
    io.stderr(`error: ${err.message}\n\n${commandUsage(command)}\n`);
    return EXIT_USAGE;
  }
  if (err instanceof PendingMigrationsError) {
    io.stderr(`error: ${err.message}\n`);
    return EXIT_PENDING_MIGRATIONS;
  }
  if (err instanceof ConfigError) {
    io.stderr(`${err.message}\n`);
    return EXIT_USAGE;
  }
  if (err instanceof ApiError) {
    io.stderr(`error: ${err.message} (${err.code})\n`);
    const fields = (err.details?.fields ?? []) as { field: string; reason: string }[];
    for (const f of fields) io.stderr(`  - ${f.field}: ${f.reason}\n`);
    return EXIT_FAILED;
  }
  // Driver and other library errors: their message only, never a stack.
  const e = err as { message?: string; code?: string };
  io.stderr(`error: ${e?.message ?? String(err)}${e?.code ? ` (${e.code})` : ''}\n`);
  return EXIT_FAILED;
}
