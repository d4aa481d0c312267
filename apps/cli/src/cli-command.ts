import type { ParseArgsConfig } from 'node:util';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '#config';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;
export type ParsedValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** What a command gets: the validated configuration, a lazily opened database, and output. */
export interface CliContext {
  config(): AppConfig;
  /**
   * Opens the DataSource once. Never migrates: with migrations pending it throws
   * PendingMigrationsError (exit 3), unless `allowPending` (the migrate commands).
   */
  database(options?: { allowPending?: boolean }): Promise<DataSource>;
  /** Results go to stdout (so they can be piped); notes and errors to stderr. */
  out(line: string): void;
  note(line: string): void;
}

/**
 * One operator command. `name` is one or two words ("migrate", "tenants create"); the registry
 * in commands/index.ts is the extension point: a new command is a new file plus one line there.
 */
export interface CliCommand {
  name: string;
  summary: string;
  /** Argument synopsis shown in help, e.g. "--tenant <id> [--name <name>]". */
  usage: string;
  options?: OptionSpec;
  /** Allow positional arguments (e.g. a file path). */
  positionals?: boolean;
  /** Resolves to the exit code (default 0); throw UsageError for bad arguments. */
  run(args: { values: ParsedValues; positionals: string[] }, ctx: CliContext): Promise<number | void>;
}

/** Bad arguments: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function requireString(values: ParsedValues, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value.trim();
}

export function optionalString(values: ParsedValues, name: string): string | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} needs a value`);
  return value.trim();
}

/** Repeatable and/or comma-separated list option: --origin a --origin b, or --origin a,b. */
export function listOption(values: ParsedValues, name: string): string[] {
  const raw = values[name];
  const items = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return items
    .flatMap((item) => String(item).split(','))
    .map((s) => s.trim())
    .filter(Boolean);
}

const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A tenant id as the API accepts it: any UUID-shaped value, compared lower-case. */
export function tenantIdOption(values: ParsedValues, name = 'tenant'): string {
  const id = requireString(values, name);
  if (!UUID_SHAPE.test(id)) throw new UsageError(`--${name} must be a tenant id (a UUID), got "${id}"`);
  return id.toLowerCase();
}

/** Aligned columns for list output. */
export function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd(),
  );
}
