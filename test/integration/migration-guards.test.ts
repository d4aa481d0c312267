import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import pg from 'pg';
import {
  postgresAvailable,
  scratchDatabase,
  TEST_JWT_SECRET,
  TEST_PLATFORM_KEY,
  type ScratchDatabase,
} from '../support/test-app.js';

const CLI = new URL('../../apps/cli/src/main.js', import.meta.url).pathname;
const API = new URL('../../apps/api/src/main.js', import.meta.url).pathname;
const PENDING =
  /^(error: |Tessera did not start: )\d+ pending migrations; run `node dist\/apps\/cli\/src\/main\.js migrate`$/m;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The built entry points as an operator (or an orchestrator) starts them: production, nothing else set. */
function run(entry: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [entry, ...args],
      {
        env: {
          PATH: process.env.PATH,
          NODE_ENV: 'production',
          LOG_LEVEL: 'silent',
          METRICS_PORT: '0',
          PORT: '0',
          HOST: '127.0.0.1',
          ...env,
        },
        timeout: 60_000,
      },
      (err, stdout, stderr) => {
        const code = err ? (err as { code?: unknown }).code : 0;
        resolve({ code: typeof code === 'number' ? code : -1, stdout, stderr });
      },
    );
  });
}

/** Every relation in the database's public schema: the schema "untouched" means this stays empty. */
async function relations(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    return rows.map((r) => r.name);
  } finally {
    await client.end();
  }
}

// Only `migrate` (and the API with MIGRATE_ON_START=true) change the schema.
describe(
  'migration guards on an unmigrated PostgreSQL database',
  { skip: !(await postgresAvailable()) && 'PostgreSQL not reachable' },
  () => {
    let db: ScratchDatabase;
    const secrets = {
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      PLATFORM_API_KEY: TEST_PLATFORM_KEY,
      MFA_ENCRYPTION_KEY: '22'.repeat(32),
    };

    before(async () => {
      db = await scratchDatabase('postgres');
    });
    after(async () => {
      await db?.drop();
    });

    it('CLI read commands exit 3 with the command to run and change nothing, even with MIGRATE_ON_START=true', async () => {
      for (const args of [
        ['tenants', 'list'],
        ['api-keys', 'list', '--tenant', '2489e9ad-2ee2-8e00-8ec9-32d5f69181c0'],
        ['tenants', 'list', '--json'],
      ]) {
        for (const migrateOnStart of ['false', 'true']) {
          const result = await run(CLI, args, { DATABASE_URL: db.url, MIGRATE_ON_START: migrateOnStart });
          assert.equal(result.code, 3, `${args.join(' ')}: ${result.stderr}`);
          assert.match(result.stderr, PENDING);
          assert.equal(result.stdout, '');
        }
      }
      const status = await run(CLI, ['migrate:status'], { DATABASE_URL: db.url });
      assert.equal(status.code, 3);
      assert.deepEqual(await relations(db.url), [], 'no table was created, not even the migrations table');
    });

    it('the production API start exits 3 with the same message, not a SQL error, and changes nothing', async () => {
      const result = await run(API, [], { DATABASE_URL: db.url, ...secrets });
      assert.equal(result.code, 3, result.stderr);
      assert.match(result.stderr, PENDING);
      assert.doesNotMatch(result.stderr, /relation|SELECT|QueryFailedError/i);
      assert.deepEqual(await relations(db.url), []);
    });

    it('migrate, then read commands work in production without the token-signing and encryption secrets', async () => {
      const migrated = await run(CLI, ['migrate'], { DATABASE_URL: db.url });
      assert.equal(migrated.code, 0, migrated.stderr);
      assert.match(migrated.stdout, /^Applied Initial\d+$/m);
      assert.ok((await relations(db.url)).includes('tessera_migrations'));
      const created = await run(CLI, ['tenants', 'create', '--name', 'Ops', '--json'], { DATABASE_URL: db.url });
      assert.equal(created.code, 0, created.stderr);
      const tenant = JSON.parse(created.stdout) as { id: string };
      const list = await run(CLI, ['tenants', 'list', '--json'], { DATABASE_URL: db.url });
      assert.equal(list.code, 0, list.stderr);
      assert.deepEqual(
        (JSON.parse(list.stdout) as { id: string }[]).map((t) => t.id),
        [tenant.id],
      );
      const keys = await run(CLI, ['api-keys', 'list', '--tenant', tenant.id], { DATABASE_URL: db.url });
      assert.equal(keys.code, 0, keys.stderr);
      assert.match(keys.stdout, /initial admin key/);
      const status = await run(CLI, ['migrate:status'], { DATABASE_URL: db.url });
      assert.equal(status.code, 0, status.stderr);
      // The API itself still refuses to start without them.
      const api = await run(API, [], { DATABASE_URL: db.url });
      assert.equal(api.code, 1);
      assert.match(api.stderr, /NODE_ENV=production requires AUTH_JWT_SECRET or AUTH_JWKS_URL/);
      assert.match(api.stderr, /NODE_ENV=production requires MFA_ENCRYPTION_KEY/);
    });
  },
);
