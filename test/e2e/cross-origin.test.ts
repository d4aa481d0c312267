import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestApp, TEST_ORIGIN, TEST_PLATFORM_KEY, type TestApp } from '../support/test-app.js';
import { SoftAuthenticator, type Tamper } from '../support/soft-authenticator.js';
import { MfaFlows, type Tenant } from '../support/mfa-flows.js';
import { rowCounts } from '../support/row-counts.js';

const LISTED = 'https://portal.partner.example';
const UNLISTED = 'https://evil.example';
const REGISTER = '/v1/users/me/mfa/webauthn/register?method_type=webauthn_passkey';
const COMPLETE = '/v1/users/me/mfa/webauthn/register/complete';

/**
 * crossOrigin × topOrigin, and what each must answer once the tenant lists LISTED. WebAuthn sets
 * topOrigin only with crossOrigin: true, so topOrigin beside crossOrigin: false is contradictory
 * client data: refused on both routes even when listed.
 */
const VARIANTS: { name: string; clientData: Record<string, unknown>; allowed: boolean }[] = [
  { name: 'crossOrigin: true, topOrigin listed', clientData: { crossOrigin: true, topOrigin: LISTED }, allowed: true },
  {
    name: 'crossOrigin: true, topOrigin unlisted',
    clientData: { crossOrigin: true, topOrigin: UNLISTED },
    allowed: false,
  },
  {
    name: 'crossOrigin: false, topOrigin listed',
    clientData: { crossOrigin: false, topOrigin: LISTED },
    allowed: false,
  },
  {
    name: 'crossOrigin: false, topOrigin unlisted',
    clientData: { crossOrigin: false, topOrigin: UNLISTED },
    allowed: false,
  },
];

for (const dialect of await dialects()) {
  describe(`cross-origin ceremonies and allowed_top_origins (${dialect})`, () => {
    let t: TestApp;
    let mfa: MfaFlows;
    let listing: Tenant;
    let plain: Tenant;
    let seq = 0;
    const platform = { 'X-API-Key': TEST_PLATFORM_KEY };

    before(async () => {
      t = await startTestApp(dialect, { RATE_LIMIT_ENROLL_PER_MINUTE: '0' });
      mfa = new MfaFlows(t);
      listing = await t.createTenant({ name: 'Lists a top origin' });
      plain = await t.createTenant({ name: 'Default settings' });
      const set = await t.request('PATCH', `/v1/tenants/${listing.id}/webauthn`, {
        headers: platform,
        json: { allowed_top_origins: [LISTED, 'http://localhost:8080'] },
      });
      assert.equal(set.status, 200, set.text);
      assert.deepEqual(set.body.allowed_top_origins, [LISTED, 'http://localhost:8080']);
    });
    after(async () => {
      await t?.close();
    });

    async function register(tenantId: string, tamper: Tamper) {
      const user = `xo-user-${++seq}`;
      const headers = await t.userHeaders(tenantId, user);
      const begin = await t.request('POST', REGISTER, { headers });
      assert.equal(begin.status, 200, begin.text);
      const credential = new SoftAuthenticator().createCredential(begin.body.options, { origin: TEST_ORIGIN, tamper });
      return t.request('POST', COMPLETE, {
        headers,
        json: { credential, device_name: 'Key', method_type: 'webauthn_passkey' },
      });
    }

    async function assertWith(tenant: Tenant, tamper: Tamper) {
      const user = `xo-user-${++seq}`;
      const { auth } = await mfa.enrollWebAuthn(tenant.id, user);
      return (await mfa.webauthn(await mfa.openSignInId(tenant, user), auth, { tamper })).res;
    }

    function assertCrossOriginRefused(res: { status: number; body: any; text: string }) {
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.code, 'verification_failed');
      assert.equal(res.body.details.reason, 'cross_origin');
    }

    for (const v of VARIANTS) {
      it(`registration, ${v.name} → ${v.allowed ? 'stored' : '400 cross_origin, nothing stored'}`, async () => {
        const before = await rowCounts(t, ['webauthn_credentials']);
        const res = await register(listing.id, { extraClientData: v.clientData });
        if (v.allowed) {
          assert.equal(res.status, 200, res.text);
          assert.equal(
            (await rowCounts(t, ['webauthn_credentials'])).webauthn_credentials,
            before.webauthn_credentials + 1,
          );
        } else {
          assertCrossOriginRefused(res);
          assert.deepEqual(await rowCounts(t, ['webauthn_credentials']), before);
        }
      });

      it(`assertion, ${v.name} → ${v.allowed ? 'a token' : '400 cross_origin, no token'}`, async () => {
        const res = await assertWith(listing, { extraClientData: v.clientData });
        if (v.allowed) {
          assert.equal(res.status, 200, res.text);
          assert.equal(typeof res.body.token, 'string');
        } else {
          assertCrossOriginRefused(res);
          assert.equal(res.body.token, undefined);
        }
      });

      it(`with no allowed_top_origins (the default), ${v.name} is refused on both routes`, async () => {
        assertCrossOriginRefused(await register(plain.id, { extraClientData: v.clientData }));
        assertCrossOriginRefused(await assertWith(plain, { extraClientData: v.clientData }));
      });
    }

    it('crossOrigin: true without a topOrigin, or a crossOrigin that is not a boolean, is refused even for a listing tenant', async () => {
      for (const clientData of [
        { crossOrigin: true },
        { crossOrigin: 'true', topOrigin: LISTED },
        { crossOrigin: true, topOrigin: [LISTED] },
        { topOrigin: LISTED },
      ]) {
        assertCrossOriginRefused(await register(listing.id, { extraClientData: clientData }));
        assertCrossOriginRefused(await assertWith(listing, { extraClientData: clientData }));
      }
      // Same-origin ceremonies (crossOrigin false or absent, no topOrigin) are unaffected.
      assert.equal((await register(plain.id, {})).status, 200);
      assert.equal((await assertWith(plain, {})).status, 200);
    });

    it('the failed assertion is audited as mfa.failed with reason cross_origin', async () => {
      const user = `xo-user-${++seq}`;
      const { auth } = await mfa.enrollWebAuthn(plain.id, user);
      const challenge = await mfa.openSignInId(plain, user);
      assertCrossOriginRefused(
        (
          await mfa.webauthn(challenge, auth, {
            tamper: { extraClientData: { crossOrigin: true, topOrigin: UNLISTED } },
          })
        ).res,
      );
      const log = await t.request('GET', '/v1/audit-log?action=mfa.failed', { headers: mfa.adminHeaders(plain) });
      assert.ok(
        log.body.data.some(
          (e: { resource_id: string; metadata: { reason?: string } }) =>
            e.resource_id === challenge && e.metadata.reason === 'cross_origin',
        ),
        log.text,
      );
      // The challenge is still usable by a same-origin assertion.
      assert.equal((await mfa.webauthn(challenge, auth)).res.status, 200);
    });

    it('allowed_top_origins is validated like origins, read back with the settings, and documented', async () => {
      for (const [value, reason] of [
        ['http://portal.example', /https/],
        ['https://portal.example/path', /bare origin/],
        ['portal.example', /origin such as/],
      ] as const) {
        const res = await t.request('PATCH', `/v1/tenants/${plain.id}/webauthn`, {
          headers: platform,
          json: { allowed_top_origins: [LISTED, value] },
        });
        assert.equal(res.status, 400, res.text);
        assert.equal(res.body.code, 'validation_failed');
        assert.equal(res.body.details.fields[0].field, 'allowed_top_origins[1]');
        assert.match(res.body.details.fields[0].reason, reason);
      }
      assert.equal(
        (
          await t.request('PATCH', `/v1/tenants/${plain.id}/webauthn`, {
            headers: platform,
            json: { allowed_top_origins: 'https://x.example' },
          })
        ).status,
        400,
      );
      assert.deepEqual(
        (await t.request('GET', `/v1/tenants/${plain.id}/webauthn`, { headers: platform })).body.allowed_top_origins,
        [],
      );
      const created = await t.request('POST', '/v1/tenants', {
        headers: platform,
        json: {
          name: 'At creation',
          webauthn: {
            rp_id: 'tessera.test',
            rp_name: 'x',
            origins: [TEST_ORIGIN],
            allowed_top_origins: ['https://portal.partner.example/'],
          },
        },
      });
      assert.equal(created.status, 201, created.text);
      assert.deepEqual(
        (await t.request('GET', `/v1/tenants/${created.body.id}/webauthn`, { headers: platform })).body
          .allowed_top_origins,
        [LISTED],
        'normalized',
      );
      const doc = (await t.request('GET', '/openapi.json')).body;
      const schemas = doc.components.schemas;
      for (const name of Object.keys(schemas).filter((n) => /WebAuthnSettings/.test(n)))
        assert.ok(schemas[name].properties.allowed_top_origins, name);
      assert.match(
        JSON.stringify(doc.paths['/v1/auth/mfa/webauthn/complete'].post.responses['400']),
        /verification_failed/,
      );
    });
  });
}
