import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource, planCacheModeFor, runStatement, type PlanCacheMode } from '#persistence';
import { postgresAvailable, scratchDatabase, type ScratchDatabase } from '../support/test-app.js';

// On PostgreSQL the service's statements go as named prepared statements, whose plans the
// database keeps only where its statistics are kept. One connection per data source here, so every statement of a test meets
// the same session's prepared statements.

async function open(url: string, preparedStatements?: boolean, planCacheMode?: PlanCacheMode): Promise<DataSource> {
  const ds = createDataSource({ type: 'postgres', url }, { poolSize: 1, preparedStatements, planCacheMode });
  return ds.initialize();
}

/** How often this connection's named statement `sql` was planned without and with its values. */
async function plansOf(ds: DataSource, sql: string): Promise<{ generic: number; custom: number }> {
  const { records } = await runStatement(
    ds.manager,
    'SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1',
    [sql],
  );
  assert.equal(records.length, 1);
  return { generic: Number(records[0].generic_plans), custom: Number(records[0].custom_plans) };
}

const prepared = async (ds: DataSource) =>
  (await runStatement(ds.manager, 'SELECT name, statement FROM pg_prepared_statements ORDER BY name', [])).records;

describe('prepared statements (postgres)', { skip: !(await postgresAvailable()) }, () => {
  let db: ScratchDatabase;
  before(async () => {
    db = await scratchDatabase('postgres');
  });
  after(async () => {
    await db?.drop();
  });

  it('parses a statement once per connection and plans it with its values each time', async () => {
    const ds = await open(db.url);
    try {
      const sql = 'SELECT $1::int + 1 AS n';
      for (const n of [1, 2, 3]) assert.deepEqual((await runStatement(ds.manager, sql, [n])).records, [{ n: n + 1 }]);
      const statements = await prepared(ds);
      assert.equal(statements.filter((s) => s.statement === sql).length, 1);
      assert.match(String(statements.find((s) => s.statement === sql)?.name), /^tessera_\d+_\d+$/);
      const mode = await runStatement(ds.manager, 'SHOW plan_cache_mode', []);
      assert.deepEqual(mode.records, [{ plan_cache_mode: 'force_custom_plan' }]);
    } finally {
      await ds.destroy();
    }
  });

  it('lets PostgreSQL keep a plan in auto mode, and never when every execution is planned', async () => {
    const setup = new pg.Client({ connectionString: db.url });
    await setup.connect();
    const sql = 'SELECT count(*)::int AS n FROM owned WHERE tenant = $1 AND owner = $2';
    try {
      await setup.query('CREATE TABLE owned (tenant text, owner text, PRIMARY KEY (tenant, owner))');
      await setup.query("INSERT INTO owned SELECT 't', 'u' || i FROM generate_series(1, 500) i");
      await setup.query('ANALYZE owned');
      for (const [mode, kept] of [
        ['auto', true],
        ['force_custom_plan', false],
      ] as const) {
        const ds = await open(db.url, true, mode);
        try {
          assert.deepEqual((await runStatement(ds.manager, 'SHOW plan_cache_mode', [])).records, [
            { plan_cache_mode: mode },
          ]);
          for (let i = 1; i <= 8; i++)
            assert.deepEqual((await runStatement(ds.manager, sql, ['t', `u${i}`])).records, [{ n: 1 }]);
          const plans = await plansOf(ds, sql);
          assert.equal(plans.generic + plans.custom, 8);
          // PostgreSQL plans the first five executions with their values before it compares.
          assert.equal(plans.generic > 0, kept, `${mode}: ${JSON.stringify(plans)}`);
        } finally {
          await ds.destroy();
        }
      }
    } finally {
      await setup.query('DROP TABLE IF EXISTS owned');
      await setup.end();
    }
  });

  it('keeps plans only where autovacuum keeps the statistics', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ autovacuum: string; track_counts: string }>(
        'SELECT current_setting($1) AS autovacuum, current_setting($2) AS track_counts',
        ['autovacuum', 'track_counts'],
      );
      const kept = rows[0].autovacuum === 'on' && rows[0].track_counts === 'on';
      assert.equal(await planCacheModeFor(db.url), kept ? 'auto' : 'force_custom_plan');
    } finally {
      await client.end();
    }
  });

  it('sends every statement unnamed when turned off', async () => {
    const ds = await open(db.url, false);
    try {
      await runStatement(ds.manager, 'SELECT $1::int AS n', [1]);
      assert.deepEqual(await prepared(ds), []);
    } finally {
      await ds.destroy();
    }
  });

  it("runs a statement again when another node's migration changed the columns it was prepared with", async () => {
    const ds = await open(db.url);
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    try {
      await other.query('CREATE TABLE widened (a int)');
      await other.query('INSERT INTO widened VALUES (1)');
      assert.deepEqual((await runStatement(ds.manager, 'SELECT * FROM widened', [])).records, [{ a: 1 }]);
      const nameOf = async () =>
        (await prepared(ds)).find((s) => s.statement === 'SELECT * FROM widened')?.name as string | undefined;
      const before = await nameOf();
      assert.ok(before);
      await other.query('ALTER TABLE widened ADD COLUMN b int DEFAULT 2');
      // PostgreSQL refuses the prepared statement now ("cached plan must not change result type").
      assert.deepEqual((await runStatement(ds.manager, 'SELECT * FROM widened', [])).records, [{ a: 1, b: 2 }]);
      assert.deepEqual((await runStatement(ds.manager, 'SELECT * FROM widened', [])).records, [{ a: 1, b: 2 }]);
      // Names were renewed: the statement is prepared again under a new one.
      const renewed = await nameOf();
      assert.ok(renewed);
      assert.notEqual(renewed, before);
    } finally {
      await other.end();
      await ds.destroy();
    }
  });
});
