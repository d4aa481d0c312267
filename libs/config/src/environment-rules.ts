import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Environment, NodeEnvironment } from './environment.js';

// What depends on more than one variable (or on the working directory): the defaults that follow
// NODE_ENV, and the problems no single variable has.

export function nodeEnvironment(env: Environment): NodeEnvironment {
  return env.NODE_ENV ?? 'development';
}

function isProduction(env: Environment): boolean {
  return env.NODE_ENV === 'production';
}

function verifiesBearers(env: Environment): boolean {
  return env.AUTH_JWT_SECRET !== undefined || env.AUTH_JWKS_URL !== undefined;
}

/**
 * Dev-only conveniences are on outside production, except that operator auth settings without
 * NODE_ENV look like a deployment that forgot it: they fail closed.
 */
export function isDevMode(env: Environment): boolean {
  return !isProduction(env) && (env.NODE_ENV !== undefined || !verifiesBearers(env));
}

/** Development listens on loopback unless told otherwise; a deployment binds every interface. */
export function listenHost(env: Environment): string {
  return env.HOST ?? (nodeEnvironment(env) === 'development' ? '127.0.0.1' : '0.0.0.0');
}

export function logLevel(env: Environment): string {
  return env.LOG_LEVEL ?? (nodeEnvironment(env) === 'test' ? 'silent' : 'info');
}

/** Always in development; opt-in in production. */
export function migratesOnStart(env: Environment): boolean {
  return env.MIGRATE_ON_START ?? !isProduction(env);
}

/** Never in production; failing closed, only with DEMO_TENANT=true when dev mode is off. */
export function seedsDemoTenant(env: Environment): boolean {
  return !isProduction(env) && (env.DEMO_TENANT ?? isDevMode(env));
}

/**
 * The problems between variables. `requireServiceSecrets`: production refuses to start without
 * token verification settings and MFA_ENCRYPTION_KEY (the API; the CLI's commands check for the
 * secrets they use).
 */
export function crossVariableProblems(env: Environment, cwd: string, requireServiceSecrets: boolean): string[] {
  const problems = [
    requireServiceSecrets ? productionWithoutBearerVerification(env) : undefined,
    requireServiceSecrets ? productionWithoutEncryptionKey(env) : undefined,
    missingFile('FIDO_MDS_FILE', env.FIDO_MDS_FILE, cwd),
    missingFile('FIDO_MDS_ROOT_CERT', env.FIDO_MDS_ROOT_CERT, cwd),
    sameIssuers(env),
    samePorts(env),
  ];
  return problems.filter((problem) => problem !== undefined);
}

function productionWithoutBearerVerification(env: Environment): string | undefined {
  if (!isProduction(env) || verifiesBearers(env)) return undefined;
  return 'NODE_ENV=production requires AUTH_JWT_SECRET or AUTH_JWKS_URL';
}

function productionWithoutEncryptionKey(env: Environment): string | undefined {
  if (!isProduction(env) || env.MFA_ENCRYPTION_KEY !== undefined) return undefined;
  return 'NODE_ENV=production requires MFA_ENCRYPTION_KEY (32 bytes, hex or base64)';
}

function missingFile(name: string, path: string | undefined, cwd: string): string | undefined {
  if (path === undefined || existsSync(resolve(cwd, path))) return undefined;
  return `${name} does not exist (got "${path}")`;
}

/** The bearer verifier refuses tokens with Tessera's own issuer, so the two must differ. */
function sameIssuers(env: Environment): string | undefined {
  if (env.AUTH_ISSUER === undefined || env.AUTH_ISSUER !== env.MFA_TOKEN_ISSUER) return undefined;
  return `AUTH_ISSUER must differ from MFA_TOKEN_ISSUER ("${env.MFA_TOKEN_ISSUER}"): Tessera's MFA tokens are never bearer tokens`;
}

/** Judged on ports that are numbers: one that is not has a problem of its own. */
function samePorts(env: Environment): string | undefined {
  if (typeof env.PORT !== 'number' || env.METRICS_PORT === 0 || env.METRICS_PORT !== env.PORT) return undefined;
  return `METRICS_PORT must differ from PORT (both ${env.PORT}): /metrics is never served on the API port`;
}
