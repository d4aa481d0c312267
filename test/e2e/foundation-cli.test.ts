import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwtVerify } from 'jose';
import { postgresAvailable, scratchDatabase, TEST_JWT_SECRET, type ScratchDatabase } from '../support/test-app.js';

import { runCli } from '../../apps/cli/src/cli.js';

const CLI = new URL('../../apps/cli/src/main.js', import.meta.url).pathname;
const SEED_TENANT = '2489E9AD-2EE2-8E00-8EC9-32D5F69181C0';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Most cases run the CLI in-process (fast); `spawned` runs the built binary as operators do. */
async function cli(args: string[], env: Record<string, string>): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env: { NODE_ENV: 'development', LOG_LEVEL: 'silent', ...env },
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  return { code, stdout, stderr };
}

function spawned(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { PATH: process.env.PATH, NODE_ENV: 'development', LOG_LEVEL: 'silent', ...env } },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? 1) : 0;
        resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
      },
    );
  });
}

describe('operator CLI', () => {
  let dir: string;
  let env: Record<string, string>;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
    env = { DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`, MIGRATE_ON_START: 'false' };
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('usage: no command, an unknown command or a bad option → exit 2 with usage', async () => {
    const [none, unknown, badOption, missing, help] = await Promise.all([
      cli([], env),
      cli(['frobnicate'], env),
      cli(['tenants', 'create', '--name', 'x', '--colour', 'red'], env),
      cli(['api-keys', 'create'], env),
      cli(['--help'], env),
    ]);
    const spawnedRun = await spawned(['tenants', 'create'], env);
    assert.equal(spawnedRun.code, 2);
    assert.match(spawnedRun.stderr, /--name is required/);
    for (const run of [none, unknown, badOption, missing]) {
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /Usage: /);
      assert.equal(run.stdout, '');
    }
    assert.match(unknown.stderr, /Unknown command: frobnicate/);
    assert.match(badOption.stderr, /Unknown option '--colour'/);
    assert.match(missing.stderr, /--tenant is required/);
    assert.equal(help.code, 0);
    for (const command of [
      'migrate',
      'tenants create',
      'tenants list',
      'api-keys create',
      'api-keys revoke',
      'token mint',
    ])
      assert.ok(help.stdout.includes(command), command);
  });

  it('migrate: reports pending, runs them, then nothing is pending', async () => {
    const status = await cli(['migrate:status'], env);
    assert.equal(status.code, 3);
    assert.match(status.stdout, /^Pending Initial\d+$/m);
    const refused = await cli(['tenants', 'list'], env);
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /^error: \d+ pending migrations; run `node dist\/apps\/cli\/src\/main\.js migrate`$/m);
    const run = await cli(['migrate'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Applied Initial\d+$/m);
    const again = await cli(['migrate'], env);
    assert.equal(again.stdout.trim(), 'No pending migrations.');
  });

  it('tenants create prints the id and the first API key once; tenants list shows it', async () => {
    const created = await cli(
      [
        'tenants',
        'create',
        '--name',
        'Seed Co',
        '--id',
        SEED_TENANT,
        '--origin',
        'https://app.seed.test',
        '--origin',
        'https://seed.test',
        '--json',
      ],
      env,
    );
    assert.equal(created.code, 0, created.stderr);
    const tenant = JSON.parse(created.stdout) as {
      id: string;
      name: string;
      webauthn: { rp_id: string; origins: string[] };
      api_key: string;
    };
    assert.equal(tenant.id, SEED_TENANT.toLowerCase());
    assert.deepEqual(tenant.webauthn, {
      rp_id: 'seed.test',
      rp_name: 'Seed Co',
      origins: ['https://app.seed.test', 'https://seed.test'],
    });
    assert.match(tenant.api_key, /^tsk_[a-z0-9]{12}_/);

    const human = await cli(['tenants', 'create', '--name', 'Plain'], env);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^Tenant created: [0-9a-f-]{36} {2}\(Plain\)$/m);
    assert.match(human.stdout, /^Admin API key \(shown once, store it now\): tsk_\S+$/m);

    const list = await cli(['tenants', 'list'], env);
    assert.equal(list.code, 0);
    assert.match(list.stdout, new RegExp(`^${tenant.id} +active +seed\\.test +\\S+ +Seed Co$`, 'm'));
    assert.match(list.stdout, /Plain$/m);
    assert.ok(!list.stdout.includes(tenant.api_key), 'keys are never listed');

    const invalid = await cli(['tenants', 'create', '--name', 'Bad', '--origin', 'http://bad.example.com'], env);
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /validation_failed/);
    assert.match(invalid.stderr, /webauthn\.origins\[0\]: must use https/);
    const duplicate = await cli(['tenants', 'create', '--name', 'Again', '--id', SEED_TENANT], env);
    assert.equal(duplicate.code, 1);
    assert.match(duplicate.stderr, /already exists\. \(conflict\)/);
  });

  it('tenants create: the rp id defaults to the registrable domain the origins share; none → exit 2 suggesting --rp-id', async () => {
    const rpIdOf = async (...origins: string[]) => {
      const run = await cli(
        ['tenants', 'create', '--name', 'RP', ...origins.flatMap((o) => ['--origin', o]), '--json'],
        env,
      );
      assert.equal(run.code, 0, run.stderr);
      return (JSON.parse(run.stdout) as { webauthn: { rp_id: string } }).webauthn.rp_id;
    };
    assert.equal(await rpIdOf('https://app.acme.com', 'https://admin.acme.com'), 'acme.com');
    assert.equal(await rpIdOf('https://app.acme.co.uk', 'https://login.eu.acme.co.uk'), 'acme.co.uk');
    assert.equal(await rpIdOf('https://app.acme.com'), 'acme.com');
    assert.equal(await rpIdOf('http://localhost:3000'), 'localhost');
    const explicit = await cli(
      ['tenants', 'create', '--name', 'RP', '--origin', 'https://app.acme.com', '--rp-id', 'app.acme.com', '--json'],
      env,
    );
    assert.equal((JSON.parse(explicit.stdout) as { webauthn: { rp_id: string } }).webauthn.rp_id, 'app.acme.com');

    for (const origins of [
      ['https://app.acme.com', 'https://app.globex.com'],
      ['https://a.github.io', 'https://b.github.io'],
      ['https://10.0.0.5'],
    ]) {
      const none = await cli(['tenants', 'create', '--name', 'RP', ...origins.flatMap((o) => ['--origin', o])], env);
      assert.equal(none.code, 2, none.stderr);
      assert.match(none.stderr, /share no registrable domain/);
      assert.match(none.stderr, /--rp-id <domain>/);
      assert.equal(none.stdout, '');
    }
  });

  it('api-keys create and revoke, bound to the tenant', async () => {
    const created = await cli(['api-keys', 'create', '--tenant', SEED_TENANT, '--name', 'deploy', '--json'], env);
    assert.equal(created.code, 0, created.stderr);
    const key = JSON.parse(created.stdout) as { id: string; key: string; name: string };
    assert.equal(key.name, 'deploy');
    assert.match(key.key, /^tsk_/);

    const otherTenant = await cli(
      ['api-keys', 'revoke', '--tenant', '00000000-0000-4000-8000-000000000000', '--id', key.id],
      env,
    );
    assert.equal(otherTenant.code, 1);
    assert.match(otherTenant.stderr, /not_found/);

    const revoked = await cli(['api-keys', 'revoke', '--tenant', SEED_TENANT, '--id', key.id], env);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, new RegExp(`^API key ${key.id} revoked at \\S+Z$`, 'm'));

    const list = await cli(['api-keys', 'list', '--tenant', SEED_TENANT, '--json'], env);
    const keys = JSON.parse(list.stdout) as { id: string; revoked_at: string | null }[];
    assert.ok(keys.find((k) => k.id === key.id)?.revoked_at);
    assert.ok(!list.stdout.includes(key.key));

    const unknown = await cli(['api-keys', 'create', '--tenant', '00000000-0000-4000-8000-000000000000'], env);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /Tenant not found/);
  });

  it('token mint signs with AUTH_JWT_SECRET', async () => {
    const run = await cli(
      ['token', 'mint', '--tenant', SEED_TENANT, '--sub', 'alice', '--roles', 'admin,auditor', '--ttl', '120'],
      { ...env, AUTH_JWT_SECRET: TEST_JWT_SECRET },
    );
    assert.equal(run.code, 0, run.stderr);
    const { payload, protectedHeader } = await jwtVerify(run.stdout.trim(), new TextEncoder().encode(TEST_JWT_SECRET));
    assert.equal(protectedHeader.alg, 'HS256');
    assert.equal(payload.sub, 'alice');
    assert.equal(payload.tenant_id, SEED_TENANT.toLowerCase());
    assert.deepEqual(payload.roles, ['admin', 'auditor']);
    assert.equal(payload.exp! - payload.iat!, 120);
    const badTtl = await cli(['token', 'mint', '--tenant', SEED_TENANT, '--sub', 'alice', '--ttl', 'forever'], env);
    assert.equal(badTtl.code, 2);
    const badTenant = await cli(['token', 'mint', '--tenant', 'acme', '--sub', 'alice'], env);
    assert.equal(badTenant.code, 2);
  });

  it('token mint in dev mode without auth settings uses the dev secret beside the database', async () => {
    const run = await cli(['token', 'mint', '--tenant', SEED_TENANT, '--sub', 'bob'], env);
    assert.equal(run.code, 0, run.stderr);
    const secretFile = join(dir, 'dev-jwt-secret');
    assert.equal(statSync(secretFile).mode & 0o777, 0o600);
    const { payload } = await jwtVerify(
      run.stdout.trim(),
      new TextEncoder().encode(readFileSync(secretFile, 'utf8').trim()),
    );
    assert.equal(payload.sub, 'bob');
    const production = await cli(['token', 'mint', '--tenant', SEED_TENANT, '--sub', 'bob'], {
      ...env,
      NODE_ENV: 'production',
    });
    assert.equal(production.code, 2);
    assert.match(production.stderr, /token mint needs AUTH_JWT_SECRET in production/);
  });

  it('token mint fails closed: with NODE_ENV unset it never signs with AUTH_JWT_SECRET; --ttl is bounded by AUTH_MAX_TOKEN_LIFETIME_SECONDS', async () => {
    const unset = await cli(['token', 'mint', '--tenant', SEED_TENANT, '--sub', 'alice'], {
      ...env,
      NODE_ENV: '',
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
    });
    assert.equal(unset.code, 2);
    assert.equal(unset.stdout, '');
    assert.match(unset.stderr, /needs NODE_ENV set explicitly/);
    const bounded = await cli(['token', 'mint', '--tenant', SEED_TENANT, '--sub', 'alice', '--ttl', '601'], {
      ...env,
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      AUTH_MAX_TOKEN_LIFETIME_SECONDS: '600',
    });
    assert.equal(bounded.code, 2);
    assert.match(bounded.stderr, /--ttl must be a number of seconds between 1 and 600/);
    const byDefault = await cli(['token', 'mint', '--tenant', SEED_TENANT, '--sub', 'alice'], {
      ...env,
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      AUTH_MAX_TOKEN_LIFETIME_SECONDS: '600',
    });
    assert.equal(byDefault.code, 0, byDefault.stderr);
    const { payload } = await jwtVerify(byDefault.stdout.trim(), new TextEncoder().encode(TEST_JWT_SECRET));
    assert.equal(payload.exp! - payload.iat!, 600);
  });

  it('works against PostgreSQL and exits once done (the pool is closed)', async (ctx) => {
    if (!(await postgresAvailable())) return ctx.skip('PostgreSQL not reachable');
    const db: ScratchDatabase = await scratchDatabase('postgres');
    try {
      const pgEnv = { DATABASE_URL: db.url, MIGRATE_ON_START: 'true' };
      const migrated = await spawned(['migrate'], pgEnv);
      assert.equal(migrated.code, 0, migrated.stderr);
      assert.match(migrated.stdout, /^Applied Initial\d+$/m);
      const created = await spawned(['tenants', 'create', '--name', 'PG tenant', '--json'], pgEnv);
      assert.equal(created.code, 0, created.stderr);
      const list = await spawned(['tenants', 'list', '--json'], pgEnv);
      assert.deepEqual(
        (JSON.parse(list.stdout) as { name: string }[]).map((t) => t.name),
        ['PG tenant'],
      );
    } finally {
      await db.drop();
    }
  });
});
