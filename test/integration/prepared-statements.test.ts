import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource, runStatement } from '#persistence';
import { postgresAvailable, scratchDatabase, type ScratchDatabase } from '../support/test-app.js';

// On PostgreSQL the service's statements go as named prepared statements, planned with each
// execution's values. One connection per data source here, so every statement of a test meets
// the same session's prepared statements.

async function open(url: string, preparedStatements?: boolean): Promise<DataSource> {
  const ds = createDataSource({ type: 'postgres', url }, { poolSize: 1, preparedStatements });
  return ds.initialize();
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
