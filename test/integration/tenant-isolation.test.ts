import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ApiKeysService, generateApiKey } from '#auth';
import { ApiKeyEntity, TenantScopedRepository, newId } from '#persistence';
import {
  insertTenants,
  integrationDialects,
  scratchDataSource,
  type ScratchDataSource,
} from './integration-support.js';

function keyRow(name: string): Omit<ApiKeyEntity, 'tenantId' | 'tenant'> {
  const generated = generateApiKey();
  return {
    id: newId(),
    name,
    prefix: generated.prefix,
    keyHash: generated.hash,
    scopes: ['admin'],
    createdAt: new Date(),
    lastUsedAt: null,
    revokedAt: null,
  };
}

for (const dialect of await integrationDialects()) {
  describe(`tenant isolation through TenantScopedRepository (${dialect})`, () => {
    let s: ScratchDataSource;
    let keys: TenantScopedRepository<ApiKeyEntity>;
    const tenantA = randomUUID();
    const tenantB = randomUUID();
    let rowA: ApiKeyEntity;

    before(async () => {
      s = await scratchDataSource(dialect);
      await insertTenants(s.ds, [tenantA, tenantB]);
      keys = TenantScopedRepository.of(s.ds, ApiKeyEntity);
      rowA = await keys.insert(tenantA, keyRow('a-key'));
      await keys.insert(tenantB, keyRow('b-key'));
    });
    after(async () => {
      await s.close();
    });

    it('refuses an empty, undefined or null tenant id on every method', async () => {
      for (const bad of ['', undefined, null] as unknown as string[]) {
        await assert.rejects(keys.findOne(bad, { id: rowA.id }), /tenant id is required/);
        await assert.rejects(keys.find(bad), /tenant id is required/);
        await assert.rejects(keys.count(bad), /tenant id is required/);
        await assert.rejects(keys.insert(bad, keyRow('x')), /tenant id is required/);
        await assert.rejects(keys.insertMany(bad, [keyRow('x')]), /tenant id is required/);
        await assert.rejects(keys.update(bad, { id: rowA.id }, { name: 'x' }), /tenant id is required/);
        await assert.rejects(keys.delete(bad, { id: rowA.id }), /tenant id is required/);
        assert.throws(() => keys.query(bad, 'k'), /tenant id is required/);
      }
      assert.equal(await keys.count(tenantA), 1, 'nothing was written');
    });

    it('refuses undefined where-values, which TypeORM would silently drop', async () => {
      await assert.rejects(keys.findOne(tenantA, { id: undefined }), /undefined value for "id"/);
      await assert.rejects(keys.find(tenantA, { id: undefined }), /undefined value for "id"/);
      await assert.rejects(keys.update(tenantA, { id: undefined }, { name: 'all of them' }), /undefined value/);
      await assert.rejects(keys.delete(tenantA, { id: undefined }), /undefined value/);
      assert.equal((await keys.findOne(tenantA, { id: rowA.id }))?.name, 'a-key');
    });

    it('stamps the tenant on writes, whatever the row says', async () => {
      const sneaky = { ...keyRow('sneaky'), tenantId: tenantA } as Omit<ApiKeyEntity, 'tenantId' | 'tenant'>;
      const written = await keys.insert(tenantB, sneaky);
      assert.equal(written.tenantId, tenantB);
      assert.equal((await s.ds.getRepository(ApiKeyEntity).findOneByOrFail({ id: written.id })).tenantId, tenantB);
      await keys.insertMany(tenantB, [
        { ...keyRow('sneaky-2'), tenantId: tenantA } as Omit<ApiKeyEntity, 'tenantId' | 'tenant'>,
      ]);
      assert.equal(await keys.count(tenantA), 1);
    });

    it("tenant B cannot read tenant A's rows, even by id", async () => {
      assert.equal(await keys.findOne(tenantB, { id: rowA.id }), null);
      assert.equal(await keys.count(tenantB, { id: rowA.id }), 0);
      assert.ok(!(await keys.find(tenantB)).some((k) => k.id === rowA.id));
      assert.equal(await keys.query(tenantB, 'k').andWhere('k.id = :id', { id: rowA.id }).getCount(), 0);
      assert.equal((await keys.findOne(tenantA, { id: rowA.id }))?.id, rowA.id, 'tenant A still sees it');
    });

    it("tenant B cannot change or delete tenant A's rows, even by id", async () => {
      assert.equal(await keys.update(tenantB, { id: rowA.id }, { name: 'taken over' }), 0);
      assert.equal(await keys.delete(tenantB, { id: rowA.id }), 0);
      assert.deepEqual(await keys.deleteReturning(tenantB, { id: rowA.id }), []);
      const still = await keys.findOne(tenantA, { id: rowA.id });
      assert.equal(still?.name, 'a-key');
    });

    it('deleteReturning removes and returns only the tenant’s own row', async () => {
      const own = await keys.insert(tenantA, keyRow('to-delete'));
      const removed = await keys.deleteReturning(tenantA, { id: own.id });
      assert.equal(removed.length, 1);
      assert.equal(removed[0].id, own.id);
      assert.equal(removed[0].tenantId, tenantA);
      assert.deepEqual(removed[0].scopes, ['admin']);
      assert.equal(await keys.findOne(tenantA, { id: own.id }), null);
    });

    it('a transaction-bound copy rolls back with the transaction', async () => {
      const id = newId();
      await assert.rejects(
        s.ds.transaction(async (manager) => {
          await keys.withManager(manager).insert(tenantA, { ...keyRow('in-tx'), id });
          assert.equal(await keys.withManager(manager).count(tenantA, { id }), 1);
          throw new Error('roll back');
        }),
        /roll back/,
      );
      assert.equal(await keys.count(tenantA, { id }), 0);
    });

    it('ApiKeysService: a key resolves to its own tenant; another tenant cannot revoke it; revoked keys stop working', async () => {
      const service = new ApiKeysService(s.ds);
      const created = await service.create(tenantA, 'svc');
      const principal = await service.authenticate(created.key);
      assert.deepEqual(principal && { kind: principal.kind, tenantId: principal.tenantId, keyId: principal.keyId }, {
        kind: 'api_key',
        tenantId: tenantA,
        keyId: created.id,
      });
      await assert.rejects(service.revoke(tenantB, created.id), (err: { code?: string }) => err.code === 'not_found');
      assert.notEqual(await service.authenticate(created.key), null);
      assert.ok(!(await service.list(tenantB)).some((k) => k.id === created.id));
      await service.revoke(tenantA, created.id);
      assert.equal(await service.authenticate(created.key), null);
      assert.equal(await service.authenticate(`${created.key.slice(0, -1)}x`), null);
      const stored = await s.ds.getRepository(ApiKeyEntity).findOneByOrFail({ id: created.id });
      // The secret is everything after `tsk_<prefix>_` (base64url may itself contain `_`).
      const secret = /^tsk_[^_]+_(.+)$/.exec(created.key)![1];
      assert.ok(secret.length >= 40 && !JSON.stringify(stored).includes(secret), 'only the hash is stored');
    });
  });
}
