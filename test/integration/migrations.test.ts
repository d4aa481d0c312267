import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ENTITIES } from '#persistence';
import { integrationDialects, scratchDataSource, type ScratchDataSource } from './integration-support.js';

const MIGRATIONS_TABLE = 'tessera_migrations';

for (const dialect of await integrationDialects()) {
  describe(`migrations (${dialect})`, () => {
    let s: ScratchDataSource;

    before(async () => {
      s = await scratchDataSource(dialect, { migrate: false });
    });
    after(async () => {
      await s.close();
    });

    async function tables(): Promise<string[]> {
      const runner = s.ds.createQueryRunner();
      try {
        const rows: { name: string }[] =
          dialect === 'sqlite'
            ? await runner.query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
            : await runner.query(
                `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'`,
              );
        return rows.map((r) => r.name).sort();
      } finally {
        await runner.release();
      }
    }

    async function schemaDiff(): Promise<string[]> {
      const log = await s.ds.driver.createSchemaBuilder().log();
      return log.upQueries.map((q) => q.query);
    }

    const entityTables = () => [...new Set(s.ds.entityMetadatas.map((m) => m.tableName))].sort();

    it('a fresh database differs from the entities until migrated', async () => {
      assert.deepEqual(await tables(), []);
      assert.ok((await schemaDiff()).length > 0, 'the schema builder sees missing tables');
    });

    it('up: every migration runs, and then entities and migrations agree exactly', async () => {
      const ran = await s.ds.runMigrations({ transaction: 'each' });
      assert.equal(ran.length, s.ds.migrations.length);
      assert.ok(ran.length >= 1);
      assert.deepEqual(await tables(), [...entityTables(), MIGRATIONS_TABLE].sort());
      assert.equal(s.ds.entityMetadatas.length, ENTITIES.length);
      assert.deepEqual(await schemaDiff(), [], 'entities and migrations disagree: generate a migration');
      assert.deepEqual(await s.ds.runMigrations({ transaction: 'each' }), [], 'running again does nothing');
    });

    it('every tenant-owned table has tenant_id NOT NULL, led indexes and a foreign key to tenants', () => {
      for (const meta of s.ds.entityMetadatas) {
        const tenantColumn = meta.columns.find((c) => c.databaseName === 'tenant_id');
        if (meta.tableName === 'tenants') continue;
        if (!tenantColumn) continue; // platform-wide tables (none tenant-owned) are listed by the next assertion
        assert.equal(tenantColumn.isNullable, false, `${meta.tableName}.tenant_id is NOT NULL`);
        assert.ok(
          meta.foreignKeys.some((fk) => fk.columnNames.includes('tenant_id') && fk.referencedTablePath === 'tenants'),
          `${meta.tableName} → tenants`,
        );
        assert.ok(
          meta.indices.some((idx) => idx.columns[0]?.databaseName === 'tenant_id'),
          `${meta.tableName} has an index led by tenant_id`,
        );
      }
      const withoutTenant = s.ds.entityMetadatas
        .filter((m) => !m.columns.some((c) => c.databaseName === 'tenant_id'))
        .map((m) => m.tableName);
      assert.ok(withoutTenant.includes('tenants'));
    });

    it('down: reverting every migration leaves only the migrations table', async () => {
      for (let i = 0; i < s.ds.migrations.length; i += 1) await s.ds.undoLastMigration({ transaction: 'each' });
      assert.deepEqual(await tables(), [MIGRATIONS_TABLE]);
      const applied: unknown[] = await s.ds.query(`SELECT * FROM ${MIGRATIONS_TABLE}`);
      assert.equal(applied.length, 0);
    });

    it('up again after down: the same schema', async () => {
      const ran = await s.ds.runMigrations({ transaction: 'each' });
      assert.equal(ran.length, s.ds.migrations.length);
      assert.deepEqual(await schemaDiff(), []);
    });
  });
}
