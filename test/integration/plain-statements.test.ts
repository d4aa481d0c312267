import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { In, IsNull, LessThan, MoreThan, QueryFailedError } from 'typeorm';
import {
  CachedQuery,
  MfaChallengeEntity,
  PendingEnrollmentEntity,
  UserHandleEntity,
  WebAuthnCredentialEntity,
  entityFromRow,
  findOneBy,
  isUniqueViolation,
  newId,
  persistentValue,
  plainStatements,
  runStatement,
} from '#persistence';
import {
  insertTenants,
  integrationDialects,
  scratchDataSource,
  type ScratchDataSource,
} from './integration-support.js';

// Plain statements stand in for TypeORM's query builder on hot paths: every row they return must
// be the row TypeORM returns for the same call, on both dialects, and every update must change
// exactly what TypeORM's would.

function credential(userId: string, n: number): Omit<WebAuthnCredentialEntity, 'tenantId' | 'tenant'> {
  return {
    id: newId(),
    userId,
    credentialId: `cred-${userId}-${n}`,
    publicKey: 'pk',
    counter: 2 ** 31 + n,
    transports: n % 2 ? ['usb', 'nfc'] : [],
    aaguid: randomUUID(),
    userVerified: n % 2 === 0,
    backupEligible: true,
    backedUp: false,
    attestationFormat: 'none',
    attachment: 'cross-platform',
    methodType: 'webauthn_fido',
    deviceName: `key ${n}`,
    credPropsRk: n === 0 ? null : true,
    attestationTrusted: false,
    untrustedReason: n === 1 ? 'no_metadata' : null,
    model: null,
    certificationLevel: null,
    modelStatus: null,
    attestationKeyId: null,
    metadataBlobNo: n === 2 ? 17 : null,
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n, 123)),
    lastUsedAt: n === 1 ? new Date(Date.UTC(2026, 5, 1)) : null,
  };
}

function challenge(userId: string | null, n: number): Omit<MfaChallengeEntity, 'tenantId' | 'tenant'> {
  return {
    id: randomUUID(),
    userId,
    purpose: n % 2 ? 'step_up' : 'sign_in',
    roles: n % 2 ? ['admin'] : [],
    amr: ['pwd'],
    authTime: n % 2 ? 1_790_000_000 : null,
    webauthnChallenge: null,
    failedAttempts: n,
    acrValues: n === 0 ? null : ['phr', 'mfa'],
    maxAge: null,
    expiresAt: new Date(Date.UTC(2026, 11, 1, 12, n)),
    consumedAt: n === 2 ? new Date(Date.UTC(2026, 11, 1, 11)) : null,
    createdAt: new Date(Date.UTC(2026, 11, 1, 11, n)),
  };
}

for (const dialect of await integrationDialects()) {
  describe(`plain statements return what TypeORM returns (${dialect})`, () => {
    let s: ScratchDataSource;
    const tenantId = randomUUID();
    const otherTenant = randomUUID();
    const userId = 'user-1';
    const credentials = () => s.ds.getRepository(WebAuthnCredentialEntity);
    const challenges = () => s.ds.getRepository(MfaChallengeEntity);
    const metadataOf = (target: typeof WebAuthnCredentialEntity | typeof MfaChallengeEntity) =>
      s.ds.getMetadata(target);

    before(async () => {
      s = await scratchDataSource(dialect);
      await insertTenants(s.ds, [tenantId, otherTenant]);
      const now = new Date();
      for (let n = 0; n < 3; n++) {
        await credentials().insert({ ...credential(userId, n), tenantId });
        await challenges().insert({ ...challenge(n === 1 ? null : userId, n), tenantId });
      }
      await credentials().insert({ ...credential(userId, 9), tenantId: otherTenant });
      await s.ds.getRepository(UserHandleEntity).insert({
        tenantId,
        id: newId(),
        userId,
        handle: 'handle-1',
        name: null,
        displayName: null,
        createdAt: now,
      });
    });
    after(async () => {
      await s.close();
    });

    it('reads whole rows, partial rows and ordered rows exactly as find does', async () => {
      const meta = metadataOf(WebAuthnCredentialEntity);
      const calls = [
        { where: { tenantId, userId }, options: {} },
        { where: { tenantId, userId }, options: { order: { createdAt: 'DESC' as const } } },
        {
          where: { tenantId, userId },
          options: {
            select: { credentialId: true, transports: true, counter: true },
            order: { createdAt: 'ASC' as const },
          },
        },
        { where: { tenantId, userVerified: true }, options: {} },
        { where: { tenantId, lastUsedAt: IsNull() }, options: { order: { id: 'ASC' as const } } },
        { where: { tenantId, counter: MoreThan(2 ** 31) }, options: { order: { id: 'ASC' as const } } },
        { where: { tenantId, createdAt: LessThan(new Date(Date.UTC(2026, 0, 1, 0, 0, 2))) }, options: {} },
        { where: { tenantId: otherTenant }, options: {} },
        { where: { tenantId, userId: 'nobody' }, options: {} },
      ];
      for (const { where, options } of calls) {
        const plain = await plainStatements.select(s.ds.manager, meta, where, options);
        assert.ok(plain, `plain for ${JSON.stringify(where)}`);
        const typeorm = await credentials().find({ where, ...options });
        // Without an order, compare as sets: neither path promises one.
        const sort = (rows: WebAuthnCredentialEntity[]) =>
          'order' in options ? rows : [...rows].sort((a, b) => a.id.localeCompare(b.id));
        assert.deepEqual(sort(plain as WebAuthnCredentialEntity[]), sort(typeorm), JSON.stringify(where));
        assert.ok(plain.every((row) => row instanceof WebAuthnCredentialEntity));
      }
    });

    it('reads JSON, nullable and timestamp columns as findOneBy does', async () => {
      for (const row of await challenges().find()) {
        const plain = await findOneBy(s.ds.manager, MfaChallengeEntity, { id: row.id });
        assert.deepEqual(plain, await challenges().findOneBy({ id: row.id }));
        assert.ok(plain?.expiresAt instanceof Date);
      }
      assert.equal(await findOneBy(s.ds.manager, MfaChallengeEntity, { id: randomUUID() }), null);
    });

    it('updates what update would, and counts the rows changed', async () => {
      const meta = metadataOf(MfaChallengeEntity);
      const [open] = await challenges().find({ where: { tenantId, consumedAt: IsNull(), failedAttempts: 0 } });
      const consume = { tenantId, id: open.id, consumedAt: IsNull(), failedAttempts: LessThan(5) };
      const at = new Date(Date.UTC(2026, 11, 1, 12, 30, 0, 456));
      assert.equal(await plainStatements.update(s.ds.manager, meta, consume, { consumedAt: at }), 1);
      assert.equal(await plainStatements.update(s.ds.manager, meta, consume, { consumedAt: at }), 0, 'only once');
      assert.deepEqual((await challenges().findOneByOrFail({ id: open.id })).consumedAt, at);
      const patch = { webauthnChallenge: 'abc', acrValues: ['phrh'], roles: [] };
      assert.equal(await plainStatements.update(s.ds.manager, meta, { tenantId, id: open.id }, patch), 1);
      const after = await challenges().findOneByOrFail({ id: open.id });
      assert.deepEqual([after.webauthnChallenge, after.acrValues, after.roles], ['abc', ['phrh'], []]);
      assert.equal(
        await plainStatements.update(s.ds.manager, meta, { tenantId: otherTenant, id: open.id }, patch),
        0,
        'another tenant changes nothing',
      );
    });

    it('upserts as TypeORM does: a new row, then the conflicting row replaced in place', async () => {
      const meta = s.ds.getMetadata(PendingEnrollmentEntity);
      const pending = s.ds.getRepository(PendingEnrollmentEntity);
      const conflict = ['tenantId', 'userId', 'methodType'];
      const row = (n: number, user: string) => ({
        tenantId,
        id: newId(),
        userId: user,
        methodType: 'webauthn_passkey',
        challenge: `challenge-${n}`,
        expiresAt: new Date(Date.UTC(2026, 11, 1, 12, n, 0, 250)),
        createdAt: new Date(Date.UTC(2026, 11, 1, 11, n)),
      });
      // The same sequence of calls through each path ends in the same rows.
      const results: PendingEnrollmentEntity[][] = [];
      for (const [user, write] of [
        ['upsert-plain', (r: Record<string, unknown>) => plainStatements.upsert(s.ds.manager, meta, r, conflict)],
        [
          'upsert-typeorm',
          (r: Record<string, unknown>) =>
            pending.upsert(r, { conflictPaths: conflict, skipUpdateIfNoValuesChanged: false }).then(() => true),
        ],
      ] as const) {
        const first = row(1, user);
        const second = row(2, user);
        assert.equal(await write(first), true);
        assert.equal(await write({ ...row(1, `${user}-other`) }), true, 'another user: a second row');
        assert.equal(await write(second), true);
        const rows = await pending.find({ where: { tenantId, userId: user } });
        assert.equal(rows.length, 1, 'one row per (tenant, user, method)');
        assert.deepEqual(
          { ...rows[0], tenant: undefined },
          { ...second, tenant: undefined },
          'every column replaced, the id too',
        );
        results.push(rows.map(({ userId: _u, id: _i, ...rest }) => rest as PendingEnrollmentEntity));
      }
      assert.deepEqual(results[0], results[1]);
      assert.equal(
        await plainStatements.upsert(s.ds.manager, meta, { ...row(3, 'x'), challenge: undefined }, conflict),
        false,
      );
      assert.equal(await plainStatements.upsert(s.ds.manager, meta, row(3, 'x'), ['nonexistent']), false);
    });

    it('a chained update is written once per shape and offset, and binds each call its own values', () => {
      const meta = metadataOf(MfaChallengeEntity);
      const where = (id: string) => ({ tenantId, id, consumedAt: IsNull() });
      const [a, b] = [randomUUID(), randomUUID()];
      const first = plainStatements.updateAt(s.ds.manager, meta, where(a), { webauthnChallenge: 'x' }, 0)!;
      const again = plainStatements.updateAt(s.ds.manager, meta, where(b), { webauthnChallenge: 'y' }, 0)!;
      const later = plainStatements.updateAt(s.ds.manager, meta, where(a), { webauthnChallenge: 'x' }, 3)!;
      assert.equal(again.sql, first.sql);
      assert.deepEqual(again.values, ['y', tenantId, b]);
      assert.deepEqual(first.values, ['x', tenantId, a]);
      const marks = (sql: string) => [...sql.matchAll(/\$(\d+)|\?/g)].map((m) => m[1] ?? '?');
      assert.deepEqual(marks(first.sql), dialect === 'postgres' ? ['1', '2', '3'] : ['?', '?', '?']);
      assert.deepEqual(marks(later.sql), dialect === 'postgres' ? ['4', '5', '6'] : ['?', '?', '?']);
      assert.equal(
        plainStatements.updateAt(s.ds.manager, meta, { tenantId, id: In([a]) }, { webauthnChallenge: 'x' }, 0),
        null,
      );
    });

    it("binds every column's values as the driver converts them, asking it only where it converts", () => {
      const driver = s.ds.driver;
      const values = [
        null,
        undefined,
        '',
        'text',
        0,
        7,
        2 ** 31 + 5,
        true,
        false,
        new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)),
      ];
      const convert = driver.preparePersistentValue.bind(driver);
      const asked = new Set<string>();
      for (const meta of s.ds.entityMetadatas)
        for (const column of meta.columns) {
          const name = `${meta.name}.${column.propertyName}`;
          for (const value of [...values, ['usb', 'nfc'], { a: [1, 'b'] }]) {
            let expected: unknown;
            try {
              expected = convert(value, column);
            } catch {
              continue; // a value this column's conversion cannot take is never bound to it
            }
            driver.preparePersistentValue = (v, c) => (asked.add(name), convert(v, c));
            try {
              assert.deepEqual(persistentValue(driver, column, value), expected, name);
            } finally {
              driver.preparePersistentValue = convert;
            }
          }
        }
      // Strings and numbers are bound as given; Booleans, timestamps, JSON and transformed columns by the driver.
      for (const name of [
        'WebAuthnCredentialEntity.credentialId',
        'WebAuthnCredentialEntity.deviceName',
        'MfaChallengeEntity.failedAttempts',
      ])
        assert.ok(!asked.has(name), name);
      for (const name of [
        'WebAuthnCredentialEntity.backupEligible',
        'WebAuthnCredentialEntity.createdAt',
        'WebAuthnCredentialEntity.transports',
        'WebAuthnCredentialEntity.counter',
      ])
        assert.ok(asked.has(name), name);
    });

    it('leaves every other shape of call to TypeORM', async () => {
      const meta = metadataOf(WebAuthnCredentialEntity);
      const m = s.ds.manager;
      assert.equal(await plainStatements.select(m, meta, { tenantId, id: In(['a']) }), undefined);
      assert.equal(await plainStatements.select(m, meta, { tenantId, userId: null }), undefined);
      assert.equal(await plainStatements.select(m, meta, { tenantId, tenant: { id: tenantId } }), undefined);
      assert.equal(await plainStatements.select(m, meta, { tenantId }, { select: { tenant: true } }), undefined);
      assert.equal(await plainStatements.select(m, meta, { tenantId }, { order: { createdAt: 'asc' } }), undefined);
      assert.equal(await plainStatements.update(m, meta, { tenantId }, { counter: () => 'counter + 1' }), undefined);
      assert.equal(await plainStatements.update(m, meta, { tenantId }, {}), undefined);
    });

    it('runs one statement inside a transaction or outside one, and fails as TypeORM does', async () => {
      const p = (n: number) => (dialect === 'postgres' ? `$${n}` : '?');
      const names = `SELECT "device_name" FROM "webauthn_credentials" WHERE "tenant_id" = ${p(1)} ORDER BY "credential_id"`;
      const rename = `UPDATE "webauthn_credentials" SET "device_name" = ${p(1)} WHERE "tenant_id" = ${p(2)}`;
      const before = (await runStatement(s.ds.manager, names, [tenantId])).records.map((r) => r.device_name);
      assert.deepEqual(before, ['key 0', 'key 1', 'key 2']);
      // Inside a transaction it runs on the transaction's connection: it sees its own change, which rolls back.
      await assert.rejects(
        s.ds.transaction(async (tx) => {
          assert.equal((await runStatement(tx, rename, ['renamed', tenantId])).affected, 3);
          const inside = (await runStatement(tx, names, [tenantId])).records.map((r) => r.device_name);
          assert.deepEqual(inside, ['renamed', 'renamed', 'renamed']);
          throw new Error('roll back');
        }),
        /roll back/,
      );
      assert.deepEqual(
        (await runStatement(s.ds.manager, names, [tenantId])).records.map((r) => r.device_name),
        before,
      );
      // A unique violation comes as TypeORM's QueryFailedError, recognised as through TypeORM.
      const clash = `UPDATE "webauthn_credentials" SET "credential_id" = ${p(1)} WHERE "tenant_id" = ${p(2)} AND "credential_id" = ${p(3)}`;
      await assert.rejects(
        runStatement(s.ds.manager, clash, ['cred-user-1-0', tenantId, 'cred-user-1-1']),
        (err) => err instanceof QueryFailedError && isUniqueViolation(err),
      );
      const count = `SELECT COUNT(*) AS "n" FROM "webauthn_credentials" WHERE "tenant_id" = ${p(1)}`;
      assert.equal(Number((await runStatement(s.ds.manager, count, [tenantId])).records[0].n), 3);
    });

    it('runs a cached query again with new parameters, and maps its aliased entity', async () => {
      let built = 0;
      const query = new CachedQuery((manager) => {
        built += 1;
        return manager
          .getRepository(WebAuthnCredentialEntity)
          .createQueryBuilder('c')
          .where('c.tenantId = :tenantId AND c.credentialId = :credentialId')
          .leftJoin(UserHandleEntity, 'h', 'h.tenantId = c.tenantId AND h.userId = c.userId')
          .addSelect('h.handle', 'owner_handle');
      });
      for (const [tenant, n] of [
        [tenantId, 0],
        [tenantId, 2],
        [otherTenant, 9],
      ] as const) {
        const credentialId = `cred-${userId}-${n}`;
        const [row] = await query.rows(s.ds.manager, { tenantId: tenant, credentialId });
        const entity = entityFromRow(s.ds.manager, WebAuthnCredentialEntity, row, 'c');
        assert.deepEqual(entity, await credentials().findOneByOrFail({ tenantId: tenant, credentialId }));
        assert.equal(row.owner_handle, tenant === tenantId ? 'handle-1' : null);
      }
      assert.deepEqual(await query.rows(s.ds.manager, { tenantId: otherTenant, credentialId: 'cred-user-1-0' }), []);
      assert.equal(built, 1, 'the SQL is written once');
    });

    it("binds a cached query's parameters exactly as TypeORM rewrites them, repeated names included", async () => {
      const build = (manager: typeof s.ds.manager) =>
        manager
          .getRepository(WebAuthnCredentialEntity)
          .createQueryBuilder('c')
          .where('c.tenantId = :tenantId AND (c.userId = :userId OR c.deviceName = :userId)')
          .andWhere('c.counter > :counter AND c.createdAt < :before AND c.userVerified = :uv')
          .andWhere("c.credentialId <> ':notAParameter'");
      const query = new CachedQuery(build);
      const sql = build(s.ds.manager).getQuery();
      const calls: Record<string, unknown>[] = [
        { tenantId, userId, counter: 2 ** 31, before: new Date(Date.UTC(2027, 0, 1)), uv: true },
        { uv: false, before: new Date(Date.UTC(2026, 0, 1, 0, 0, 1)), counter: 0, userId: 'key 1', tenantId },
        { tenantId: otherTenant, userId, counter: 1, before: new Date(), uv: false },
        { tenantId, userId, counter: 1, before: new Date(), uv: () => '"c"."user_verified"' },
      ];
      for (const params of calls) {
        assert.deepEqual(query.statement(s.ds.manager, params), s.ds.driver.escapeQueryWithParameters(sql, params));
        assert.deepEqual(
          await query.rows(s.ds.manager, params),
          await s.ds.query(...s.ds.driver.escapeQueryWithParameters(sql, params)),
        );
      }
    });
  });
}
