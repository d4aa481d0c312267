import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { runStatement, runUnderUserFactorLock, withUserFactorLock } from '#persistence';
import { integrationDialects, scratchDataSource, type ScratchDataSource } from './integration-support.js';

// runUnderUserFactorLock sends the factor lock and one statement as one message, the statement's
// values written in as literals. It must store exactly what the same statement stores with bound
// parameters, and see what an earlier holder of the lock committed.

const onPostgres = (await integrationDialects()).includes('postgres');

describe('runUnderUserFactorLock (postgres)', { skip: !onPostgres && 'PostgreSQL is not configured' }, () => {
  let s: ScratchDataSource;
  const tenantId = randomUUID();

  before(async () => {
    s = await scratchDataSource('postgres', { migrate: false });
    await s.ds.query(
      `CREATE TABLE "samples" ("tenant_id" uuid NOT NULL, "id" text NOT NULL, "user_id" text, "note" text,
        "data" bytea, "at" timestamptz, "tags" text[], "meta" jsonb, "count" integer, "flag" boolean,
        PRIMARY KEY ("tenant_id", "id"))`,
    );
  });
  after(async () => {
    await s.close();
  });

  const insert =
    'INSERT INTO "samples" ("tenant_id", "id", "user_id", "note", "data", "at", "tags", "meta", "count", "flag") ' +
    'VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)';
  const row = async (id: string) =>
    s.ds.query<Record<string, unknown>[]>('SELECT * FROM "samples" WHERE "id" = $1', [id]);

  it('stores what the same statement stores with bound parameters, whatever the values hold', async () => {
    const notes = [
      "it's",
      'back\\slash \\x41 and \\\\',
      "E'\\'' ; DROP TABLE samples; --",
      '$1 $2 $$ dollar $tag$',
      'ünïcødé 🔑 and a "quote"',
      '',
    ];
    for (const [i, note] of notes.entries()) {
      const values = (id: string) => [
        tenantId,
        id,
        'user-1',
        note,
        Buffer.from([0, 1, 2, 0x5c, 0x27, 255, i]),
        new Date(Date.UTC(2026, 11, 1, 12, 30, 45, 123)),
        ['usb', "it's", 'back\\slash', 'a,b', '{x}', note],
        { note, nested: { list: [1, 'two', null] }, quote: "'" },
        -i,
        i % 2 === 0,
      ];
      const bound = `bound-${i}`;
      const inlined = `inlined-${i}`;
      await runStatement(s.ds.manager, insert, values(bound));
      await runUnderUserFactorLock(s.ds.manager, tenantId, 'user-1', { sql: insert, values: values(inlined) });
      const [a] = await row(bound);
      const [b] = await row(inlined);
      assert.ok(a && b, `note ${i}`);
      assert.deepEqual({ ...b, id: bound }, a, `note ${i}: ${JSON.stringify(note)}`);
    }
    // Nulls and undefined are NULL.
    await runUnderUserFactorLock(s.ds.manager, tenantId, 'user-1', {
      sql: insert,
      values: [tenantId, 'nulls', null, undefined, null, null, null, null, null, null],
    });
    const [nulls] = await row('nulls');
    assert.deepEqual(
      Object.entries(nulls ?? {}).filter(([, v]) => v !== null),
      [
        ['tenant_id', tenantId],
        ['id', 'nulls'],
      ],
    );
  });

  it('waits for the lock, and its statement sees what the holder committed', async () => {
    const userId = `user-${randomUUID()}`;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let holderInserted = false;
    const holder = withUserFactorLock(s.ds, tenantId, userId, async (manager) => {
      await manager.query(insert, [tenantId, `held-${userId}`, userId, 'holder', null, null, null, null, 1, true]);
      holderInserted = true;
      await held;
    });
    while (!holderInserted) await new Promise((r) => setTimeout(r, 5));
    // Inserts only while the user has no row: true when the snapshot predates the holder's commit.
    const guarded = {
      sql:
        'INSERT INTO "samples" ("tenant_id", "id", "user_id", "count") ' +
        'SELECT $1, $2, $3, 2 WHERE NOT EXISTS (SELECT 1 FROM "samples" WHERE "tenant_id" = $1 AND "user_id" = $3)',
      values: [tenantId, `late-${userId}`, userId],
    };
    let done = false;
    const waiting = runUnderUserFactorLock(s.ds.manager, tenantId, userId, guarded).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(done, false, 'blocked behind the holder');
    release();
    await holder;
    await waiting;
    const rows = await s.ds.query<{ id: string }[]>('SELECT "id" FROM "samples" WHERE "user_id" = $1 ORDER BY "id"', [
      userId,
    ]);
    assert.deepEqual(
      rows.map((r) => r.id),
      [`held-${userId}`],
      "the guard saw the holder's row",
    );
  });

  it('keeps nothing when its statement fails, and releases the lock', async () => {
    const userId = `user-${randomUUID()}`;
    const failing = {
      sql:
        'WITH i AS (INSERT INTO "samples" ("tenant_id", "id", "user_id") VALUES ($1, $2, $3) RETURNING 1) ' +
        'SELECT 1 / 0 FROM i',
      values: [tenantId, `failed-${userId}`, userId],
    };
    await assert.rejects(runUnderUserFactorLock(s.ds.manager, tenantId, userId, failing), (err: Error) => {
      assert.equal((err as { driverError?: { code?: string } }).driverError?.code, '22012');
      return true;
    });
    assert.deepEqual(await row(`failed-${userId}`), []);
    // The lock is free again: another holder gets it at once.
    await withUserFactorLock(s.ds, tenantId, userId, () => Promise.resolve());
  });

  it('runs a statement with a literal of its own through a transaction instead, with the same result', async () => {
    const id = `literal-${randomUUID()}`;
    await runUnderUserFactorLock(s.ds.manager, tenantId, 'user-2', {
      sql: 'INSERT INTO "samples" ("tenant_id", "id", "note") VALUES ($1, $2, \'has $1 inside\')',
      values: [tenantId, id],
    });
    const [stored] = await row(id);
    assert.equal(stored?.['note'], 'has $1 inside');
  });
});
