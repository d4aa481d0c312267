import { resolve } from 'node:path';
import { databaseConfig, type DatabaseConfig } from './database-url.js';
import { environmentProblems, readEnvironment, type Environment, type PLAN_CACHE_MODES } from './environment.js';
import {
  crossVariableProblems,
  isDevMode,
  listenHost,
  logLevel,
  migratesOnStart,
  nodeEnvironment,
  seedsDemoTenant,
} from './environment-rules.js';

export type { DatabaseConfig };

/** How PostgreSQL plans prepared statements (libs/persistence/src/plan-caching.ts). */
export type PlanCacheMode = (typeof PLAN_CACHE_MODES)[number];

export interface AppConfig {
  env: 'development' | 'test' | 'production';
  /** Whether NODE_ENV was given (development is only the default when it is not). */
  nodeEnvSet: boolean;
  /**
   * Dev-only conveniences (demo page and /demo/session, dev tokens, demo tenant) are on outside
   * production, except that they fail closed when NODE_ENV is unset while AUTH_JWT_SECRET or
   * AUTH_JWKS_URL is set: a deployment that forgot NODE_ENV serves none of them.
   */
  devMode: boolean;
  port: number;
  host: string;
  /** The Prometheus listener (/metrics), apart from the API port. Port 0: an ephemeral port (tests). */
  metrics: { port: number; host: string };
  /** The base URL clients reach the API at (OpenAPI `servers`); the listen address when unset. */
  publicUrl?: string;
  database: DatabaseConfig;
  /** PostgreSQL: the service's statements go as named prepared statements (DATABASE_PREPARED_STATEMENTS). */
  databasePreparedStatements: boolean;
  /**
   * PostgreSQL: `auto` lets the database keep a prepared statement's plan, `force_custom_plan` plans
   * every execution with its values (DATABASE_PLAN_CACHE_MODE); unset, the service asks the database.
   */
  databasePlanCacheMode?: PlanCacheMode;
  /** Run pending migrations when the API starts (always in dev; opt-in in production). */
  migrateOnStart: boolean;
  auth: {
    jwtSecret?: Uint8Array;
    jwksUrl?: URL;
    issuer?: string;
    audience?: string;
    tenantClaim: string;
    /** Clock tolerance for exp/nbf/iat/auth_time in seconds. */
    clockToleranceSeconds: number;
    /** Bearers whose lifetime (exp − iat) is longer are refused. */
    maxTokenLifetimeSeconds: number;
    /** How long the last JWKS fetched keeps verifying while the identity provider cannot be reached. */
    jwksStaleSeconds: number;
    /** Claims tried in order for the user's name (passkey user.name, TOTP label); `sub` is the last resort. */
    userNameClaims: string[];
    /** Claims tried in order for the display name; the user name is the last resort. */
    displayNameClaims: string[];
  };
  platformApiKey?: string;
  redisUrl?: string;
  corsOrigins: string[];
  logLevel: string;
  /** Seed a demo tenant on start (dev mode only). */
  demoTenant: boolean;
  /** Express `trust proxy`: read the client address from X-Forwarded-For (behind a gateway). */
  trustProxy: boolean | number | string;
  rateLimits: {
    /** Registration options + completions per (tenant, user) per minute. 0 disables. */
    enrollPerMinute: number;
    /** Failed MFA verifications per (tenant, user) per 15 minutes. 0 disables. */
    mfaFailures: number;
    /** Requests per client IP per minute; 0 (default) disables: behind a gateway every request has its address. */
    ipPerMinute: number;
  };
  mfa: {
    /** 32-byte key (AES-256-GCM) for TOTP secrets and the generated token-signing key at rest. */
    encryptionKey?: Buffer;
    /** PKCS#8 PEM of the ES256 key that signs MFA tokens; generated and stored when absent. */
    tokenPrivateKeyPem?: string;
    /** SPKI PEM of the key that signed MFA tokens before the current one: still published and accepted. */
    tokenPreviousPublicKeyPem?: string;
    tokenIssuer: string;
    tokenAudience?: string;
    tokenTtlSeconds: number;
  };
  /** How often expired pending enrollments and challenges are purged. */
  purgeIntervalSeconds: number;
  /** Tenants whose Cedar policy sets stay preparsed (LRU). */
  policyCacheTenants: number;
  webhooks: {
    /** Let webhook URLs reach loopback, private and link-local addresses (tests, on-premises receivers). */
    allowPrivateNetworks: boolean;
    /** Delay before the first retry of a failed delivery (0–10 s; later retries back off to hours). */
    firstRetrySeconds: number;
    /** How often the dispatcher looks for new events and due retries. */
    pollIntervalMs: number;
    /** Run the dispatcher on this node (one node of a cluster delivers at a time, by lease). */
    dispatcher: boolean;
  };
  /** FIDO Metadata Service (MDS3): where the signed BLOB comes from and which root it must chain to. */
  fidoMds: {
    /** A BLOB (JWT) on disk, loaded at start: no network needed. */
    file?: string;
    /** An MDS3 endpoint fetched at start (in the background) and every refreshSeconds. */
    url?: URL;
    refreshSeconds: number;
    /** PEM file of the root the BLOB's x5c must chain to; the bundled MDS roots when absent. */
    rootCertFile?: string;
  };
  /**
   * Revocation lists named by attestation (and BLOB) certificates are fetched only when this is on
   * (ATTESTATION_CRL_FETCH=true): each fetch is bounded to 2 s and cached. Off by default, so a
   * registration never waits on the network.
   */
  attestationCrlFetch: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions {
  /**
   * Production refuses to start without token verification settings and MFA_ENCRYPTION_KEY (true,
   * the API). The operator CLI passes false: its commands check for the secrets they use.
   */
  requireServiceSecrets?: boolean;
}

/**
 * Reads and validates the environment once (the variables are declared in environment.ts).
 * Nothing else in the code base reads process.env; a bad value throws a ConfigError listing
 * every problem, so the process stops at start.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
  options: LoadConfigOptions = {},
): AppConfig {
  const environment = readEnvironment(env);
  const problems = [
    ...environmentProblems(environment),
    ...crossVariableProblems(environment, cwd, options.requireServiceSecrets ?? true),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  return toAppConfig(environment, cwd);
}

function toAppConfig(env: Environment, cwd: string): AppConfig {
  return {
    env: nodeEnvironment(env),
    nodeEnvSet: env.NODE_ENV !== undefined,
    devMode: isDevMode(env),
    port: env.PORT,
    host: listenHost(env),
    metrics: { port: env.METRICS_PORT, host: env.METRICS_HOST },
    publicUrl: env.PUBLIC_URL,
    database: databaseConfig(env.DATABASE_URL, cwd),
    databasePreparedStatements: env.DATABASE_PREPARED_STATEMENTS,
    databasePlanCacheMode: env.DATABASE_PLAN_CACHE_MODE,
    migrateOnStart: migratesOnStart(env),
    auth: authConfig(env),
    platformApiKey: env.PLATFORM_API_KEY,
    redisUrl: env.REDIS_URL,
    corsOrigins: env.CORS_ORIGINS.map((entry) => entry.origin),
    logLevel: logLevel(env),
    demoTenant: seedsDemoTenant(env),
    trustProxy: env.TRUST_PROXY,
    rateLimits: {
      enrollPerMinute: env.RATE_LIMIT_ENROLL_PER_MINUTE,
      mfaFailures: env.RATE_LIMIT_MFA_FAILURES,
      ipPerMinute: env.RATE_LIMIT_IP_PER_MINUTE,
    },
    mfa: mfaConfig(env),
    purgeIntervalSeconds: env.PURGE_INTERVAL_SECONDS,
    policyCacheTenants: env.POLICY_CACHE_TENANTS,
    webhooks: {
      allowPrivateNetworks: env.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
      firstRetrySeconds: env.WEBHOOK_FIRST_RETRY_SECONDS,
      pollIntervalMs: env.WEBHOOK_POLL_INTERVAL_MS,
      dispatcher: env.WEBHOOK_DISPATCHER,
    },
    fidoMds: fidoMdsConfig(env, cwd),
    attestationCrlFetch: env.ATTESTATION_CRL_FETCH,
  };
}

function authConfig(env: Environment): AppConfig['auth'] {
  return {
    jwtSecret: env.AUTH_JWT_SECRET === undefined ? undefined : new TextEncoder().encode(env.AUTH_JWT_SECRET),
    jwksUrl: env.AUTH_JWKS_URL,
    issuer: env.AUTH_ISSUER,
    audience: env.AUTH_AUDIENCE,
    tenantClaim: env.AUTH_TENANT_CLAIM,
    clockToleranceSeconds: env.AUTH_CLOCK_TOLERANCE_SECONDS,
    maxTokenLifetimeSeconds: env.AUTH_MAX_TOKEN_LIFETIME_SECONDS,
    jwksStaleSeconds: env.AUTH_JWKS_STALE_SECONDS,
    userNameClaims: env.AUTH_USER_NAME_CLAIM,
    displayNameClaims: env.AUTH_DISPLAY_NAME_CLAIM,
  };
}

function mfaConfig(env: Environment): AppConfig['mfa'] {
  return {
    encryptionKey: env.MFA_ENCRYPTION_KEY,
    tokenPrivateKeyPem: env.MFA_TOKEN_PRIVATE_KEY,
    tokenPreviousPublicKeyPem: env.MFA_TOKEN_PREVIOUS_PUBLIC_KEY,
    tokenIssuer: env.MFA_TOKEN_ISSUER,
    tokenAudience: env.MFA_TOKEN_AUDIENCE,
    tokenTtlSeconds: env.MFA_TOKEN_TTL_SECONDS,
  };
}

function fidoMdsConfig(env: Environment, cwd: string): AppConfig['fidoMds'] {
  return {
    file: env.FIDO_MDS_FILE === undefined ? undefined : resolve(cwd, env.FIDO_MDS_FILE),
    url: env.FIDO_MDS_URL,
    refreshSeconds: env.FIDO_MDS_REFRESH_SECONDS,
    rootCertFile: env.FIDO_MDS_ROOT_CERT === undefined ? undefined : resolve(cwd, env.FIDO_MDS_ROOT_CERT),
  };
}
