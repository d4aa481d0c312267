import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { AppConfig } from '#config';

/** Injection token: the dev-mode HS256 secret, or null when auth is configured or in production. */
export const DEV_JWT_SECRET = Symbol('DEV_JWT_SECRET');

/**
 * In dev mode without AUTH_JWT_SECRET/AUTH_JWKS_URL, a random secret is kept beside the SQLite
 * file (data/dev-jwt-secret, mode 0600) so the API and the CLI's `token mint` agree.
 * Never used in production: loadConfig refuses to start there without explicit auth settings.
 */
export function resolveDevJwtSecret(config: AppConfig, dataDir = defaultDataDir(config)): Uint8Array | null {
  if (!config.devMode || config.auth.jwtSecret || config.auth.jwksUrl) return null;
  const file = join(dataDir, 'dev-jwt-secret');
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return new TextEncoder().encode(readFileSync(file, 'utf8').trim());
}

function defaultDataDir(config: AppConfig): string {
  return config.database.type === 'sqlite' && config.database.path !== ':memory:'
    ? dirname(config.database.path)
    : join(process.cwd(), 'data');
}
