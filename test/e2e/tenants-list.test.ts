import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestApp, TEST_PLATFORM_KEY, type TestApp } from '../support/test-app.js';

const platform = { 'X-API-Key': TEST_PLATFORM_KEY };

for (const dialect of await dialects()) {
  describe(`GET /v1/tenants and /v1/tenants/{id} (platform key, ${dialect})`, () => {
    let t: TestApp;
    const created: string[] = [];

    before(async () => {
      t = await startTestApp(dialect);
      for (const name of ['Alpha', 'Bravo', 'Charlie', 'Delta', 'Echo'])
        created.push((await t.createTenant({ name })).id);
    });
    after(async () => {
      await t?.close();
    });

    it('pages through every tenant in creation order with limit and cursor', async () => {
      const seen: string[] = [];
      const pages: { has_more: boolean; next_cursor: string | null; size: number }[] = [];
      let cursor: string | null = null;
      do {
        const path: string = `/v1/tenants?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const res = await t.request('GET', path, { headers: platform });
        assert.equal(res.status, 200, res.text);
        assert.deepEqual(Object.keys(res.body).sort(), ['data', 'has_more', 'next_cursor']);
        seen.push(...(res.body.data as { id: string }[]).map((d) => d.id));
        pages.push({ has_more: res.body.has_more, next_cursor: res.body.next_cursor, size: res.body.data.length });
        cursor = res.body.next_cursor;
      } while (cursor && pages.length < 10);
      assert.deepEqual(seen, created);
      assert.deepEqual(
        pages.map((p) => [p.size, p.has_more]),
        [
          [2, true],
          [2, true],
          [1, false],
        ],
      );
      assert.equal(pages.at(-1)!.next_cursor, null);

      const all = await t.request('GET', '/v1/tenants', { headers: platform });
      assert.equal(all.status, 200);
      assert.deepEqual(
        (all.body.data as { id: string }[]).map((d) => d.id),
        created,
        'default limit 20 holds them all',
      );
      assert.equal(all.body.has_more, false);
      const first = all.body.data[0];
      assert.deepEqual(Object.keys(first).sort(), [
        'created_at',
        'id',
        'name',
        'require_mfa',
        'status',
        'updated_at',
        'webauthn',
      ]);
      assert.ok(!('api_key' in first), 'keys are never listed');
    });

    it('GET /v1/tenants/{id} reads one; unknown → 404, not a UUID → 400', async () => {
      const one = await t.request('GET', `/v1/tenants/${created[2].toUpperCase()}`, { headers: platform });
      assert.equal(one.status, 200, one.text);
      assert.equal(one.body.name, 'Charlie');
      assert.equal(
        (await t.request('GET', '/v1/tenants/0f0e0d0c-0b0a-4909-8807-060504030201', { headers: platform })).body.code,
        'not_found',
      );
      assert.equal((await t.request('GET', '/v1/tenants/acme', { headers: platform })).status, 400);
    });

    it('bad limit or cursor → 400 validation_failed; no or a tenant key → 401/403', async () => {
      for (const query of [
        'limit=0',
        'limit=101',
        'limit=two',
        'cursor=not-a-cursor',
        `cursor=${Buffer.from('c1.x').toString('base64url')}`,
      ]) {
        const res = await t.request('GET', `/v1/tenants?${query}`, { headers: platform });
        assert.equal(res.status, 400, `${query}: ${res.text}`);
        assert.equal(res.body.code, 'validation_failed');
      }
      const anonymous = await t.request('GET', '/v1/tenants');
      assert.equal(anonymous.status, 401);
      const tenantKey = await t.createTenant({ name: 'Foxtrot' });
      const withTenantKey = await t.request('GET', '/v1/tenants', { headers: { 'X-API-Key': tenantKey.apiKey } });
      assert.ok([401, 403].includes(withTenantKey.status), withTenantKey.text);
    });

    it('is in the OpenAPI document as listTenants with its page schema', async () => {
      const doc = (await t.request('GET', '/openapi.json')).body;
      const op = doc.paths['/v1/tenants'].get;
      assert.equal(op.operationId, 'listTenants');
      assert.deepEqual(op.parameters.map((p: { name: string }) => p.name).sort(), ['cursor', 'limit']);
      for (const status of ['200', '400', '401']) assert.ok(status in op.responses, status);
      assert.equal(doc.paths['/v1/tenants/{id}'].get.operationId, 'getTenant');
    });
  });
}
