import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DataSource } from 'typeorm';
import { dialects, startTestApp, TEST_PLATFORM_KEY, type TestApp } from '../support/test-app.js';
import { MfaFlows, totpCode, type Tenant } from '../support/mfa-flows.js';

const KEEP_LAST_NOTICE =
  'Your organization requires multi-factor authentication, so you cannot remove your last factor. Add another factor first.';

for (const dialect of await dialects()) {
  describe(`TOTP enrollment and factor management (${dialect})`, () => {
    let t: TestApp;
    let mfa: MfaFlows;
    let tenant: Tenant;
    let strict: Tenant;
    let other: Tenant;
    let seq = 0;
    const newUser = () => `fm-user-${++seq}`;
    const p = (n: number) => (dialect === 'postgres' ? `$${n}` : '?');

    before(async () => {
      t = await startTestApp(dialect);
      mfa = new MfaFlows(t);
      tenant = await t.createTenant({ name: 'Acme Corp' });
      strict = await t.createTenant({ name: 'Strict', require_mfa: true });
      other = await t.createTenant({ name: 'Globex' });
    });
    after(async () => {
      await t?.close();
    });

    async function methods(tenantId: string, user: string) {
      const res = await t.request('GET', '/v1/users/me/mfa', { headers: await t.userHeaders(tenantId, user) });
      assert.equal(res.status, 200);
      return res.body.methods as { id: string; method_type: string; device_name: string; verified: boolean }[];
    }
    async function audit(
      tenantId: string,
      action: string,
    ): Promise<{ actor_id: string; resource_id: string; metadata: string }[]> {
      return t.app
        .get(DataSource)
        .query(
          `SELECT actor_id, resource_id, metadata FROM audit_events WHERE tenant_id = ${p(1)} AND action = ${p(2)}`,
          [tenantId, action],
        );
    }

    it('TOTP enrollment: secret and otpauth URI, unverified until a code; the secret is sealed at rest', async () => {
      const user = newUser();
      const headers = await t.userHeaders(tenant.id, user);
      const start = await t.request('POST', '/v1/users/me/mfa/totp', { headers, json: { device_name: 'Phone' } });
      assert.equal(start.status, 201, start.text);
      assert.equal(start.headers.get('cache-control'), 'no-store');
      const { id, secret, qr_uri } = start.body;
      assert.match(secret, /^[A-Z2-7]{32}$/);
      const uri = new URL(qr_uri);
      assert.equal(uri.protocol, 'otpauth:');
      assert.equal(uri.host, 'totp');
      assert.equal(decodeURIComponent(uri.pathname), `/Acme Corp:${user}`);
      assert.equal(uri.searchParams.get('issuer'), 'Acme Corp');
      assert.equal(uri.searchParams.get('secret'), secret);
      assert.deepEqual(
        (await methods(tenant.id, user)).map((m) => [m.method_type, m.device_name, m.verified]),
        [['totp', 'Phone', false]],
      );
      const [row] = await t.app
        .get(DataSource)
        .query(`SELECT secret_sealed FROM totp_factors WHERE id = ${p(1)}`, [id]);
      assert.ok(!row.secret_sealed.includes(secret));

      // An unverified factor cannot complete a challenge and is not a usable method.
      const opened = await mfa.openSignIn(tenant, user);
      assert.deepEqual(opened.body.methods, []);

      const wrong = await t.request('POST', `/v1/users/me/mfa/totp/${id}/verify`, {
        headers,
        json: { code: totpCode(secret, 120) },
      });
      assert.equal(wrong.status, 400);
      assert.equal(wrong.body.code, 'verification_failed');
      const malformed = await t.request('POST', `/v1/users/me/mfa/totp/${id}/verify`, {
        headers,
        json: { code: '12ab56' },
      });
      assert.equal(malformed.status, 400);
      assert.equal(malformed.body.details.fields[0].field, 'code');

      const ok = await t.request('POST', `/v1/users/me/mfa/totp/${id}/verify`, {
        headers,
        json: { code: totpCode(secret).replace(/^(\d{3})/, '$1 ') },
      });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.body.codes.length, 10);
      assert.equal(ok.body.remaining, 10);
      assert.equal((await methods(tenant.id, user))[0].verified, true);
      const again = await t.request('POST', `/v1/users/me/mfa/totp/${id}/verify`, {
        headers,
        json: { code: totpCode(secret, 30) },
      });
      assert.equal(again.status, 404);
      // Another user cannot verify it.
      const stranger = await t.request('POST', `/v1/users/me/mfa/totp/${id}/verify`, {
        headers: await t.userHeaders(tenant.id, newUser()),
        json: { code: totpCode(secret) },
      });
      assert.equal(stranger.status, 404);
      assert.equal((await audit(tenant.id, 'factor.enrolled')).filter((e) => e.resource_id === id).length, 1);

      // A second authenticator app gets no new backup codes.
      const second = await mfa.enrollTotp(tenant.id, user);
      assert.deepEqual(second.codes, []);
      assert.deepEqual((await mfa.openSignIn(tenant, user)).body.methods, ['totp', 'backup_code']);
    });

    it('a new TOTP enrollment replaces an abandoned unverified one', async () => {
      const user = newUser();
      const headers = await t.userHeaders(tenant.id, user);
      await t.request('POST', '/v1/users/me/mfa/totp', { headers, json: {} });
      // No body at all is fine too (the device name is optional).
      const second = await t.request('POST', '/v1/users/me/mfa/totp', { headers });
      assert.equal(second.status, 201, second.text);
      const list = await methods(tenant.id, user);
      assert.deepEqual(
        list.map((m) => [m.id, m.device_name]),
        [[second.body.id, 'Authenticator app']],
      );
    });

    it("rename: 200 with the factor; validation; another user's factor is 404; audited", async () => {
      const user = newUser();
      await mfa.enrollWebAuthn(tenant.id, user);
      const [factor] = await methods(tenant.id, user);
      const headers = await t.userHeaders(tenant.id, user);
      const res = await t.request('PATCH', `/v1/users/me/mfa/${factor.id}`, {
        headers,
        json: { device_name: '  Office key  ' },
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.device_name, 'Office key');
      assert.equal(res.body.id, factor.id);
      assert.equal((await methods(tenant.id, user))[0].device_name, 'Office key');
      for (const bad of [{ device_name: '' }, { device_name: 'x'.repeat(101) }, { device_name: 'a\u202Eb' }, {}]) {
        const r = await t.request('PATCH', `/v1/users/me/mfa/${factor.id}`, { headers, json: bad });
        assert.equal(r.status, 400, JSON.stringify(bad));
      }
      assert.equal(
        (await t.request('PATCH', '/v1/users/me/mfa/not-a-uuid', { headers, json: { device_name: 'x' } })).status,
        400,
      );
      const foreign = await t.request('PATCH', `/v1/users/me/mfa/${factor.id}`, {
        headers: await t.userHeaders(tenant.id, newUser()),
        json: { device_name: 'mine' },
      });
      assert.equal(foreign.status, 404);
      const totp = await mfa.enrollTotp(tenant.id, user);
      const renamed = await t.request('PATCH', `/v1/users/me/mfa/${totp.id}`, {
        headers,
        json: { device_name: 'Phone' },
      });
      assert.equal(renamed.body.device_name, 'Phone');
      assert.equal(renamed.body.authenticator, null);
      assert.ok((await audit(tenant.id, 'factor.renamed')).some((e) => e.resource_id === factor.id));
    });

    it('remove: the last factor is kept when the tenant requires MFA (notice); otherwise backup codes go with it', async () => {
      const user = newUser();
      await mfa.enrollWebAuthn(strict.id, user);
      const totp = await mfa.enrollTotp(strict.id, user);
      const headers = await t.userHeaders(strict.id, user);
      const [passkey] = await methods(strict.id, user);
      assert.equal((await t.request('DELETE', `/v1/users/me/mfa/${passkey.id}`, { headers })).status, 200);
      const last = await t.request('DELETE', `/v1/users/me/mfa/${totp.id}`, { headers });
      assert.equal(last.status, 403, last.text);
      assert.equal(last.body.code, 'policy_denied');
      assert.deepEqual(last.body.notices, [KEEP_LAST_NOTICE]);
      assert.deepEqual(last.body.details.determining_policies, ['baseline.keep_last_factor']);
      assert.equal((await methods(strict.id, user)).length, 1);
      // An abandoned TOTP enrollment can always be removed.
      const pending = await t.request('POST', '/v1/users/me/mfa/totp', { headers, json: {} });
      assert.equal((await t.request('DELETE', `/v1/users/me/mfa/${pending.body.id}`, { headers })).status, 200);

      // The tenant setting is what matters: lift it and the last factor goes, with the backup codes.
      const patch = await t.request('PATCH', `/v1/tenants/${strict.id}`, {
        headers: { 'X-API-Key': TEST_PLATFORM_KEY },
        json: { require_mfa: false },
      });
      assert.equal(patch.status, 200, patch.text);
      assert.equal((await t.request('DELETE', `/v1/users/me/mfa/${totp.id}`, { headers })).status, 200);
      assert.deepEqual(await methods(strict.id, user), []);
      const codes = await t.request('GET', '/v1/users/me/mfa/backup-codes', { headers });
      assert.equal(codes.body.remaining, 0);
      await t.request('PATCH', `/v1/tenants/${strict.id}`, {
        headers: { 'X-API-Key': TEST_PLATFORM_KEY },
        json: { require_mfa: true },
      });
      assert.equal((await t.request('DELETE', `/v1/users/me/mfa/${totp.id}`, { headers })).status, 404);
      assert.equal((await audit(strict.id, 'factor.removed')).length, 3);
    });

    it('admin: list, remove one, reset everything; audited', async () => {
      const user = newUser();
      await mfa.enrollWebAuthn(strict.id, user);
      await mfa.enrollTotp(strict.id, user);
      const admin = mfa.adminHeaders(strict);
      const list = await t.request('GET', `/v1/users/${user}/mfa`, { headers: admin });
      assert.equal(list.status, 200, list.text);
      assert.equal(list.body.user_id, user);
      assert.equal(list.body.backup_codes_remaining, 10);
      assert.deepEqual(
        list.body.methods.map((m: { method_type: string }) => m.method_type),
        ['webauthn_passkey', 'totp'],
      );

      // Bearer tokens and other tenants' keys are not admin credentials.
      assert.equal(
        (await t.request('GET', `/v1/users/${user}/mfa`, { headers: await t.userHeaders(strict.id, user) })).status,
        401,
      );
      assert.equal(
        (
          await t.request('GET', `/v1/users/${user}/mfa`, {
            headers: { 'X-API-Key': other.apiKey, 'X-Tenant-ID': strict.id },
          })
        ).status,
        403,
      );
      const elsewhere = await t.request('GET', `/v1/users/${user}/mfa`, { headers: mfa.adminHeaders(other) });
      assert.deepEqual([elsewhere.body.methods, elsewhere.body.backup_codes_remaining], [[], 0]);

      const totpId = list.body.methods[1].id;
      assert.equal(
        (await t.request('DELETE', `/v1/users/${user}/mfa/${totpId}`, { headers: mfa.adminHeaders(other) })).status,
        404,
      );
      assert.equal((await t.request('DELETE', `/v1/users/other-user/mfa/${totpId}`, { headers: admin })).status, 404);
      assert.equal((await t.request('DELETE', `/v1/users/${user}/mfa/${totpId}`, { headers: admin })).status, 204);

      // Reset: an open challenge dies with the factors.
      const challenge = await mfa.openSignInId(strict, user);
      const reset = await t.request('DELETE', `/v1/users/${user}/mfa`, { headers: admin });
      assert.equal(reset.status, 200, reset.text);
      assert.deepEqual(
        { ...reset.body, signals: undefined },
        { removed_factors: 1, removed_backup_codes: 10, signals: undefined },
      );
      assert.deepEqual(
        reset.body.signals.all_accepted_credentials.all_accepted_credential_ids,
        [],
        'nothing is accepted any more',
      );
      assert.deepEqual(await methods(strict.id, user), []);
      assert.equal((await mfa.begin(challenge)).status, 404);
      assert.equal((await t.request('DELETE', `/v1/users/${user}/mfa`, { headers: admin })).body.removed_factors, 0);
      const events = await audit(strict.id, 'factor.reset_by_admin');
      assert.equal(events.length, 2);
      assert.equal(events[0].resource_id, user);
      assert.equal(
        (await audit(strict.id, 'factor.removed')).filter((e) => String(e.metadata).includes(`"user_id":"${user}"`))
          .length,
        1,
        'admin removal',
      );
      // The user can enroll again from scratch.
      const again = await mfa.enrollWebAuthn(strict.id, user);
      assert.equal(again.codes.length, 10);
    });

    it('the OpenAPI document lists every new route with its errors', async () => {
      const doc = (await t.request('GET', '/openapi.json')).body;
      const expect: [string, string, string[]][] = [
        ['/v1/mfa/challenges', 'post', ['201', '400', '401', '429']],
        ['/v1/users/me/mfa/challenges', 'post', ['201', '401']],
        ['/v1/auth/mfa/webauthn/begin', 'post', ['200', '400', '404', '501']],
        ['/v1/auth/mfa/webauthn/complete', 'post', ['200', '400', '401', '403', '404', '429']],
        ['/v1/auth/mfa/totp/complete', 'post', ['200', '401', '404', '429']],
        ['/v1/auth/mfa/backup-codes/complete', 'post', ['200', '401', '404', '429']],
        ['/v1/users/me/mfa/totp', 'post', ['201', '403']],
        ['/v1/users/me/mfa/totp/{id}/verify', 'post', ['200', '400', '404']],
        ['/v1/users/me/mfa/{id}', 'patch', ['200', '403', '404']],
        ['/v1/users/me/mfa/{id}', 'delete', ['200', '403', '404']],
        ['/v1/users/{user_id}/mfa', 'get', ['200', '403']],
        ['/v1/users/{user_id}/mfa', 'delete', ['200', '403']],
        ['/v1/users/{user_id}/mfa/{id}', 'delete', ['204', '404']],
        ['/.well-known/jwks.json', 'get', ['200']],
      ];
      for (const [path, method, statuses] of expect) {
        const op = doc.paths[path]?.[method];
        assert.ok(op, `${method} ${path}`);
        for (const s of statuses) assert.ok(op.responses[s], `${method} ${path} ${s}`);
      }
      assert.deepEqual(doc.paths['/v1/auth/mfa/totp/complete'].post.security, [], 'public: security []');
    });
  });
}
