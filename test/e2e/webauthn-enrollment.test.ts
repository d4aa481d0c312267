import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DataSource } from 'typeorm';
import { Clock } from '#config';
import { dialects, startTestApp, TEST_ORIGIN, type TestApp } from '../support/test-app.js';
import { SoftAuthenticator, type Tamper } from '../support/soft-authenticator.js';

const REGISTER = '/v1/users/me/mfa/webauthn/register';
const COMPLETE = '/v1/users/me/mfa/webauthn/register/complete';
const CODE_RE = /^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]$/;

for (const dialect of await dialects()) {
  describe(`WebAuthn enrollment (${dialect})`, () => {
    let t: TestApp;
    let tenant: { id: string; apiKey: string };
    let other: { id: string; apiKey: string };
    let userSeq = 0;
    const newUser = () => `user-${++userSeq}`;

    before(async () => {
      t = await startTestApp(dialect);
      tenant = await t.createTenant({ name: 'Acme' });
      other = await t.createTenant({ name: 'Globex' });
    });
    after(async () => {
      await t?.close();
    });

    async function begin(
      tenantId: string,
      user: string,
      method = 'webauthn_passkey',
      claims?: Record<string, unknown>,
    ) {
      return t.request('POST', `${REGISTER}?method_type=${method}`, {
        headers: await t.userHeaders(tenantId, user, claims),
      });
    }
    async function complete(tenantId: string, user: string, body: unknown, claims?: Record<string, unknown>) {
      return t.request('POST', COMPLETE, { headers: await t.userHeaders(tenantId, user, claims), json: body });
    }
    async function ceremony(
      user: string,
      opts: {
        method?: string;
        auth?: SoftAuthenticator;
        tamper?: Tamper;
        deviceName?: string;
        skipUserVerification?: boolean;
      } = {},
    ) {
      const method = opts.method ?? 'webauthn_passkey';
      const auth = opts.auth ?? new SoftAuthenticator();
      const options = await begin(tenant.id, user, method);
      assert.equal(options.status, 200, options.text);
      // A client that ignores the server's userVerification: 'required'.
      if (opts.skipUserVerification) options.body.options.authenticatorSelection.userVerification = 'discouraged';
      const credential = auth.createCredential(options.body.options, { origin: TEST_ORIGIN, tamper: opts.tamper });
      const res = await complete(tenant.id, user, {
        credential,
        device_name: opts.deviceName ?? 'My key',
        method_type: method,
      });
      return { res, credential, options: options.body.options, auth };
    }
    async function rowCounts(tenantId: string, user: string) {
      const ds = t.app.get(DataSource);
      const q = async (table: string) =>
        Number(
          (
            await ds.query(
              `SELECT COUNT(*) AS n FROM ${table} WHERE tenant_id = ${dialect === 'postgres' ? '$1' : '?'} AND user_id = ${dialect === 'postgres' ? '$2' : '?'}`,
              [tenantId, user],
            )
          )[0].n,
        );
      return {
        credentials: await q('webauthn_credentials'),
        codes: await q('backup_codes'),
        pending: await q('pending_enrollments'),
      };
    }

    it('registration options follow the method type and the tenant settings', async () => {
      const user = newUser();
      const passkey = await begin(tenant.id, user, 'webauthn_passkey');
      assert.equal(passkey.status, 200);
      assert.equal(passkey.headers.get('cache-control'), 'no-store');
      const o = passkey.body.options;
      assert.equal(o.rp.id, 'tessera.test');
      assert.equal(o.rp.name, 'Tessera test');
      assert.equal(o.timeout, 300000);
      assert.deepEqual(
        o.pubKeyCredParams.map((p: { alg: number }) => p.alg),
        [-7, -8, -257],
      );
      assert.equal(o.authenticatorSelection.residentKey, 'required');
      assert.equal(o.authenticatorSelection.userVerification, 'required');
      assert.ok(Buffer.from(o.challenge, 'base64url').length >= 32);
      assert.notEqual(o.user.id, Buffer.from(user).toString('base64url'));
      assert.equal(Buffer.from(o.user.id, 'base64url').length, 32);

      const fido = await begin(tenant.id, user, 'webauthn_fido');
      const f = fido.body.options;
      assert.equal(f.authenticatorSelection.authenticatorAttachment, 'cross-platform');
      assert.equal(f.authenticatorSelection.residentKey, 'discouraged');
      assert.equal(f.authenticatorSelection.userVerification, 'preferred');
      assert.equal(f.attestation, 'direct');
      assert.equal(f.user.id, o.user.id, 'user handle is stable across enrollments');

      const again = await begin(tenant.id, user, 'webauthn_passkey');
      assert.notEqual(again.body.options.challenge, o.challenge);
      assert.equal((await rowCounts(tenant.id, user)).pending, 2, 'one pending enrollment per method');
    });

    it('missing or unknown method_type is 400 validation_failed', async () => {
      const headers = await t.userHeaders(tenant.id, newUser());
      for (const path of [REGISTER, `${REGISTER}?method_type=totp`, `${REGISTER}?method_type=`]) {
        const res = await t.request('POST', path, { headers });
        assert.equal(res.status, 400, path);
        assert.equal(res.body.code, 'validation_failed');
        assert.equal(res.body.details.fields[0].field, 'method_type');
      }
    });

    it('a passkey ceremony returns 10 backup codes; the factor is listed', async () => {
      const user = newUser();
      const { res } = await ceremony(user, { deviceName: '  Work laptop  ' });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.equal(res.body.codes.length, 10);
      assert.equal(res.body.remaining, 10);
      assert.equal(new Set(res.body.codes).size, 10);
      for (const code of res.body.codes) assert.match(code, CODE_RE);

      const list = await t.request('GET', '/v1/users/me/mfa', { headers: await t.userHeaders(tenant.id, user) });
      assert.equal(list.status, 200);
      assert.equal(list.body.methods.length, 1);
      const m = list.body.methods[0];
      assert.equal(m.method_type, 'webauthn_passkey');
      assert.equal(m.device_name, 'Work laptop');
      assert.equal(m.verified, true);
      assert.equal(m.last_used_at, null);
      assert.equal(m.authenticator.aaguid, '00000000-0000-0000-0000-000000000000');
      assert.equal(m.authenticator.backed_up, false);

      const remaining = await t.request('GET', '/v1/users/me/mfa/backup-codes', {
        headers: await t.userHeaders(tenant.id, user),
      });
      assert.deepEqual(remaining.body, { remaining: 10 });
      // Codes are stored hashed only.
      const stored = await t.app.get(DataSource).query('SELECT hash, lookup FROM backup_codes');
      const plain = res.body.codes.map((c: string) => c.replace(/-/g, '').toUpperCase());
      for (const row of stored) assert.ok(!plain.some((p: string) => row.hash.includes(p)));
    });

    it('a security key (packed, EdDSA) enrolls; a second factor gets codes: []', async () => {
      const user = newUser();
      const first = await ceremony(user);
      assert.equal(first.res.status, 200);
      const key = new SoftAuthenticator({
        alg: 'EdDSA',
        attestation: 'packed',
        residentKey: false,
        userVerified: false,
        attachment: 'cross-platform',
        transports: ['usb', 'nfc'],
      });
      const second = await ceremony(user, { method: 'webauthn_fido', auth: key, deviceName: 'YubiKey' });
      assert.equal(second.res.status, 200, second.res.text);
      assert.deepEqual(second.res.body, { codes: [], remaining: 10 });
      const list = await t.request('GET', '/v1/users/me/mfa', { headers: await t.userHeaders(tenant.id, user) });
      assert.deepEqual(
        list.body.methods.map((m: { method_type: string }) => m.method_type),
        ['webauthn_passkey', 'webauthn_fido'],
      );
      // excludeCredentials now lists both, oldest first with their transports, and only this user's.
      const options = await begin(tenant.id, user, 'webauthn_fido');
      assert.deepEqual(
        options.body.options.excludeCredentials.map((c: { id: string; transports?: string[] }) => [c.id, c.transports]),
        [
          [first.credential.id, first.credential.response.transports],
          [second.credential.id, ['usb', 'nfc']],
        ],
      );
      const stranger = await begin(tenant.id, newUser(), 'webauthn_fido');
      assert.equal(stranger.body.options.excludeCredentials.length, 0);
    });

    it("the seed's request with no pending enrollment is 404 not_found", async () => {
      // The seed's body verbatim, with a real token and the tenant id in upper case.
      const seed = await complete(tenant.id.toUpperCase(), newUser(), {
        credential: {},
        device_name: 'example',
        method_type: 'webauthn_passkey',
      });
      assert.equal(seed.status, 404);
      assert.deepEqual(seed.body, { code: 'not_found', message: 'No pending enrollment found' });
      // With an enrollment pending, the same `{}` is taken to verification: 400 and consumed.
      const pendingUser = newUser();
      await begin(tenant.id, pendingUser);
      const empty = await complete(tenant.id, pendingUser, {
        credential: {},
        device_name: 'example',
        method_type: 'webauthn_passkey',
      });
      assert.equal(empty.status, 400);
      assert.equal(empty.body.code, 'verification_failed');
      assert.equal(empty.body.details.reason, 'credential_shape');
      assert.equal(
        (
          await complete(tenant.id, pendingUser, {
            credential: {},
            device_name: 'example',
            method_type: 'webauthn_passkey',
          })
        ).status,
        404,
      );
      const auth = new SoftAuthenticator();
      const user = newUser();
      const opts = await begin(tenant.id, user);
      const credential = auth.createCredential(opts.body.options, { origin: TEST_ORIGIN });
      const wrongUser = await complete(tenant.id, newUser(), {
        credential,
        device_name: 'example',
        method_type: 'webauthn_passkey',
      });
      assert.equal(wrongUser.status, 404);
      assert.deepEqual(wrongUser.body, { code: 'not_found', message: 'No pending enrollment found' });
      const wrongMethod = await complete(tenant.id, user, {
        credential,
        device_name: 'example',
        method_type: 'webauthn_fido',
      });
      assert.equal(wrongMethod.status, 404);
    });

    it('validation errors name the field and never consume the pending enrollment', async () => {
      const user = newUser();
      const opts = await begin(tenant.id, user);
      const credential = new SoftAuthenticator().createCredential(opts.body.options, { origin: TEST_ORIGIN });
      const cases: [unknown, string][] = [
        [{ credential, device_name: '', method_type: 'webauthn_passkey' }, 'device_name'],
        [{ credential, device_name: '   ', method_type: 'webauthn_passkey' }, 'device_name'],
        [{ credential, device_name: 'x'.repeat(101), method_type: 'webauthn_passkey' }, 'device_name'],
        [{ credential, device_name: 'evil\u202Egnp.exe', method_type: 'webauthn_passkey' }, 'device_name'],
        [{ credential, device_name: 'tab\there', method_type: 'webauthn_passkey' }, 'device_name'],
        [{ credential, method_type: 'webauthn_passkey' }, 'device_name'],
        [{ credential, device_name: 'ok', method_type: 'totp' }, 'method_type'],
        [{ credential: 'x', device_name: 'ok', method_type: 'webauthn_passkey' }, 'credential'],
        [{ credential: [credential], device_name: 'ok', method_type: 'webauthn_passkey' }, 'credential'],
        [{ device_name: 'ok', method_type: 'webauthn_passkey' }, 'credential'],
        [{ credential, device_name: 'ok', method_type: 'webauthn_passkey', admin: true }, 'admin'],
      ];
      for (const [body, field] of cases) {
        const res = await complete(tenant.id, user, body);
        assert.equal(res.status, 400, JSON.stringify(body).slice(0, 80));
        assert.equal(res.body.code, 'validation_failed');
        assert.ok(
          res.body.details.fields.some((f: { field: string }) => f.field === field),
          `${field}: ${res.text}`,
        );
      }
      // 100 code points of astral characters (200 UTF-16 units) are accepted.
      const ok = await complete(tenant.id, user, {
        credential,
        device_name: '🔑'.repeat(100),
        method_type: 'webauthn_passkey',
      });
      assert.equal(ok.status, 200, ok.text);
    });

    it('the pending enrollment is single use: a replay of the same body is 404', async () => {
      const user = newUser();
      const auth = new SoftAuthenticator();
      const opts = await begin(tenant.id, user);
      const body = {
        credential: auth.createCredential(opts.body.options, { origin: TEST_ORIGIN }),
        device_name: 'k',
        method_type: 'webauthn_passkey',
      };
      assert.equal((await complete(tenant.id, user, body)).status, 200);
      const replay = await complete(tenant.id, user, body);
      assert.equal(replay.status, 404);
      assert.equal(replay.body.message, 'No pending enrollment found');
    });

    it('an expired pending enrollment is 404 (injectable clock)', async () => {
      const user = newUser();
      const opts = await begin(tenant.id, user);
      const credential = new SoftAuthenticator().createCredential(opts.body.options, { origin: TEST_ORIGIN });
      const clock = t.app.get(Clock);
      const realNow = clock.now.bind(clock);
      clock.now = () => new Date(Date.now() + 300_001);
      try {
        const res = await complete(tenant.id, user, { credential, device_name: 'k', method_type: 'webauthn_passkey' });
        assert.equal(res.status, 404);
      } finally {
        clock.now = realNow;
      }
      assert.equal((await rowCounts(tenant.id, user)).credentials, 0);
    });

    it('tampered ceremonies are 400 verification_failed, consume the enrollment and leave no rows', async () => {
      const tampers: [string, Tamper | undefined, SoftAuthenticator | undefined, boolean?][] = [
        ['challenge', { challenge: Buffer.alloc(32, 7).toString('base64url') }, undefined],
        ['origin', { origin: 'https://evil.example' }, undefined],
        ['type', { type: 'webauthn.get' }, undefined],
        ['rp id hash', { rpIdHash: 'evil.example' }, undefined],
        ['user presence', { flags: { clearUP: true } }, undefined],
        ['user verification', undefined, new SoftAuthenticator({ userVerified: false }), true],
        ['algorithm', { alg: -36 }, undefined],
        ['id/rawId', { mismatchedId: true }, undefined],
        ['credential id > 1023 bytes', { oversizedCredentialId: true }, undefined],
        ['garbage CBOR', { garbageAttestationObject: true }, undefined],
        ['bad signature', { badSignature: true }, new SoftAuthenticator({ attestation: 'packed' })],
      ];
      for (const [name, tamper, auth, skipUserVerification] of tampers) {
        const user = newUser();
        const { res, credential } = await ceremony(user, { tamper, auth, skipUserVerification });
        assert.equal(res.status, 400, `${name}: ${res.text}`);
        assert.equal(res.body.code, 'verification_failed', name);
        assert.ok(
          !res.text.includes(TEST_ORIGIN) && !res.text.includes('tessera.test'),
          `${name} must not echo expected values: ${res.text}`,
        );
        assert.deepEqual(await rowCounts(tenant.id, user), { credentials: 0, codes: 0, pending: 0 }, name);
        const retry = await complete(tenant.id, user, {
          credential,
          device_name: 'k',
          method_type: 'webauthn_passkey',
        });
        assert.equal(retry.status, 404, `${name}: consumed`);
      }
    });

    it('garbage base64 and CBOR never produce a 500', async () => {
      const user = newUser();
      const bodies = [
        {
          id: 'AAAA',
          rawId: 'AAAA',
          type: 'public-key',
          response: { clientDataJSON: '!!!', attestationObject: '***' },
          clientExtensionResults: {},
        },
        {
          id: 'AAAA',
          rawId: 'AAAA',
          type: 'public-key',
          response: {
            clientDataJSON: Buffer.from('{"type":"webauthn.create"}').toString('base64url'),
            attestationObject: 'oWNmbXQ',
          },
          clientExtensionResults: {},
        },
        {
          id: '',
          rawId: '',
          type: 'public-key',
          response: { clientDataJSON: '', attestationObject: '' },
          clientExtensionResults: {},
        },
      ];
      for (const credential of bodies) {
        await begin(tenant.id, user);
        const res = await complete(tenant.id, user, { credential, device_name: 'k', method_type: 'webauthn_passkey' });
        assert.ok(res.status === 400, `${res.status} ${res.text}`);
        assert.ok(['verification_failed', 'validation_failed'].includes(res.body.code));
      }
    });

    it('a credential id already registered in the tenant is 409 credential_exists; another tenant may register it', async () => {
      const owner = newUser();
      const first = await ceremony(owner);
      assert.equal(first.res.status, 200);
      // The same user (who now holds codes) registering the id again: the all-or-nothing path without codes.
      const again = await ceremony(owner, { tamper: { reuseCredentialId: first.credential.id } });
      assert.equal(again.res.status, 409, again.res.text);
      assert.equal(again.res.body.code, 'credential_exists');
      assert.equal((await rowCounts(tenant.id, owner)).credentials, 1);
      const victim = newUser();
      const { res } = await ceremony(victim, { tamper: { reuseCredentialId: first.credential.id } });
      assert.equal(res.status, 409, res.text);
      assert.equal(res.body.code, 'credential_exists');
      assert.deepEqual(await rowCounts(tenant.id, victim), { credentials: 0, codes: 0, pending: 0 });
      // Credential ids are unique per tenant, not globally.
      const otherUser = newUser();
      const opts = await begin(other.id, otherUser);
      const credential = new SoftAuthenticator().createCredential(opts.body.options, {
        origin: TEST_ORIGIN,
        tamper: { reuseCredentialId: first.credential.id },
      });
      const elsewhere = await complete(other.id, otherUser, {
        credential,
        device_name: 'k',
        method_type: 'webauthn_passkey',
      });
      assert.equal(elsewhere.status, 200, elsewhere.text);
    });

    it('a tenant-A enrollment completed with a tenant-B token is 403 tenant_mismatch or 404, never stored', async () => {
      const user = newUser();
      const opts = await begin(tenant.id, user);
      const credential = new SoftAuthenticator().createCredential(opts.body.options, { origin: TEST_ORIGIN });
      const body = { credential, device_name: 'k', method_type: 'webauthn_passkey' };
      // Token of tenant B, header of tenant A.
      const mismatch = await t.request('POST', COMPLETE, {
        headers: { Authorization: `Bearer ${await t.userToken(other.id, user)}`, 'X-Tenant-ID': tenant.id },
        json: body,
      });
      assert.equal(mismatch.status, 403);
      assert.equal(mismatch.body.code, 'tenant_mismatch');
      // Token and header of tenant B: the enrollment is not there.
      const elsewhere = await complete(other.id, user, body);
      assert.equal(elsewhere.status, 404);
      // The enrollment in tenant A is intact and still completes.
      const ok = await complete(tenant.id, user, body);
      assert.equal(ok.status, 200, ok.text);
    });

    it('a race of 20 parallel completes: exactly one succeeds', async () => {
      const user = newUser();
      const opts = await begin(tenant.id, user);
      const credential = new SoftAuthenticator().createCredential(opts.body.options, { origin: TEST_ORIGIN });
      const headers = await t.userHeaders(tenant.id, user);
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          t.request('POST', COMPLETE, {
            headers,
            json: { credential, device_name: 'race', method_type: 'webauthn_passkey' },
          }),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      assert.equal(statuses.filter((s) => s === 200).length, 1, statuses.join(','));
      assert.ok(
        statuses.every((s) => s === 200 || s === 404),
        statuses.join(','),
      );
      const counts = await rowCounts(tenant.id, user);
      assert.equal(counts.credentials, 1);
      assert.equal(counts.codes, 10);
    });

    it('a tenant without WebAuthn settings answers 501 not_implemented', async () => {
      const bare = await t.createTenant({ name: 'No WebAuthn', webauthn: null });
      const user = newUser();
      const opts = await begin(bare.id, user);
      assert.equal(opts.status, 501);
      assert.equal(opts.body.code, 'not_implemented');
      const credential = {
        id: 'AAAA',
        rawId: 'AAAA',
        type: 'public-key',
        response: { clientDataJSON: 'AA', attestationObject: 'AA' },
        clientExtensionResults: {},
      };
      const res = await complete(bare.id, user, { credential, device_name: 'k', method_type: 'webauthn_passkey' });
      assert.equal(res.status, 501);
    });

    it('regenerating backup codes replaces the set', async () => {
      const user = newUser();
      const first = await ceremony(user);
      const headers = await t.userHeaders(tenant.id, user);
      const regen = await t.request('POST', '/v1/users/me/mfa/backup-codes', { headers });
      assert.equal(regen.status, 200, regen.text);
      assert.equal(regen.headers.get('cache-control'), 'no-store');
      assert.equal(regen.body.codes.length, 10);
      assert.equal(regen.body.remaining, 10);
      assert.ok(!regen.body.codes.some((c: string) => first.res.body.codes.includes(c)));
      assert.equal((await rowCounts(tenant.id, user)).codes, 10);
    });

    it('bearer and tenant header are required', async () => {
      const none = await t.request('POST', `${REGISTER}?method_type=webauthn_passkey`);
      assert.equal(none.status, 401);
      assert.equal(none.body.code, 'unauthenticated');
      assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
      const noTenant = await t.request('POST', `${REGISTER}?method_type=webauthn_passkey`, {
        headers: { Authorization: `Bearer ${await t.userToken(tenant.id, 'u')}` },
      });
      assert.equal(noTenant.status, 400);
      assert.equal(noTenant.body.code, 'invalid_tenant_header');
    });
  });
}
