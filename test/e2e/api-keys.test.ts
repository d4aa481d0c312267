import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { dialects, startTestApp, type TestApp } from '../support/test-app.js';

type Tenant = { id: string; apiKey: string };

for (const dialect of await dialects()) {
  describe(`Tenant API keys (${dialect})`, () => {
    let t: TestApp;
    let acme: Tenant;
    let globex: Tenant;
    const headers = (key: string, tenantId: string) => ({ 'X-API-Key': key, 'X-Tenant-ID': tenantId });

    before(async () => {
      t = await startTestApp(dialect);
      acme = await t.createTenant({ name: 'Acme' });
      globex = await t.createTenant({ name: 'Globex' });
    });
    after(async () => {
      await t?.close();
    });

    it('creates a key shown once, lists keys without secrets, revokes it (then 401)', async () => {
      const created = await t.request('POST', '/v1/api-keys', {
        headers: headers(acme.apiKey, acme.id),
        json: { name: 'Deploy' },
      });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.headers.get('cache-control'), 'no-store');
      const key = created.body;
      assert.equal(key.name, 'Deploy');
      assert.match(key.key, /^tsk_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
      assert.ok(key.key.startsWith(`${key.prefix}_`));
      assert.equal(key.revoked_at, null);
      assert.ok(!Number.isNaN(Date.parse(key.created_at)));

      const works = await t.request('GET', '/v1/api-keys', { headers: headers(key.key, acme.id) });
      assert.equal(works.status, 200, works.text);
      const listed = works.body.data.find((k: { id: string }) => k.id === key.id);
      assert.deepEqual(Object.keys(listed).sort(), [
        'created_at',
        'id',
        'last_used_at',
        'name',
        'prefix',
        'revoked_at',
        'scopes',
      ]);
      const hash = createHash('sha256').update(key.key).digest('hex');
      assert.ok(
        !works.text.includes(key.key.slice(key.prefix.length + 1)) && !works.text.includes(hash),
        'never the key or its hash',
      );
      assert.equal(works.body.data.length, 2);

      const revoked = await t.request('DELETE', `/v1/api-keys/${key.id}`, { headers: headers(acme.apiKey, acme.id) });
      assert.equal(revoked.status, 204, revoked.text);
      const refused = await t.request('GET', '/v1/api-keys', { headers: headers(key.key, acme.id) });
      assert.equal(refused.status, 401);
      assert.equal(refused.body.code, 'unauthenticated');
      const list = await t.request('GET', '/v1/api-keys', { headers: headers(acme.apiKey, acme.id) });
      assert.ok(list.body.data.find((k: { id: string }) => k.id === key.id).revoked_at);
      assert.equal(
        (await t.request('DELETE', `/v1/api-keys/${key.id}`, { headers: headers(acme.apiKey, acme.id) })).status,
        204,
        'revoking twice is a no-op',
      );

      const log = await t.request('GET', `/v1/audit-log?resource_id=${key.id}`, {
        headers: headers(acme.apiKey, acme.id),
      });
      assert.deepEqual(
        log.body.data.map((e: { action: string }) => e.action),
        ['api_key.revoked', 'api_key.created'],
      );
      assert.ok(!log.text.includes(key.key));
    });

    it('a key cannot revoke itself', async () => {
      const mine = (await t.request('GET', '/v1/api-keys', { headers: headers(acme.apiKey, acme.id) })).body.data.find(
        (k: { name: string }) => k.name === 'initial admin key',
      );
      const res = await t.request('DELETE', `/v1/api-keys/${mine.id}`, { headers: headers(acme.apiKey, acme.id) });
      assert.equal(res.status, 409);
      assert.equal(res.body.code, 'conflict');
      assert.equal(
        (await t.request('GET', '/v1/api-keys', { headers: headers(acme.apiKey, acme.id) })).status,
        200,
        'still valid',
      );
    });

    it('keys are bound to their tenant: tenant_mismatch, and 404 for other tenants’ key ids', async () => {
      const mismatch = await t.request('GET', '/v1/api-keys', { headers: headers(acme.apiKey, globex.id) });
      assert.equal(mismatch.status, 403);
      assert.equal(mismatch.body.code, 'tenant_mismatch');
      const createMismatch = await t.request('POST', '/v1/api-keys', {
        headers: headers(acme.apiKey, globex.id),
        json: { name: 'x' },
      });
      assert.equal(createMismatch.status, 403);
      assert.equal(createMismatch.body.code, 'tenant_mismatch');

      const globexKeys = await t.request('GET', '/v1/api-keys', { headers: headers(globex.apiKey, globex.id) });
      const globexKeyId = globexKeys.body.data[0].id;
      const acmeKeys = await t.request('GET', '/v1/api-keys', { headers: headers(acme.apiKey, acme.id) });
      assert.ok(!acmeKeys.body.data.some((k: { id: string }) => k.id === globexKeyId));
      const foreign = await t.request('DELETE', `/v1/api-keys/${globexKeyId}`, {
        headers: headers(acme.apiKey, acme.id),
      });
      assert.equal(foreign.status, 404);
      assert.equal(foreign.body.code, 'not_found');
      assert.equal(
        (await t.request('GET', '/v1/api-keys', { headers: headers(globex.apiKey, globex.id) })).status,
        200,
        "Globex's key still works",
      );
    });

    it('validates input and requires a key', async () => {
      const noName = await t.request('POST', '/v1/api-keys', { headers: headers(acme.apiKey, acme.id), json: {} });
      assert.equal(noName.status, 400);
      assert.equal(noName.body.details.fields[0].field, 'name');
      const noKey = await t.request('GET', '/v1/api-keys', { headers: { 'X-Tenant-ID': acme.id } });
      assert.equal(noKey.status, 401);
      const badId = await t.request('DELETE', '/v1/api-keys/nope', { headers: headers(acme.apiKey, acme.id) });
      assert.equal(badId.status, 400);
      const doc = (await t.request('GET', '/openapi.json')).body;
      assert.ok(doc.paths['/v1/api-keys'].post.responses['201']);
      assert.ok(doc.paths['/v1/api-keys/{id}'].delete.responses['409']);
      assert.ok(doc.paths['/v1/audit-log'].get.responses['403']);
    });
  });
}
