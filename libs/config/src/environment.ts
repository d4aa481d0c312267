import { plainToInstance } from 'class-transformer';
import { IsIn, Matches, ValidateIf, validateSync, type ValidationError } from 'class-validator';
import { EnvBoolean, EnvInteger, EnvString } from './environment.decorators.js';
import {
  CLAIM_NAME,
  EnvBaseUrl,
  EnvClaimList,
  EnvCorsOrigins,
  EnvDatabaseUrl,
  EnvKey32,
  EnvPem,
  EnvSecret,
  EnvSecureUrl,
  EnvTrustProxy,
  type CorsOrigin,
} from './environment-formats.js';

export const NODE_ENVIRONMENTS = ['development', 'test', 'production'] as const;
export type NodeEnvironment = (typeof NODE_ENVIRONMENTS)[number];

export const PLAN_CACHE_MODES = ['auto', 'force_custom_plan'] as const;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const THIRTY_DAYS = 30 * 86_400;

/**
 * Every environment variable Tessera reads, with its type, default (the initial value) and format.
 * Values are trimmed and a blank one counts as unset. The defaults that follow other variables
 * (HOST, LOG_LEVEL, MIGRATE_ON_START, DEMO_TENANT) and the rules between variables are in
 * environment-rules.ts.
 */
export class Environment {
  /** Unset means development, but with auth settings given dev mode then fails closed (isDevMode). */
  @EnvString(
    IsIn(NODE_ENVIRONMENTS, {
      message: (a) => `NODE_ENV must be development, test or production (got "${String(a.value)}")`,
    }),
  )
  NODE_ENV?: NodeEnvironment;

  @EnvInteger(0, 65_535)
  PORT = 3000;
  @EnvString()
  HOST?: string;
  @EnvInteger(0, 65_535)
  METRICS_PORT = 9464;
  @EnvString()
  METRICS_HOST = '0.0.0.0';
  @EnvBaseUrl()
  PUBLIC_URL?: string;
  /** A relative SQLite path is relative to the working directory. */
  @EnvDatabaseUrl()
  DATABASE_URL = 'sqlite:data/tessera.sqlite';
  /** PostgreSQL: named prepared statements for the service's own statements (off behind a transaction pooler). */
  @EnvBoolean()
  DATABASE_PREPARED_STATEMENTS = true;
  /** PostgreSQL: how prepared statements are planned; unset, by whether autovacuum keeps the statistics. */
  @EnvString(
    IsIn(PLAN_CACHE_MODES, { message: `DATABASE_PLAN_CACHE_MODE must be one of ${PLAN_CACHE_MODES.join(', ')}` }),
  )
  DATABASE_PLAN_CACHE_MODE?: (typeof PLAN_CACHE_MODES)[number];
  @EnvBoolean()
  MIGRATE_ON_START?: boolean;

  @EnvSecret(32, 'bytes', ' (HS256 needs a 256-bit key)')
  AUTH_JWT_SECRET?: string;
  @EnvSecureUrl()
  AUTH_JWKS_URL?: URL;
  @EnvString()
  AUTH_ISSUER?: string;
  @EnvString()
  AUTH_AUDIENCE?: string;
  @EnvString(Matches(CLAIM_NAME, { message: 'AUTH_TENANT_CLAIM has invalid characters' }))
  AUTH_TENANT_CLAIM = 'tenant_id';
  @EnvInteger(0, 60)
  AUTH_CLOCK_TOLERANCE_SECONDS = 30;
  @EnvInteger(60, THIRTY_DAYS)
  AUTH_MAX_TOKEN_LIFETIME_SECONDS = 86_400;
  @EnvInteger(0, THIRTY_DAYS)
  AUTH_JWKS_STALE_SECONDS = 86_400;
  @EnvClaimList()
  AUTH_USER_NAME_CLAIM = ['preferred_username', 'email'];
  @EnvClaimList()
  AUTH_DISPLAY_NAME_CLAIM = ['name'];

  @EnvSecret(24, 'characters')
  PLATFORM_API_KEY?: string;
  @EnvString(Matches(/^rediss?:\/\//, { message: 'REDIS_URL must start with redis:// or rediss://' }))
  REDIS_URL?: string;
  @EnvCorsOrigins()
  CORS_ORIGINS: CorsOrigin[] = [];
  @EnvString(IsIn(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` }))
  LOG_LEVEL?: string;
  /** Never on in production, where it is not even read. */
  @ValidateIf((env: Environment) => env.NODE_ENV !== 'production')
  @EnvBoolean()
  DEMO_TENANT?: boolean;
  @EnvTrustProxy()
  TRUST_PROXY: boolean | number | string = false;

  @EnvInteger(0, 1_000_000)
  RATE_LIMIT_ENROLL_PER_MINUTE = 30;
  @EnvInteger(0, 1_000_000)
  RATE_LIMIT_MFA_FAILURES = 10;
  @EnvInteger(0, 10_000_000)
  RATE_LIMIT_IP_PER_MINUTE = 0;

  @EnvKey32()
  MFA_ENCRYPTION_KEY?: Buffer;
  @EnvPem('PRIVATE KEY', 'a PKCS#8')
  MFA_TOKEN_PRIVATE_KEY?: string;
  @EnvPem('PUBLIC KEY', 'an SPKI')
  MFA_TOKEN_PREVIOUS_PUBLIC_KEY?: string;
  @EnvString()
  MFA_TOKEN_ISSUER = 'tessera';
  @EnvString()
  MFA_TOKEN_AUDIENCE?: string;
  @EnvInteger(30, 3600)
  MFA_TOKEN_TTL_SECONDS = 300;

  @EnvInteger(1, 86_400)
  PURGE_INTERVAL_SECONDS = 60;
  @EnvInteger(1, 1_000_000)
  POLICY_CACHE_TENANTS = 1000;

  @EnvBoolean()
  WEBHOOK_ALLOW_PRIVATE_NETWORKS = false;
  @EnvInteger(0, 10)
  WEBHOOK_FIRST_RETRY_SECONDS = 5;
  @EnvInteger(50, 60_000)
  WEBHOOK_POLL_INTERVAL_MS = 1000;
  @EnvBoolean()
  WEBHOOK_DISPATCHER = true;

  /** A file, relative to the working directory, that must exist (as FIDO_MDS_ROOT_CERT). */
  @EnvString()
  FIDO_MDS_FILE?: string;
  @EnvSecureUrl()
  FIDO_MDS_URL?: URL;
  @EnvInteger(60, THIRTY_DAYS)
  FIDO_MDS_REFRESH_SECONDS = 86_400;
  @EnvString()
  FIDO_MDS_ROOT_CERT?: string;
  @EnvBoolean()
  ATTESTATION_CRL_FETCH = false;
}

/** The declared variables of `env`: trimmed, blank ones unset, parsed where they parse. */
export function readEnvironment(env: NodeJS.ProcessEnv): Environment {
  const set = Object.entries(env).flatMap(([name, value]) => {
    const trimmed = value?.trim();
    return trimmed ? [[name, trimmed] as const] : [];
  });
  return plainToInstance(Environment, Object.fromEntries(set), {
    excludeExtraneousValues: true,
    exposeDefaultValues: true,
  });
}

/** Every variable's problem (the first check it fails), in declaration order; each bad list entry's. */
export function environmentProblems(environment: Environment): string[] {
  const errors = validateSync(environment, {
    stopAtFirstError: true,
    forbidUnknownValues: true,
    // The problems are all that leaves: never a value (secrets) nor the whole environment.
    validationError: { target: false, value: false },
  });
  return messagesOf(errors);
}

function messagesOf(errors: ValidationError[]): string[] {
  return errors.flatMap((error) => [...Object.values(error.constraints ?? {}), ...messagesOf(error.children ?? [])]);
}
