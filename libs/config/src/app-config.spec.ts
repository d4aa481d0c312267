import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from './app-config.js';
import { developmentModeWarning } from './development-mode.js';

const CWD = '/srv/tessera';
const SECRET = 'x'.repeat(32);
const PROD_BASE = { NODE_ENV: 'production', AUTH_JWT_SECRET: SECRET, MFA_ENCRYPTION_KEY: 'ab'.repeat(32) };

/** Runs loadConfig and returns the ConfigError's problems (fails the test when it does not throw). */
function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env, CWD);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail(`expected ${JSON.stringify(env)} to be refused`);
}

describe('loadConfig', () => {
  it('defaults: development on port 3000, SQLite under ./data, migrations and demo tenant on', () => {
    const config = loadConfig({}, CWD);
    assert.equal(config.env, 'development');
    assert.equal(config.devMode, true);
    assert.equal(config.port, 3000);
    assert.equal(config.host, '127.0.0.1', 'development listens on loopback by default');
    assert.deepEqual(config.database, { type: 'sqlite', path: '/srv/tessera/data/tessera.sqlite' });
    assert.equal(config.migrateOnStart, true);
    assert.equal(config.demoTenant, true);
    assert.equal(config.auth.tenantClaim, 'tenant_id');
    assert.deepEqual(config.auth.userNameClaims, ['preferred_username', 'email']);
    assert.deepEqual(config.auth.displayNameClaims, ['name']);
    assert.equal(config.auth.jwtSecret, undefined);
    assert.equal(config.auth.jwksUrl, undefined);
    assert.equal(config.platformApiKey, undefined);
    assert.equal(config.redisUrl, undefined);
    assert.deepEqual(config.corsOrigins, []);
    assert.equal(config.logLevel, 'info');
    assert.ok(config.auth.clockToleranceSeconds <= 60);
    assert.equal(config.attestationCrlFetch, false, 'registration never waits on the network by default');
  });

  it('ATTESTATION_CRL_FETCH turns revocation list fetching on, and must be a boolean', () => {
    assert.equal(loadConfig({ ATTESTATION_CRL_FETCH: 'true' }, CWD).attestationCrlFetch, true);
    assert.throws(
      () => loadConfig({ ATTESTATION_CRL_FETCH: 'maybe' }, CWD),
      /ATTESTATION_CRL_FETCH must be true or false/,
    );
  });

  it('DATABASE_PREPARED_STATEMENTS is on by default, off with false, and must be a boolean', () => {
    assert.equal(loadConfig({}, CWD).databasePreparedStatements, true);
    assert.equal(loadConfig({ DATABASE_PREPARED_STATEMENTS: 'false' }, CWD).databasePreparedStatements, false);
    assert.throws(
      () => loadConfig({ DATABASE_PREPARED_STATEMENTS: 'sometimes' }, CWD),
      /DATABASE_PREPARED_STATEMENTS must be true or false/,
    );
  });

  it('DATABASE_PLAN_CACHE_MODE is unset by default (the database decides), and must be a PostgreSQL mode', () => {
    assert.equal(loadConfig({}, CWD).databasePlanCacheMode, undefined);
    assert.equal(loadConfig({ DATABASE_PLAN_CACHE_MODE: 'auto' }, CWD).databasePlanCacheMode, 'auto');
    assert.equal(
      loadConfig({ DATABASE_PLAN_CACHE_MODE: 'force_custom_plan' }, CWD).databasePlanCacheMode,
      'force_custom_plan',
    );
    assert.throws(
      () => loadConfig({ DATABASE_PLAN_CACHE_MODE: 'force_generic_plan' }, CWD),
      /DATABASE_PLAN_CACHE_MODE must be one of auto, force_custom_plan/,
    );
  });

  it('test env logs nothing by default', () => {
    assert.equal(loadConfig({ NODE_ENV: 'test' }, CWD).logLevel, 'silent');
  });

  it('parses sqlite:<path> relative to the working directory, absolute, and :memory:', () => {
    assert.deepEqual(loadConfig({ DATABASE_URL: 'sqlite:var/db.sqlite' }, CWD).database, {
      type: 'sqlite',
      path: '/srv/tessera/var/db.sqlite',
    });
    assert.deepEqual(loadConfig({ DATABASE_URL: 'sqlite:/tmp/x.sqlite' }, CWD).database, {
      type: 'sqlite',
      path: '/tmp/x.sqlite',
    });
    assert.deepEqual(loadConfig({ DATABASE_URL: 'sqlite:///tmp/y.sqlite' }, CWD).database, {
      type: 'sqlite',
      path: '/tmp/y.sqlite',
    });
    assert.deepEqual(loadConfig({ DATABASE_URL: 'sqlite::memory:' }, CWD).database, {
      type: 'sqlite',
      path: ':memory:',
    });
  });

  it('parses postgres:// and postgresql:// URLs', () => {
    const url = 'postgres://tessera:pw@db.internal:5432/tessera?sslmode=require';
    assert.deepEqual(loadConfig({ DATABASE_URL: url }, CWD).database, { type: 'postgres', url });
    assert.equal(loadConfig({ DATABASE_URL: 'postgresql://u@h/db' }, CWD).database.type, 'postgres');
  });

  it('reads every documented variable', () => {
    const config = loadConfig(
      {
        PORT: '8080',
        HOST: '127.0.0.1',
        PUBLIC_URL: 'https://mfa.example.com/tessera/',
        AUTH_JWT_SECRET: SECRET,
        AUTH_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json',
        AUTH_ISSUER: 'https://idp.example.com/',
        AUTH_AUDIENCE: 'tessera',
        AUTH_TENANT_CLAIM: 'https://example.com/tenant',
        AUTH_CLOCK_TOLERANCE_SECONDS: '60',
        AUTH_USER_NAME_CLAIM: 'upn, email',
        AUTH_DISPLAY_NAME_CLAIM: 'given_name',
        PLATFORM_API_KEY: 'p'.repeat(24),
        REDIS_URL: 'redis://127.0.0.1:6379',
        CORS_ORIGINS: 'https://a.example.com, https://b.example.com:8443',
        LOG_LEVEL: 'debug',
        MIGRATE_ON_START: 'false',
        DEMO_TENANT: 'no',
      },
      CWD,
    );
    assert.equal(config.port, 8080);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.publicUrl, 'https://mfa.example.com/tessera', 'the trailing slash is dropped');
    assert.deepEqual(config.auth.jwtSecret, new TextEncoder().encode(SECRET));
    assert.equal(config.auth.jwksUrl?.href, 'https://idp.example.com/.well-known/jwks.json');
    assert.equal(config.auth.issuer, 'https://idp.example.com/');
    assert.equal(config.auth.audience, 'tessera');
    assert.equal(config.auth.tenantClaim, 'https://example.com/tenant');
    assert.equal(config.auth.clockToleranceSeconds, 60);
    assert.deepEqual(config.auth.userNameClaims, ['upn', 'email']);
    assert.deepEqual(config.auth.displayNameClaims, ['given_name']);
    assert.equal(config.platformApiKey, 'p'.repeat(24));
    assert.equal(config.redisUrl, 'redis://127.0.0.1:6379');
    assert.deepEqual(config.corsOrigins, ['https://a.example.com', 'https://b.example.com:8443']);
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.migrateOnStart, false);
    assert.equal(config.demoTenant, false);
  });

  const bad: [string, Record<string, string>, RegExp][] = [
    ['PORT not a number', { PORT: 'eighty' }, /PORT must be an integer between 0 and 65535 \(got "eighty"\)/],
    ['PORT out of range', { PORT: '70000' }, /PORT must be an integer/],
    ['NODE_ENV unknown', { NODE_ENV: 'staging' }, /NODE_ENV must be development, test or production/],
    ['DATABASE_URL other scheme', { DATABASE_URL: 'mysql://x@y/z' }, /DATABASE_URL must be sqlite:<path> or postgres:/],
    ['DATABASE_URL sqlite without path', { DATABASE_URL: 'sqlite:' }, /sqlite:<path> needs a path/],
    ['DATABASE_URL broken postgres URL', { DATABASE_URL: 'postgres://user@[bad/db' }, /not a valid postgres:\/\/ URL/],
    ['AUTH_JWT_SECRET too short', { AUTH_JWT_SECRET: 'short' }, /AUTH_JWT_SECRET must be at least 32 bytes/],
    ['AUTH_JWKS_URL not a URL', { AUTH_JWKS_URL: 'not a url' }, /AUTH_JWKS_URL is not a URL/],
    ['AUTH_JWKS_URL plain http', { AUTH_JWKS_URL: 'http://idp.example.com/jwks' }, /AUTH_JWKS_URL must be https/],
    [
      'AUTH_TENANT_CLAIM bad characters',
      { AUTH_TENANT_CLAIM: 'tenant id!' },
      /AUTH_TENANT_CLAIM has invalid characters/,
    ],
    [
      'AUTH_USER_NAME_CLAIM bad characters',
      { AUTH_USER_NAME_CLAIM: 'preferred username' },
      /AUTH_USER_NAME_CLAIM must be up to 5 comma-separated claim names/,
    ],
    [
      'AUTH_DISPLAY_NAME_CLAIM empty entry',
      { AUTH_DISPLAY_NAME_CLAIM: 'name,,given_name' },
      /AUTH_DISPLAY_NAME_CLAIM must be up to 5 comma-separated claim names/,
    ],
    [
      'AUTH_CLOCK_TOLERANCE_SECONDS over 60',
      { AUTH_CLOCK_TOLERANCE_SECONDS: '61' },
      /AUTH_CLOCK_TOLERANCE_SECONDS must be an integer between 0 and 60/,
    ],
    ['PLATFORM_API_KEY too short', { PLATFORM_API_KEY: 'short' }, /PLATFORM_API_KEY must be at least 24 characters/],
    ['REDIS_URL wrong scheme', { REDIS_URL: 'http://127.0.0.1:6379' }, /REDIS_URL must start with redis:\/\//],
    [
      'CORS_ORIGINS with a path',
      { CORS_ORIGINS: 'https://a.example.com/app' },
      /CORS_ORIGINS entry "https:\/\/a.example.com\/app" must be a bare origin/,
    ],
    ['CORS_ORIGINS not a URL', { CORS_ORIGINS: 'a.example.com' }, /CORS_ORIGINS entry "a.example.com" is not a URL/],
    ['LOG_LEVEL unknown', { LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [
      'AUTH_MAX_TOKEN_LIFETIME_SECONDS under a minute',
      { AUTH_MAX_TOKEN_LIFETIME_SECONDS: '10' },
      /AUTH_MAX_TOKEN_LIFETIME_SECONDS must be an integer between 60 and 2592000/,
    ],
    [
      'AUTH_MAX_TOKEN_LIFETIME_SECONDS not a number',
      { AUTH_MAX_TOKEN_LIFETIME_SECONDS: '1d' },
      /AUTH_MAX_TOKEN_LIFETIME_SECONDS must be an integer/,
    ],
    [
      'AUTH_JWKS_STALE_SECONDS over 30 days',
      { AUTH_JWKS_STALE_SECONDS: '2592001' },
      /AUTH_JWKS_STALE_SECONDS must be an integer between 0 and 2592000/,
    ],
    [
      'AUTH_ISSUER equal to the MFA token issuer',
      { AUTH_ISSUER: 'tessera' },
      /AUTH_ISSUER must differ from MFA_TOKEN_ISSUER/,
    ],
    ['PUBLIC_URL not a URL', { PUBLIC_URL: 'mfa.example.com' }, /PUBLIC_URL must be an http\(s\) base URL/],
    ['PUBLIC_URL another scheme', { PUBLIC_URL: 'ftp://mfa.example.com' }, /PUBLIC_URL must be an http\(s\) base URL/],
    [
      'PUBLIC_URL with a query',
      { PUBLIC_URL: 'https://mfa.example.com/?x=1' },
      /PUBLIC_URL must be an http\(s\) base URL/,
    ],
    ['MIGRATE_ON_START not a boolean', { MIGRATE_ON_START: 'sometimes' }, /MIGRATE_ON_START must be true or false/],
  ];
  for (const [name, env, expected] of bad) {
    it(`refuses ${name} with a clear message`, () => {
      const problems = problemsOf(env);
      assert.ok(
        problems.some((p) => expected.test(p)),
        `no problem matches ${expected}: ${JSON.stringify(problems)}`,
      );
    });
  }

  it('lists every problem at once, and the error message names each', () => {
    try {
      loadConfig({ PORT: 'x', LOG_LEVEL: 'loud' }, CWD);
      assert.fail('expected a ConfigError');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.problems.length, 2);
      assert.match(err.message, /^Invalid configuration:\n/);
      assert.match(err.message, /\n {2}- PORT must be/);
      assert.match(err.message, /\n {2}- LOG_LEVEL must be/);
    }
  });

  it('names every variable that is wrong, each once, and every bad CORS_ORIGINS entry', () => {
    const wrong: Record<string, string> = {
      NODE_ENV: 'staging',
      PORT: 'x',
      METRICS_PORT: '70000',
      PUBLIC_URL: 'ftp://mfa.example.com',
      DATABASE_URL: 'mysql://x@y/z',
      MIGRATE_ON_START: 'sometimes',
      AUTH_JWT_SECRET: 'short',
      AUTH_JWKS_URL: 'http://idp.example.com/jwks',
      AUTH_TENANT_CLAIM: 'tenant id',
      AUTH_CLOCK_TOLERANCE_SECONDS: '61',
      AUTH_MAX_TOKEN_LIFETIME_SECONDS: '10',
      AUTH_JWKS_STALE_SECONDS: '-1',
      AUTH_USER_NAME_CLAIM: 'upn, user name',
      AUTH_DISPLAY_NAME_CLAIM: 'a,b,c,d,e,f',
      PLATFORM_API_KEY: 'short',
      REDIS_URL: 'http://127.0.0.1:6379',
      CORS_ORIGINS: 'a.example.com, https://ok.example.com, https://b.example.com/app',
      LOG_LEVEL: 'loud',
      DEMO_TENANT: 'maybe',
      TRUST_PROXY: 'x;y',
      RATE_LIMIT_ENROLL_PER_MINUTE: 'x',
      RATE_LIMIT_MFA_FAILURES: '1.5',
      RATE_LIMIT_IP_PER_MINUTE: '10000001',
      MFA_ENCRYPTION_KEY: 'ab'.repeat(31),
      MFA_TOKEN_PRIVATE_KEY: 'not a pem',
      MFA_TOKEN_PREVIOUS_PUBLIC_KEY: 'not a pem',
      MFA_TOKEN_TTL_SECONDS: '29',
      PURGE_INTERVAL_SECONDS: '0',
      POLICY_CACHE_TENANTS: '0',
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'maybe',
      WEBHOOK_FIRST_RETRY_SECONDS: '11',
      WEBHOOK_POLL_INTERVAL_MS: '49',
      WEBHOOK_DISPATCHER: 'maybe',
      FIDO_MDS_FILE: 'missing.jwt',
      FIDO_MDS_URL: 'http://mds.example.com/',
      FIDO_MDS_REFRESH_SECONDS: '59',
      FIDO_MDS_ROOT_CERT: 'missing.pem',
      ATTESTATION_CRL_FETCH: 'maybe',
    };
    const problems = problemsOf(wrong);
    for (const name of Object.keys(wrong).filter((n) => n !== 'CORS_ORIGINS')) {
      const named = problems.filter((p) => p.startsWith(`${name} `));
      assert.equal(named.length, 1, `${name}: ${JSON.stringify(named)}`);
    }
    assert.ok(problems.includes('PORT must be an integer between 0 and 65535 (got "x")'));
    assert.ok(
      problems.includes(
        'AUTH_USER_NAME_CLAIM must be up to 5 comma-separated claim names of letters, digits and _.:/- (got "upn, user name")',
      ),
      'a list is quoted as written',
    );
    assert.deepEqual(
      problems.filter((p) => p.startsWith('CORS_ORIGINS')),
      [
        'CORS_ORIGINS entry "a.example.com" is not a URL',
        'CORS_ORIGINS entry "https://b.example.com/app" must be a bare origin like https://app.example.com',
      ],
    );
    assert.equal(problems.length, Object.keys(wrong).length + 1);
  });

  it('reads only the variables it declares, and DEMO_TENANT not at all in production', () => {
    assert.equal(loadConfig({ HOME: '/root', toString: 'x', PORT_X: 'y' }, CWD).port, 3000);
    assert.equal(loadConfig({ ...PROD_BASE, DEMO_TENANT: 'maybe' }, CWD).demoTenant, false);
  });

  it('production refuses to start without explicit auth settings', () => {
    const { AUTH_JWT_SECRET: _drop, ...withoutAuth } = PROD_BASE;
    const problems = problemsOf(withoutAuth);
    assert.ok(
      problems.includes('NODE_ENV=production requires AUTH_JWT_SECRET or AUTH_JWKS_URL'),
      JSON.stringify(problems),
    );
  });

  it('production with a secret or a JWKS starts, with every dev convenience off', () => {
    const config = loadConfig({ ...PROD_BASE, DEMO_TENANT: 'true' }, CWD);
    assert.equal(config.env, 'production');
    assert.equal(config.devMode, false);
    assert.equal(config.demoTenant, false);
    assert.equal(config.migrateOnStart, false);
    const { AUTH_JWT_SECRET: _drop, ...jwksOnly } = PROD_BASE;
    assert.equal(loadConfig({ ...jwksOnly, AUTH_JWKS_URL: 'https://idp.example.com/jwks' }, CWD).devMode, false);
    assert.equal(loadConfig({ ...PROD_BASE, MIGRATE_ON_START: 'true' }, CWD).migrateOnStart, true);
  });

  it('allows http JWKS only on loopback (local identity providers and tests)', () => {
    assert.equal(loadConfig({ AUTH_JWKS_URL: 'http://127.0.0.1:9999/jwks' }, CWD).auth.jwksUrl?.port, '9999');
    assert.equal(loadConfig({ AUTH_JWKS_URL: 'http://localhost/jwks' }, CWD).auth.jwksUrl?.hostname, 'localhost');
  });

  it('treats blank values as unset', () => {
    const config = loadConfig({ PORT: '  ', PLATFORM_API_KEY: '', DATABASE_URL: '' }, CWD);
    assert.equal(config.port, 3000);
    assert.equal(config.platformApiKey, undefined);
    assert.equal(config.database.type, 'sqlite');
  });

  it('reads the bearer lifetime and JWKS stale limits, with their defaults', () => {
    assert.equal(loadConfig({}, CWD).auth.maxTokenLifetimeSeconds, 86_400);
    assert.equal(loadConfig({}, CWD).auth.jwksStaleSeconds, 86_400);
    const config = loadConfig({ AUTH_MAX_TOKEN_LIFETIME_SECONDS: '3600', AUTH_JWKS_STALE_SECONDS: '0' }, CWD);
    assert.equal(config.auth.maxTokenLifetimeSeconds, 3600);
    assert.equal(config.auth.jwksStaleSeconds, 0);
  });

  it('development fails closed: NODE_ENV unset with auth settings turns every dev-only feature off', () => {
    for (const auth of [{ AUTH_JWT_SECRET: SECRET }, { AUTH_JWKS_URL: 'https://idp.example.com/jwks' }]) {
      const config = loadConfig(auth, CWD);
      assert.equal(config.env, 'development');
      assert.equal(config.nodeEnvSet, false);
      assert.equal(config.devMode, false);
      assert.equal(config.demoTenant, false);
      assert.equal(config.host, '127.0.0.1');
      assert.equal(
        loadConfig({ ...auth, DEMO_TENANT: 'true' }, CWD).demoTenant,
        true,
        'only when asked for explicitly',
      );
      assert.equal(
        loadConfig({ ...auth, NODE_ENV: 'development' }, CWD).devMode,
        true,
        'an explicit NODE_ENV keeps dev mode',
      );
    }
    assert.equal(
      loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: SECRET, MFA_ENCRYPTION_KEY: 'ab'.repeat(32) }, CWD).host,
      '0.0.0.0',
    );
    assert.equal(loadConfig({ HOST: '0.0.0.0' }, CWD).host, '0.0.0.0');
  });

  it('the development warning names the mode and what it enables, or what it turned off', () => {
    const open = developmentModeWarning(loadConfig({}, CWD))!;
    assert.match(open, /^Development mode \(NODE_ENV is not set\)\. Enabled: the demo page/);
    assert.match(
      open,
      /the demo tenant, a generated MFA encryption key in the data directory, migrations on start, listening on 127\.0\.0\.1\./,
    );
    const closed = developmentModeWarning(loadConfig({ AUTH_JWT_SECRET: SECRET }, CWD))!;
    assert.match(
      closed,
      /dev-only features are off: no demo page, no dev tokens, no demo tenant unless DEMO_TENANT=true\. Enabled: a generated MFA/,
    );
    assert.doesNotMatch(closed, /demo page \(/);
    assert.match(
      developmentModeWarning(loadConfig({ NODE_ENV: 'development' }, CWD))!,
      /^Development mode \(NODE_ENV=development\)/,
    );
    assert.equal(developmentModeWarning(loadConfig({ NODE_ENV: 'test' }, CWD)), null);
    assert.equal(
      developmentModeWarning(
        loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: SECRET, MFA_ENCRYPTION_KEY: 'ab'.repeat(32) }, CWD),
      ),
      null,
    );
  });
});
