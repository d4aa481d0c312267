import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

export type DatabaseConfig = { type: 'sqlite'; path: string } | { type: 'postgres'; url: string };

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

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Reads and validates the environment once. Nothing else in the code base reads process.env;
 * a bad value throws a ConfigError listing every problem, so the process stops at start.
 */
export interface LoadConfigOptions {
  /**
   * Production refuses to start without token verification settings and MFA_ENCRYPTION_KEY (true,
   * the API). The operator CLI passes false: its commands check for the secrets they use.
   */
  requireServiceSecrets?: boolean;
}

export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
  options: LoadConfigOptions = {},
): AppConfig {
  const requireSecrets = options.requireServiceSecrets ?? true;
  const problems: string[] = [];
  const str = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name} must be an integer between ${min} and ${max} (got "${raw}")`);
      return fallback;
    }
    return Number(raw);
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = str(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    problems.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  };

  const nodeEnvSet = str('NODE_ENV') !== undefined;
  const nodeEnv = str('NODE_ENV') ?? 'development';
  let envName: AppConfig['env'] = 'development';
  if (nodeEnv === 'production' || nodeEnv === 'test' || nodeEnv === 'development') envName = nodeEnv;
  else problems.push(`NODE_ENV must be development, test or production (got "${nodeEnv}")`);
  const production = envName === 'production';

  const database = parseDatabaseUrl(str('DATABASE_URL'), cwd, problems);

  const secret = str('AUTH_JWT_SECRET');
  if (secret !== undefined && Buffer.byteLength(secret) < 32) {
    problems.push('AUTH_JWT_SECRET must be at least 32 bytes (HS256 needs a 256-bit key)');
  }
  let jwksUrl: URL | undefined;
  const jwksRaw = str('AUTH_JWKS_URL');
  if (jwksRaw !== undefined) {
    try {
      jwksUrl = new URL(jwksRaw);
      if (jwksUrl.protocol !== 'https:' && !(jwksUrl.protocol === 'http:' && isLoopback(jwksUrl.hostname))) {
        problems.push('AUTH_JWKS_URL must be https (http only for localhost)');
      }
    } catch {
      problems.push(`AUTH_JWKS_URL is not a URL (got "${jwksRaw}")`);
    }
  }
  if (production && requireSecrets && secret === undefined && jwksRaw === undefined) {
    problems.push('NODE_ENV=production requires AUTH_JWT_SECRET or AUTH_JWKS_URL');
  }

  const tenantClaim = str('AUTH_TENANT_CLAIM') ?? 'tenant_id';
  if (!/^[A-Za-z0-9_.:/-]{1,100}$/.test(tenantClaim)) problems.push('AUTH_TENANT_CLAIM has invalid characters');
  const claimList = (name: string, fallback: string[]): string[] => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    const names = raw.split(',').map((n) => n.trim());
    if (names.length > 5 || !names.every((n) => /^[A-Za-z0-9_.:/-]{1,100}$/.test(n))) {
      problems.push(`${name} must be up to 5 comma-separated claim names of letters, digits and _.:/- (got "${raw}")`);
      return fallback;
    }
    return names;
  };
  const userNameClaims = claimList('AUTH_USER_NAME_CLAIM', ['preferred_username', 'email']);
  const displayNameClaims = claimList('AUTH_DISPLAY_NAME_CLAIM', ['name']);

  const platformApiKey = str('PLATFORM_API_KEY');
  if (platformApiKey !== undefined && platformApiKey.length < 24) {
    problems.push('PLATFORM_API_KEY must be at least 24 characters');
  }

  const redisUrl = str('REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl))
    problems.push('REDIS_URL must start with redis:// or rediss://');

  const corsOrigins = (str('CORS_ORIGINS') ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of corsOrigins) {
    try {
      const url = new URL(origin);
      if (url.origin !== origin)
        problems.push(`CORS_ORIGINS entry "${origin}" must be a bare origin like https://app.example.com`);
    } catch {
      problems.push(`CORS_ORIGINS entry "${origin}" is not a URL`);
    }
  }

  const logLevel = str('LOG_LEVEL') ?? (envName === 'test' ? 'silent' : 'info');
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);

  const trustProxyRaw = str('TRUST_PROXY');
  let trustProxy: boolean | number | string = false;
  if (trustProxyRaw !== undefined) {
    if (/^(true|false)$/i.test(trustProxyRaw)) trustProxy = trustProxyRaw.toLowerCase() === 'true';
    else if (/^\d+$/.test(trustProxyRaw)) trustProxy = Number(trustProxyRaw);
    else if (/^[0-9a-fA-F:.,/ a-z]+$/.test(trustProxyRaw)) trustProxy = trustProxyRaw;
    else
      problems.push(
        'TRUST_PROXY must be true, false, a hop count, or a list of addresses/subnets (loopback, 10.0.0.0/8, …)',
      );
  }

  let encryptionKey: Buffer | undefined;
  const encRaw = str('MFA_ENCRYPTION_KEY');
  if (encRaw !== undefined) {
    encryptionKey = Buffer.from(encRaw, /^[0-9a-fA-F]{64}$/.test(encRaw) ? 'hex' : 'base64');
    if (encryptionKey.length !== 32)
      problems.push('MFA_ENCRYPTION_KEY must be 32 bytes, as 64 hex characters or base64');
  } else if (production && requireSecrets) {
    problems.push('NODE_ENV=production requires MFA_ENCRYPTION_KEY (32 bytes, hex or base64)');
  }
  const tokenPem = str('MFA_TOKEN_PRIVATE_KEY')?.replace(/\\n/g, '\n');
  if (tokenPem !== undefined && !tokenPem.includes('BEGIN PRIVATE KEY'))
    problems.push('MFA_TOKEN_PRIVATE_KEY must be a PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)');
  const previousTokenPem = str('MFA_TOKEN_PREVIOUS_PUBLIC_KEY')?.replace(/\\n/g, '\n');
  if (previousTokenPem !== undefined && !previousTokenPem.includes('BEGIN PUBLIC KEY'))
    problems.push('MFA_TOKEN_PREVIOUS_PUBLIC_KEY must be an SPKI PEM (-----BEGIN PUBLIC KEY-----)');

  const mdsFile = str('FIDO_MDS_FILE');
  if (mdsFile !== undefined && !existsSync(resolve(cwd, mdsFile)))
    problems.push(`FIDO_MDS_FILE does not exist (got "${mdsFile}")`);
  const mdsRoot = str('FIDO_MDS_ROOT_CERT');
  if (mdsRoot !== undefined && !existsSync(resolve(cwd, mdsRoot)))
    problems.push(`FIDO_MDS_ROOT_CERT does not exist (got "${mdsRoot}")`);
  let mdsUrl: URL | undefined;
  const mdsUrlRaw = str('FIDO_MDS_URL');
  if (mdsUrlRaw !== undefined) {
    try {
      mdsUrl = new URL(mdsUrlRaw);
      if (mdsUrl.protocol !== 'https:' && !(mdsUrl.protocol === 'http:' && isLoopback(mdsUrl.hostname)))
        problems.push('FIDO_MDS_URL must be https (http only for localhost)');
    } catch {
      problems.push(`FIDO_MDS_URL is not a URL (got "${mdsUrlRaw}")`);
    }
  }

  let publicUrl: string | undefined;
  const publicUrlRaw = str('PUBLIC_URL');
  if (publicUrlRaw !== undefined) {
    try {
      const url = new URL(publicUrlRaw);
      if (!['http:', 'https:'].includes(url.protocol) || url.search || url.hash || url.username || url.password)
        throw new Error('not a base URL');
      publicUrl = url.href.replace(/\/+$/, '');
    } catch {
      problems.push(
        `PUBLIC_URL must be an http(s) base URL without query, fragment or credentials, like https://mfa.example.com (got "${publicUrlRaw}")`,
      );
    }
  }

  // Operator auth settings without NODE_ENV look like a deployment: no dev-only feature runs.
  const devMode = !production && (nodeEnvSet || (secret === undefined && jwksRaw === undefined));

  const config: AppConfig = {
    env: envName,
    nodeEnvSet,
    devMode,
    port: int('PORT', 3000, 0, 65535),
    // Development listens on loopback unless told otherwise; a deployment binds every interface.
    host: str('HOST') ?? (envName === 'development' ? '127.0.0.1' : '0.0.0.0'),
    metrics: { port: int('METRICS_PORT', 9464, 0, 65535), host: str('METRICS_HOST') ?? '0.0.0.0' },
    publicUrl,
    database,
    migrateOnStart: bool('MIGRATE_ON_START', !production),
    auth: {
      jwtSecret: secret === undefined ? undefined : new TextEncoder().encode(secret),
      jwksUrl,
      issuer: str('AUTH_ISSUER'),
      audience: str('AUTH_AUDIENCE'),
      tenantClaim,
      clockToleranceSeconds: int('AUTH_CLOCK_TOLERANCE_SECONDS', 30, 0, 60),
      maxTokenLifetimeSeconds: int('AUTH_MAX_TOKEN_LIFETIME_SECONDS', 86_400, 60, 30 * 86_400),
      jwksStaleSeconds: int('AUTH_JWKS_STALE_SECONDS', 86_400, 0, 30 * 86_400),
      userNameClaims,
      displayNameClaims,
    },
    platformApiKey,
    redisUrl,
    corsOrigins,
    logLevel,
    // Failing closed, the demo tenant is seeded only when DEMO_TENANT=true is set explicitly.
    demoTenant: !production && bool('DEMO_TENANT', devMode),
    trustProxy,
    rateLimits: {
      enrollPerMinute: int('RATE_LIMIT_ENROLL_PER_MINUTE', 30, 0, 1_000_000),
      mfaFailures: int('RATE_LIMIT_MFA_FAILURES', 10, 0, 1_000_000),
      ipPerMinute: int('RATE_LIMIT_IP_PER_MINUTE', 0, 0, 10_000_000),
    },
    mfa: {
      encryptionKey,
      tokenPrivateKeyPem: tokenPem,
      tokenPreviousPublicKeyPem: previousTokenPem,
      tokenIssuer: str('MFA_TOKEN_ISSUER') ?? 'tessera',
      tokenAudience: str('MFA_TOKEN_AUDIENCE'),
      tokenTtlSeconds: int('MFA_TOKEN_TTL_SECONDS', 300, 30, 3600),
    },
    purgeIntervalSeconds: int('PURGE_INTERVAL_SECONDS', 60, 1, 86_400),
    policyCacheTenants: int('POLICY_CACHE_TENANTS', 1000, 1, 1_000_000),
    webhooks: {
      allowPrivateNetworks: bool('WEBHOOK_ALLOW_PRIVATE_NETWORKS', false),
      firstRetrySeconds: int('WEBHOOK_FIRST_RETRY_SECONDS', 5, 0, 10),
      pollIntervalMs: int('WEBHOOK_POLL_INTERVAL_MS', 1000, 50, 60_000),
      dispatcher: bool('WEBHOOK_DISPATCHER', true),
    },
    fidoMds: {
      file: mdsFile === undefined ? undefined : resolve(cwd, mdsFile),
      url: mdsUrl,
      refreshSeconds: int('FIDO_MDS_REFRESH_SECONDS', 86_400, 60, 30 * 86_400),
      rootCertFile: mdsRoot === undefined ? undefined : resolve(cwd, mdsRoot),
    },
    attestationCrlFetch: bool('ATTESTATION_CRL_FETCH', false),
  };
  if (config.auth.issuer !== undefined && config.auth.issuer === config.mfa.tokenIssuer) {
    // The bearer verifier refuses tokens with Tessera's own issuer, so the two must differ.
    problems.push(
      `AUTH_ISSUER must differ from MFA_TOKEN_ISSUER ("${config.mfa.tokenIssuer}"): Tessera's MFA tokens are never bearer tokens`,
    );
  }
  if (config.metrics.port !== 0 && config.metrics.port === config.port)
    problems.push(`METRICS_PORT must differ from PORT (both ${config.port}): /metrics is never served on the API port`);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function parseDatabaseUrl(raw: string | undefined, cwd: string, problems: string[]): DatabaseConfig {
  if (raw === undefined) return { type: 'sqlite', path: resolve(cwd, 'data/tessera.sqlite') };
  if (raw.startsWith('sqlite:')) {
    const path = raw.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!path) problems.push('DATABASE_URL sqlite:<path> needs a path');
    if (path === ':memory:') return { type: 'sqlite', path };
    return { type: 'sqlite', path: isAbsolute(path) ? path : resolve(cwd, path) };
  }
  if (/^postgres(ql)?:\/\//.test(raw)) {
    try {
      new URL(raw);
    } catch {
      problems.push('DATABASE_URL is not a valid postgres:// URL');
    }
    return { type: 'postgres', url: raw };
  }
  problems.push('DATABASE_URL must be sqlite:<path> or postgres://…');
  return { type: 'sqlite', path: ':memory:' };
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}
