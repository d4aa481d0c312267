import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ApiKeysService } from '#auth';
import { dialects, startTestApp, TEST_PLATFORM_KEY, type TestApp, type TestResponse } from '../support/test-app.js';
import { ProbeModule } from './foundation-probe.module.js';

const SEED_TENANT = '2489E9AD-2EE2-8E00-8EC9-32D5F69181C0';
const platform = { 'X-API-Key': TEST_PLATFORM_KEY };
const webauthn = { rp_id: 'acme.test', rp_name: 'Acme', origins: ['https://app.acme.test', 'https://acme.test'] };

function assertError(res: TestResponse, status: number, code: string): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.body?.code, code, res.text);
}

for (const dialect of await dialects()) {
  describe(`tenancy, platform tenants and API keys (${dialect})`, () => {
    let t: TestApp;
    let a: { id: string; apiKey: string };
    let b: { id: string; apiKey: string };

    before(async () => {
      t = await startTestApp(dialect, {}, { modules: [ProbeModule] });
      a = await t.createTenant({ name: 'Tenant A' });
      b = await t.createTenant({ name: 'Tenant B' });
    });
    after(async () => {
      await t.close();
    });

    describe('platform: /v1/tenants', () => {
      it('POST creates a tenant with its first admin key, shown once', async () => {
        const res = await t.request('POST', '/v1/tenants', { headers: platform, json: { name: 'Acme', webauthn } });
        assert.equal(res.status, 201, res.text);
        for (const key of ['id', 'name', 'webauthn', 'created_at', 'api_key'])
          assert.ok(key in res.body, `missing ${key}`);
        assert.match(res.body.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        assert.equal(res.body.name, 'Acme');
        assert.deepEqual(res.body.webauthn, webauthn);
        assert.ok(!Number.isNaN(Date.parse(res.body.created_at)));
        assert.match(res.body.api_key, /^tsk_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);

        const got = await t.request('GET', `/v1/tenants/${res.body.id}`, { headers: platform });
        assert.equal(got.status, 200, got.text);
        assert.equal(got.body.id, res.body.id);
        assert.deepEqual(got.body.webauthn, webauthn);
        assert.equal(got.body.status, 'active');
        assert.ok(!('api_key' in got.body), 'the key is shown only once');
        assert.ok(!got.text.includes(res.body.api_key));
      });

      it('webauthn is optional', async () => {
        const res = await t.request('POST', '/v1/tenants', { headers: platform, json: { name: 'No WebAuthn' } });
        assert.equal(res.status, 201, res.text);
        assert.equal(res.body.webauthn, null);
      });

      it('incoherent WebAuthn settings → 400 validation_failed naming the fields', async () => {
        const bad = [
          { rp_id: 'acme.test', rp_name: 'Acme', origins: ['http://app.acme.test'] },
          { rp_id: 'acme.test', rp_name: 'Acme', origins: ['https://evil.test'] },
          { rp_id: 'https://acme.test', rp_name: 'Acme', origins: ['https://acme.test'] },
          { rp_id: 'acme.test', rp_name: 'Acme', origins: [] },
          { rp_id: 'acme.test', origins: ['https://acme.test'] },
        ];
        for (const settings of bad) {
          const res = await t.request('POST', '/v1/tenants', {
            headers: platform,
            json: { name: 'Bad', webauthn: settings },
          });
          assertError(res, 400, 'validation_failed');
          assert.ok(
            (res.body.details.fields as { field: string }[]).some((f) => f.field.startsWith('webauthn')),
            res.text,
          );
        }
        const patch = await t.request('PATCH', `/v1/tenants/${a.id}`, {
          headers: platform,
          json: { webauthn: bad[1] },
        });
        assertError(patch, 400, 'validation_failed');
      });

      it('PATCH updates settings; unknown tenant → 404; bad id → 400', async () => {
        const res = await t.request('PATCH', `/v1/tenants/${a.id}`, {
          headers: platform,
          json: { name: 'Tenant A2', webauthn, require_mfa: true },
        });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.name, 'Tenant A2');
        assert.equal(res.body.require_mfa, true);
        assert.deepEqual(
          (await t.request('GET', `/v1/tenants/${a.id.toUpperCase()}`, { headers: platform })).body.webauthn,
          webauthn,
        );
        assertError(await t.request('GET', `/v1/tenants/${randomUUID()}`, { headers: platform }), 404, 'not_found');
        assertError(
          await t.request('PATCH', `/v1/tenants/${randomUUID()}`, { headers: platform, json: { name: 'x' } }),
          404,
          'not_found',
        );
        assertError(await t.request('GET', '/v1/tenants/not-a-uuid', { headers: platform }), 400, 'validation_failed');
      });

      it('needs the platform key: missing or wrong → 401, a tenant key → 401', async () => {
        assertError(await t.request('POST', '/v1/tenants', { json: { name: 'x' } }), 401, 'unauthenticated');
        assertError(
          await t.request('POST', '/v1/tenants', {
            headers: { 'X-API-Key': 'wrong-platform-key-0123456789' },
            json: { name: 'x' },
          }),
          401,
          'unauthenticated',
        );
        assertError(
          await t.request('GET', `/v1/tenants/${a.id}`, { headers: { 'X-API-Key': a.apiKey } }),
          401,
          'unauthenticated',
        );
        assertError(
          await t.request('GET', `/v1/tenants/${a.id}`, { headers: await t.userHeaders(a.id, 'alice') }),
          401,
          'unauthenticated',
        );
      });

      it('the seed uppercase id can be chosen; a duplicate id → 409', async () => {
        const res = await t.request('POST', '/v1/tenants', {
          headers: platform,
          json: { id: SEED_TENANT, name: 'Seed tenant', webauthn },
        });
        assert.equal(res.status, 201, res.text);
        assert.equal(res.body.id, SEED_TENANT.toLowerCase());
        const again = await t.request('POST', '/v1/tenants', {
          headers: platform,
          json: { id: SEED_TENANT.toLowerCase(), name: 'Again' },
        });
        assertError(again, 409, 'conflict');
      });
    });

    describe('tenancy guard (X-Tenant-ID)', () => {
      it('the seed uppercase id works in the header and the token, in any case', async () => {
        const headers = await t.userHeaders(SEED_TENANT, 'alice');
        assert.equal(headers['X-Tenant-ID'], SEED_TENANT);
        const res = await t.request('GET', '/__probe/user', { headers });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.tenant_id, SEED_TENANT.toLowerCase());
        const mixed = await t.request('GET', '/__probe/user', {
          headers: { ...(await t.userHeaders(SEED_TENANT.toLowerCase(), 'alice')), 'X-Tenant-ID': SEED_TENANT },
        });
        assert.equal(mixed.status, 200, mixed.text);
      });

      it('missing or malformed X-Tenant-ID → 400 invalid_tenant_header', async () => {
        const { Authorization } = await t.userHeaders(a.id, 'alice');
        assertError(
          await t.request('GET', '/__probe/user', { headers: { Authorization } }),
          400,
          'invalid_tenant_header',
        );
        for (const value of ['acme', `${a.id}x`, a.id.replaceAll('-', ''), '{' + a.id + '}', ' ']) {
          assertError(
            await t.request('GET', '/__probe/user', { headers: { Authorization, 'X-Tenant-ID': value } }),
            400,
            'invalid_tenant_header',
          );
        }
      });

      it('a header for another tenant than the token → 403 tenant_mismatch', async () => {
        const headers = { ...(await t.userHeaders(a.id, 'alice')), 'X-Tenant-ID': b.id };
        assertError(await t.request('GET', '/__probe/user', { headers }), 403, 'tenant_mismatch');
      });

      it('unknown or disabled tenant → 403 tenant_unavailable', async () => {
        assertError(
          await t.request('GET', '/__probe/user', { headers: await t.userHeaders(randomUUID(), 'alice') }),
          403,
          'tenant_unavailable',
        );
        const c = await t.createTenant({ name: 'To disable' });
        assert.equal(
          (await t.request('GET', '/__probe/user', { headers: await t.userHeaders(c.id, 'alice') })).status,
          200,
        );
        assert.equal(
          (await t.request('PATCH', `/v1/tenants/${c.id}`, { headers: platform, json: { status: 'disabled' } })).status,
          200,
        );
        assertError(
          await t.request('GET', '/__probe/user', { headers: await t.userHeaders(c.id, 'alice') }),
          403,
          'tenant_unavailable',
        );
        assertError(
          await t.request('GET', '/__probe/admin', { headers: { 'X-API-Key': c.apiKey, 'X-Tenant-ID': c.id } }),
          403,
          'tenant_unavailable',
        );
      });

      it('authentication comes first: no token with a valid header → 401', async () => {
        assertError(
          await t.request('GET', '/__probe/user', { headers: { 'X-Tenant-ID': a.id } }),
          401,
          'unauthenticated',
        );
      });
    });

    describe('tenant API keys (X-API-Key)', () => {
      it("a tenant's key works for its own tenant only", async () => {
        const own = await t.request('GET', '/__probe/admin', {
          headers: { 'X-API-Key': b.apiKey, 'X-Tenant-ID': b.id.toUpperCase() },
        });
        assert.equal(own.status, 200, own.text);
        assert.equal(own.body.tenant_id, b.id);
        assertError(
          await t.request('GET', '/__probe/admin', { headers: { 'X-API-Key': b.apiKey, 'X-Tenant-ID': a.id } }),
          403,
          'tenant_mismatch',
        );
        assertError(
          await t.request('GET', '/__probe/admin', { headers: { 'X-API-Key': b.apiKey } }),
          400,
          'invalid_tenant_header',
        );
      });

      it('missing, unknown or tampered keys → 401; a bearer token is not a key', async () => {
        assertError(
          await t.request('GET', '/__probe/admin', { headers: { 'X-Tenant-ID': b.id } }),
          401,
          'unauthenticated',
        );
        const tampered = b.apiKey.slice(0, -2) + (b.apiKey.endsWith('AA') ? 'BB' : 'AA');
        assertError(
          await t.request('GET', '/__probe/admin', { headers: { 'X-API-Key': tampered, 'X-Tenant-ID': b.id } }),
          401,
          'unauthenticated',
        );
        assertError(
          await t.request('GET', '/__probe/admin', { headers: await t.userHeaders(b.id, 'alice') }),
          401,
          'unauthenticated',
        );
      });

      it('a revoked key → 401; revoking needs the owning tenant', async () => {
        const keys = t.app.get(ApiKeysService);
        const created = await keys.create(b.id, 'short-lived');
        const headers = { 'X-API-Key': created.key, 'X-Tenant-ID': b.id };
        assert.equal((await t.request('GET', '/__probe/admin', { headers })).status, 200);
        await assert.rejects(keys.revoke(a.id, created.id), (err: { code?: string }) => err.code === 'not_found');
        assert.equal(
          (await t.request('GET', '/__probe/admin', { headers })).status,
          200,
          'another tenant cannot revoke it',
        );
        const revoked = await keys.revoke(b.id, created.id);
        assert.ok(revoked.revoked_at);
        assertError(await t.request('GET', '/__probe/admin', { headers }), 401, 'unauthenticated');
        assert.ok((await keys.list(b.id)).some((k) => k.id === created.id && k.revoked_at !== null));
        assert.ok(!(await keys.list(a.id)).some((k) => k.id === created.id));
      });
    });
  });
}
