import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { dialects, startTestApp, TEST_ORIGIN, TEST_PLATFORM_KEY, type TestApp } from '../support/test-app.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';

const PLATFORM = { 'X-API-Key': TEST_PLATFORM_KEY };

for (const dialect of await dialects()) {
  describe(`Tenant WebAuthn settings and related origins (${dialect})`, () => {
    let t: TestApp;

    before(async () => {
      t = await startTestApp(dialect);
    });
    after(async () => {
      await t?.close();
    });

    /** GET /.well-known/webauthn as a browser would ask https://<host>/.well-known/webauthn. */
    function wellKnown(host: string): Promise<{ status: number; headers: Record<string, unknown>; body: any }> {
      const url = new URL(t.baseUrl);
      return new Promise((resolve, reject) => {
        const req = httpRequest(
          { host: url.hostname, port: url.port, path: '/.well-known/webauthn', headers: { Host: host } },
          (res) => {
            let text = '';
            res.on('data', (chunk) => (text += chunk));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : undefined }),
            );
          },
        );
        req.on('error', reject);
        req.end();
      });
    }

    it('GET shows the settings with defaults; PATCH changes only the given fields, and ceremonies follow them', async () => {
      const tenant = await t.createTenant({ name: 'Settings' });
      const initial = await t.request('GET', `/v1/tenants/${tenant.id}/webauthn`, { headers: PLATFORM });
      assert.equal(initial.status, 200, initial.text);
      assert.deepEqual(initial.body, {
        rp_id: 'tessera.test',
        rp_name: 'Tessera test',
        origins: [TEST_ORIGIN],
        related_origins: [],
        allowed_top_origins: [],
        timeout_ms: 300000,
        algorithms: [-7, -8, -257],
        attestation: { webauthn_passkey: 'none', webauthn_fido: 'direct' },
        hints_passkey: [],
        step_up_max_age_seconds: 300,
      });

      const patched = await t.request('PATCH', `/v1/tenants/${tenant.id}/webauthn`, {
        headers: PLATFORM,
        json: {
          rp_name: 'Settings Inc',
          timeout_ms: 120000,
          algorithms: [-7],
          attestation: { webauthn_passkey: 'direct' },
        },
      });
      assert.equal(patched.status, 200, patched.text);
      assert.equal(patched.body.rp_name, 'Settings Inc');
      assert.equal(patched.body.rp_id, 'tessera.test');
      assert.deepEqual(patched.body.attestation, { webauthn_passkey: 'direct', webauthn_fido: 'direct' });

      const headers = await t.userHeaders(tenant.id, 'settings-user');
      const options = await t.request('POST', '/v1/users/me/mfa/webauthn/register?method_type=webauthn_passkey', {
        headers,
      });
      assert.equal(options.status, 200, options.text);
      assert.equal(options.body.options.rp.name, 'Settings Inc');
      assert.equal(options.body.options.timeout, 120000);
      assert.equal(options.body.options.attestation, 'direct');
      assert.deepEqual(
        options.body.options.pubKeyCredParams.map((p: { alg: number }) => p.alg),
        [-7],
      );
      // An EdDSA-only authenticator cannot answer; an ES256 one enrolls.
      assert.throws(
        () => new SoftAuthenticator({ alg: 'EdDSA' }).createCredential(options.body.options, { origin: TEST_ORIGIN }),
        /NotSupported|supports/,
      );
      const credential = new SoftAuthenticator({ alg: 'ES256' }).createCredential(options.body.options, {
        origin: TEST_ORIGIN,
      });
      const done = await t.request('POST', '/v1/users/me/mfa/webauthn/register/complete', {
        headers,
        json: { credential, device_name: 'Phone', method_type: 'webauthn_passkey' },
      });
      assert.equal(done.status, 200, done.text);

      const audit = await t.request('GET', '/v1/audit-log?action=tenant.webauthn_updated', {
        headers: { 'X-API-Key': tenant.apiKey, 'X-Tenant-ID': tenant.id },
      });
      assert.equal(audit.status, 200, audit.text);
      assert.equal(audit.body.data.length, 1);
      assert.deepEqual([...audit.body.data[0].metadata.fields].sort(), [
        'algorithms',
        'attestation',
        'rp_name',
        'timeout_ms',
      ]);
      assert.equal(audit.body.data[0].actor_type, 'platform');
    });

    it('validation: https origins on the rp id, related origins on other sites, at most 5 labels, a registrable rp id', async () => {
      const tenant = await t.createTenant({ name: 'Validation' });
      const patch = (json: unknown) =>
        t.request('PATCH', `/v1/tenants/${tenant.id}/webauthn`, { headers: PLATFORM, json });
      const cases: [unknown, string, RegExp][] = [
        [{ origins: ['http://app.tessera.test'] }, 'origins[0]', /https/],
        [{ origins: ['https://other.example'] }, 'origins[0]', /tessera\.test or a subdomain/],
        [{ related_origins: ['https://login.tessera.test'] }, 'related_origins[0]', /list it in origins/],
        [{ related_origins: ['http://example.co.uk'] }, 'related_origins[0]', /https/],
        [
          {
            related_origins: [
              'https://a.example/',
              'https://b.example',
              'https://c.example',
              'https://d.example',
              'https://e.example',
            ],
          },
          'related_origins',
          /at most 5 registrable-domain labels/,
        ],
        [{ rp_id: 'co.uk', origins: ['https://co.uk'] }, 'rp_id', /public suffix/],
        [{ timeout_ms: 1000 }, 'timeout_ms', /./],
        [{ algorithms: [-7, -7] }, 'algorithms', /distinct/],
        [{ algorithms: [-999] }, 'algorithms', /./],
        [{ attestation: { webauthn_passkey: 'indirect' } }, 'attestation.webauthn_passkey', /./],
        [{ surprise: true }, 'surprise', /not an accepted field/],
      ];
      for (const [body, field, reason] of cases) {
        const res = await patch(body);
        assert.equal(res.status, 400, `${JSON.stringify(body)} → ${res.text}`);
        assert.equal(res.body.code, 'validation_failed');
        const hit = res.body.details.fields.find((f: { field: string }) => f.field === field);
        assert.ok(hit, `${JSON.stringify(body)}: ${JSON.stringify(res.body.details.fields)}`);
        assert.match(hit.reason, reason);
      }
      // Five labels are fine: tessera + four related sites (example.co.uk and example.com share a label).
      const ok = await patch({
        related_origins: [
          'https://example.co.uk',
          'https://shop.example.com',
          'https://b.example',
          'https://c.example',
          'https://d.example',
        ],
      });
      assert.equal(ok.status, 200, ok.text);
      // Nothing invalid was stored.
      const now = await t.request('GET', `/v1/tenants/${tenant.id}/webauthn`, { headers: PLATFORM });
      assert.deepEqual(now.body.origins, [TEST_ORIGIN]);
      assert.equal(now.body.timeout_ms, 300000);
    });

    it('platform key only; unknown tenant and unconfigured WebAuthn are 404; an unconfigured tenant needs rp_id, rp_name, origins', async () => {
      const tenant = await t.createTenant({ name: 'Bare', webauthn: null });
      assert.equal((await t.request('GET', `/v1/tenants/${tenant.id}/webauthn`)).status, 401);
      assert.equal(
        (
          await t.request('GET', `/v1/tenants/${tenant.id}/webauthn`, {
            headers: { 'X-API-Key': tenant.apiKey, 'X-Tenant-ID': tenant.id },
          })
        ).status,
        401,
      );
      const missing = await t.request('GET', '/v1/tenants/6f1d3a2b-4c5e-4f60-8a7b-9c0d1e2f3a4b/webauthn', {
        headers: PLATFORM,
      });
      assert.equal(missing.status, 404);
      const unconfigured = await t.request('GET', `/v1/tenants/${tenant.id}/webauthn`, { headers: PLATFORM });
      assert.equal(unconfigured.status, 404);
      assert.equal(unconfigured.body.details.reason, 'webauthn_not_configured');
      const partial = await t.request('PATCH', `/v1/tenants/${tenant.id}/webauthn`, {
        headers: PLATFORM,
        json: { rp_name: 'Bare' },
      });
      assert.equal(partial.status, 400);
      assert.deepEqual(
        partial.body.details.fields.map((f: { field: string }) => f.field),
        ['rp_id', 'origins'],
      );
      const full = await t.request('PATCH', `/v1/tenants/${tenant.id}/webauthn`, {
        headers: PLATFORM,
        json: { rp_id: 'Bare.Test', rp_name: 'Bare', origins: ['https://bare.test/'] },
      });
      assert.equal(full.status, 200, full.text);
      assert.equal(full.body.rp_id, 'bare.test');
      assert.deepEqual(full.body.origins, ['https://bare.test']);
    });

    it('/.well-known/webauthn lists the origins of the tenant whose rp id is the requested host', async () => {
      const tenant = await t.createTenant({
        name: 'Related',
        webauthn: {
          rp_id: 'related.test',
          rp_name: 'Related',
          origins: ['https://related.test', 'https://app.related.test'],
        },
      });
      const res = await t.request('PATCH', `/v1/tenants/${tenant.id}/webauthn`, {
        headers: PLATFORM,
        json: { related_origins: ['https://related.example.co.uk', 'https://shop.related-store.example'] },
      });
      assert.equal(res.status, 200, res.text);

      const doc = await wellKnown('related.test');
      assert.equal(doc.status, 200);
      assert.match(String(doc.headers['content-type']), /application\/json/);
      assert.deepEqual(doc.body, {
        origins: [
          'https://related.test',
          'https://app.related.test',
          'https://related.example.co.uk',
          'https://shop.related-store.example',
        ],
      });
      assert.deepEqual((await wellKnown('RELATED.test:443')).body, doc.body, 'host is case-insensitive, port ignored');
      // Public: no credentials needed; another host has no document.
      const unknown = await wellKnown('unknown.example');
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.code, 'not_found');

      // A disabled tenant no longer publishes its origins.
      assert.equal(
        (await t.request('PATCH', `/v1/tenants/${tenant.id}`, { headers: PLATFORM, json: { status: 'disabled' } }))
          .status,
        200,
      );
      assert.equal((await wellKnown('related.test')).status, 404);
    });
  });
}
