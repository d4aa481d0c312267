import { isAbsolute, resolve } from 'node:path';

export type DatabaseConfig = { type: 'sqlite'; path: string } | { type: 'postgres'; url: string };

const POSTGRES_URL = /^postgres(ql)?:\/\//;

/** What is wrong with a DATABASE_URL, or undefined when it is sqlite:<path> or a postgres:// URL. */
export function databaseUrlProblem(url: string): string | undefined {
  if (url.startsWith('sqlite:')) return sqlitePath(url) ? undefined : 'DATABASE_URL sqlite:<path> needs a path';
  if (POSTGRES_URL.test(url)) return URL.canParse(url) ? undefined : 'DATABASE_URL is not a valid postgres:// URL';
  return 'DATABASE_URL must be sqlite:<path> or postgres://…';
}

/** A valid DATABASE_URL as the database to open; a relative SQLite path is relative to `cwd`. */
export function databaseConfig(url: string, cwd: string): DatabaseConfig {
  if (POSTGRES_URL.test(url)) return { type: 'postgres', url };
  const path = sqlitePath(url);
  return { type: 'sqlite', path: path === ':memory:' || isAbsolute(path) ? path : resolve(cwd, path) };
}

/** sqlite:<path>, where sqlite:///abs/path is /abs/path. */
function sqlitePath(url: string): string {
  return url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
}
