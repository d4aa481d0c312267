import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import {
  dialects,
  startTestApp,
  TEST_ORIGIN,
  TEST_PLATFORM_KEY,
  TEST_RP_ID,
  type TestApp,
  type TestResponse,
} from '../support/test-app.js';
import { SoftAuthenticator, type AttestationKey } from '../support/soft-authenticator.js';
import { MfaFlows, totpCode, type Tenant } from '../support/mfa-flows.js';
import { attestationKey, createRootCa, mdsPki, metadataEntry, signBlob } from '../support/fido-metadata.js';

const CHALLENGES = '/v1/mfa/challenges';
const STEP_UP = '/v1/users/me/mfa/challenges';
const REGISTER = '/v1/users/me/mfa/webauthn/register';
const COMPLETE_REGISTRATION = '/v1/users/me/mfa/webauthn/register/complete';
const COMPLETE = '/v1/auth/mfa/webauthn/complete';
const PLATFORM = { 'X-API-Key': TEST_PLATFORM_KEY };
const KEY_AAGUID = 'd4f1a3c7-2e6b-4a9d-8f05-7c3e1b9a2d64';
/** An Android app origin: the base64url SHA-256 of a (made-up) signing certificate. */
const ANDROID_ORIGIN = `android:apk-key-hash:${createHash('sha256').update('tessera test app signing certificate').digest('base64url')}`;

for (const dialect of await dialects()) {
  describe(`Passkeys as users meet them: usernameless sign-in, names, signals, app origins, hints, acr_values (${dialect})`, () => {
    let t: TestApp;
    let mfa: MfaFlows;
    let acme: Tenant;
    let globex: Tenant;
    let dir: string;
    let trustedKey: AttestationKey;
    let seq = 0;
    const newUser = () => `pk-user-${++seq}`;

    before(async () => {
      // A metadata BLOB that trusts one security-key model, so "phrh" can be earned.
      const mds = await mdsPki();
      const vendorRoot = await createRootCa('Phrh Keys Attestation Root');
      trustedKey = await attestationKey(vendorRoot, KEY_AAGUID);
      const blob = await signBlob({
        signer: mds.signer,
        no: 7,
        entries: [metadataEntry({ aaguid: KEY_AAGUID, description: 'Phrh Key', roots: [vendorRoot] })],
      });
      dir = mkdtempSync(join(tmpdir(), 'tessera-passkeys-'));
      writeFileSync(join(dir, 'mds.jwt'), blob);
      writeFileSync(join(dir, 'mds-root.pem'), mds.root.pem);
      t = await startTestApp(dialect, {
        FIDO_MDS_FILE: join(dir, 'mds.jwt'),
        FIDO_MDS_ROOT_CERT: join(dir, 'mds-root.pem'),
      });
      mfa = new MfaFlows(t);
      acme = await t.createTenant({ name: 'Acme' });
      globex = await t.createTenant({ name: 'Globex' });
    });
    after(async () => {
      await t?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const sql = (text: string) =>
      dialect === 'postgres' ? text.replace(/\?/g, (_, i: number) => `$${text.slice(0, i).split('?').length}`) : text;
    async function auditOf(tenantId: string, action: string): Promise<{ actor_id: string; metadata: string }[]> {
      return t.app
        .get(DataSource)
        .query(sql('SELECT actor_id, metadata FROM audit_events WHERE tenant_id = ? AND action = ? ORDER BY id'), [
          tenantId,
          action,
        ]);
    }

    async function enroll(
      tenantId: string,
      user: string,
      auth: SoftAuthenticator,
      method: 'webauthn_passkey' | 'webauthn_fido' = 'webauthn_passkey',
      claims: Record<string, unknown> = {},
      origin = TEST_ORIGIN,
    ) {
      const headers = await t.userHeaders(tenantId, user, claims);
      const begin = await t.request('POST', `${REGISTER}?method_type=${method}`, { headers });
      assert.equal(begin.status, 200, begin.text);
      const credential = auth.createCredential(begin.body.options, { origin, rpId: TEST_RP_ID });
      const done = await t.request('POST', COMPLETE_REGISTRATION, {
        headers,
        json: { credential, device_name: 'Key', method_type: method },
      });
      return { options: begin.body.options, done, credentialId: credential.id };
    }

    async function openUsernameless(tenant: Tenant, extra: Record<string, unknown> = {}): Promise<TestResponse> {
      return t.request('POST', CHALLENGES, { headers: mfa.adminHeaders(tenant), json: extra });
    }

    /** Opens a usernameless challenge, begins, signs with the authenticator's first discoverable credential and completes. */
    async function usernamelessSignIn(
      tenant: Tenant,
      auth: SoftAuthenticator,
      opts: { credentialId?: string; origin?: string } = {},
    ) {
      const opened = await openUsernameless(tenant);
      assert.equal(opened.status, 201, opened.text);
      const begin = await mfa.begin(opened.body.challenge_id);
      assert.equal(begin.status, 200, begin.text);
      const credential = auth.getAssertion(begin.body.options, {
        origin: opts.origin ?? TEST_ORIGIN,
        rpId: TEST_RP_ID,
        credentialId: opts.credentialId,
      });
      return t.request('POST', COMPLETE, { json: { challenge_id: opened.body.challenge_id, credential } });
    }

    it("usernameless sign-in: two users of one tenant each signed in by their own passkey; the token names the passkey's owner", async () => {
      const alice = newUser();
      const bob = newUser();
      // One authenticator holding both users' passkeys, as a shared device would.
      const device = new SoftAuthenticator();
      const a = await enroll(acme.id, alice, device);
      const b = await enroll(acme.id, bob, device);
      assert.equal(a.done.status, 200, a.done.text);
      assert.equal(b.done.status, 200, b.done.text);

      const opened = await openUsernameless(acme);
      assert.equal(opened.status, 201, opened.text);
      assert.deepEqual(Object.keys(opened.body).sort(), ['challenge_id', 'expires_at', 'methods', 'user_id']);
      assert.equal(opened.body.user_id, null);
      assert.deepEqual(opened.body.methods, ['webauthn_passkey']);
      const begin = await mfa.begin(opened.body.challenge_id);
      assert.equal(begin.status, 200, begin.text);
      assert.deepEqual(begin.body.options.allowCredentials, []);
      assert.equal(begin.body.options.userVerification, 'required');
      assert.equal(begin.body.options.rpId, TEST_RP_ID);

      for (const [user, credentialId] of [
        [alice, a.credentialId],
        [bob, b.credentialId],
      ] as const) {
        const res = await usernamelessSignIn(acme, device, { credentialId });
        assert.equal(res.status, 200, res.text);
        const { payload } = await mfa.verifyToken(res.body.token);
        assert.equal(payload.sub, user);
        assert.equal(payload.tenant_id, acme.id);
        assert.equal(payload.purpose, 'sign_in');
        assert.deepEqual(payload.amr, ['swk']);
        assert.equal(payload.acr, 'phr', 'unattested: no phrh');
      }
      const verified = await auditOf(acme.id, 'mfa.verified');
      assert.deepEqual(
        verified.slice(-2).map((e) => e.actor_id),
        [alice, bob],
      );
      assert.ok(verified.slice(-2).every((e) => JSON.parse(e.metadata).usernameless === true));
    });

    it("usernameless sign-in never crosses tenants: another tenant's passkey and user handle are unknown here (with the signal)", async () => {
      const user = newUser();
      const device = new SoftAuthenticator();
      const { credentialId } = await enroll(acme.id, user, device);
      // Globex has the same rp id, so the authenticator offers Acme's passkey to a Globex challenge.
      const res = await usernamelessSignIn(globex, device);
      assert.equal(res.status, 401, res.text);
      assert.equal(res.body.code, 'mfa_failed');
      assert.deepEqual(res.body.details, {
        signal: { type: 'unknown_credential', rp_id: TEST_RP_ID, credential_id: credentialId },
      });

      // A Globex user whose credential id is known there, but the assertion carries an Acme user handle.
      const globexUser = newUser();
      const globexDevice = new SoftAuthenticator();
      const globexCred = await enroll(globex.id, globexUser, globexDevice);
      const acmeHandle = [...device.credentials.values()][0].userHandle;
      [...globexDevice.credentials.values()][0].userHandle = acmeHandle;
      const swapped = await usernamelessSignIn(globex, globexDevice, { credentialId: globexCred.credentialId });
      assert.equal(swapped.status, 401, swapped.text);
      assert.equal(swapped.body.details.signal.type, 'unknown_credential');
      assert.equal((await auditOf(globex.id, 'mfa.verified')).length, 0);
    });

    it("an unknown credential's signal: a passkey removed from the account answers 401 mfa_failed with details.signal", async () => {
      const user = newUser();
      const device = new SoftAuthenticator();
      const { credentialId } = await enroll(acme.id, user, device);
      await mfa.enrollTotp(acme.id, user);
      const headers = await t.userHeaders(acme.id, user);
      const list = await t.request('GET', '/v1/users/me/mfa', { headers });
      const passkey = list.body.methods.find((m: { method_type: string }) => m.method_type === 'webauthn_passkey');
      assert.equal((await t.request('DELETE', `/v1/users/me/mfa/${passkey.id}`, { headers })).status, 200);

      const res = await usernamelessSignIn(acme, device);
      assert.equal(res.status, 401, res.text);
      assert.deepEqual(res.body, {
        code: 'mfa_failed',
        message: 'The MFA challenge could not be completed.',
        details: { signal: { type: 'unknown_credential', rp_id: TEST_RP_ID, credential_id: credentialId } },
      });
      const failed = (await auditOf(acme.id, 'mfa.failed')).map((e) => JSON.parse(e.metadata));
      assert.ok(failed.some((m) => m.reason === 'unknown_credential' && m.usernameless === true));

      // A user-bound challenge for the same user: the stale credential gets the same signal.
      const challenge = await mfa.openSignInId(acme, user);
      const bound = await t.request('POST', COMPLETE, {
        json: {
          challenge_id: challenge,
          credential: device.getAssertion(
            { challenge: 'AAAA', rpId: TEST_RP_ID, allowCredentials: [] },
            {
              origin: TEST_ORIGIN,
            },
          ),
        },
      });
      assert.equal(bound.status, 401);
      assert.equal(bound.body.details, undefined, 'no begin: nothing is said about the credential');
    });

    it('usernameless: only passkeys answer, policy-checked (verify_factor), rate-limited per resolved user', async () => {
      const user = newUser();
      const device = new SoftAuthenticator();
      await enroll(acme.id, user, device);
      const opened = await openUsernameless(acme);
      // No user to check a code against.
      const totp = await mfa.totp(opened.body.challenge_id, '123456');
      assert.equal(totp.status, 401);
      const backup = await mfa.backupCode(opened.body.challenge_id, 'abcd-efgh-jkmn-p');
      assert.equal(backup.status, 401);

      // A tenant rule on verify_factor decides usernameless sign-ins like any other.
      const rule = await t.request('POST', '/v1/policies', {
        headers: mfa.adminHeaders(acme),
        json: {
          name: 'No passkey sign-in',
          enabled: true,
          cedar_policy_set:
            '@notice("Passkey sign-in is paused.")\nforbid (principal, action == Tessera::Action::"verify_factor", resource is Tessera::Authenticator) when { resource.method_type == "webauthn_passkey" && principal.roles.isEmpty() };',
        },
      });
      assert.equal(rule.status, 201, rule.text);
      const denied = await usernamelessSignIn(acme, device);
      assert.equal(denied.status, 403, denied.text);
      assert.equal(denied.body.code, 'policy_denied');
      assert.deepEqual(denied.body.notices, ['Passkey sign-in is paused.']);
      assert.equal(
        (await t.request('DELETE', `/v1/policies/${rule.body.id}`, { headers: mfa.adminHeaders(acme) })).status,
        204,
      );
      assert.equal((await usernamelessSignIn(acme, device)).status, 200);
    });

    it('a tenant without WebAuthn settings cannot open a usernameless challenge (501); bad bodies are 400', async () => {
      const bare = await t.createTenant({ name: 'Bare', webauthn: null });
      const res = await openUsernameless(bare);
      assert.equal(res.status, 501, res.text);
      for (const json of [
        { acr_values: ['aal3'] },
        { acr_values: [] },
        { acr_values: ['phr', 'phr'] },
        { max_age: 0 },
        { max_age: 1.5 },
        { max_age: 86_401 },
        { user_id: '' },
      ]) {
        const bad = await openUsernameless(acme, json);
        assert.equal(bad.status, 400, `${JSON.stringify(json)} ${bad.text}`);
        assert.equal(bad.body.code, 'validation_failed');
      }
    });

    it('names in the passkey and the TOTP label come from the claims, bounded to 64 characters', async () => {
      const user = newUser();
      const auth = new SoftAuthenticator();
      const named = await enroll(acme.id, user, auth, 'webauthn_passkey', {
        preferred_username: 'alice@acme.example',
        email: 'a@acme.example',
        name: 'Alice Liddell',
      });
      assert.equal(named.options.user.name, 'alice@acme.example');
      assert.equal(named.options.user.displayName, 'Alice Liddell');

      // Fallbacks: email, then sub; the display name falls back to the user name; unusable values are skipped.
      const headersEmail = await t.userHeaders(acme.id, user, {
        email: 'a@acme.example',
        preferred_username: 'bad\u202Ename',
      });
      const byEmail = await t.request('POST', `${REGISTER}?method_type=webauthn_fido`, { headers: headersEmail });
      assert.equal(byEmail.body.options.user.name, 'a@acme.example');
      assert.equal(byEmail.body.options.user.displayName, 'a@acme.example');
      const bySub = await t.request('POST', `${REGISTER}?method_type=webauthn_fido`, {
        headers: await t.userHeaders(acme.id, user, { name: 'x'.repeat(100) }),
      });
      assert.equal(bySub.body.options.user.name, user);
      assert.equal(bySub.body.options.user.displayName, 'x'.repeat(64));
      assert.equal(bySub.body.options.user.id, named.options.user.id, 'the user handle stays the same');

      const totp = await t.request('POST', '/v1/users/me/mfa/totp', {
        headers: await t.userHeaders(acme.id, user, { preferred_username: 'Ålice Ünicode ' + 'é'.repeat(80) }),
        json: {},
      });
      assert.equal(totp.status, 201, totp.text);
      const label = decodeURIComponent(new URL(totp.body.qr_uri).pathname.replace(/^\//, ''));
      assert.equal(label, `Acme:Ålice Ünicode ${'é'.repeat(64 - 'Ålice Ünicode '.length)}`);
    });

    it('signals: GET /v1/users/me/mfa carries them; after removal (user, admin reset) the removed credentials are gone from the list', async () => {
      const user = newUser();
      const claims = { preferred_username: 'carol@acme.example', name: 'Carol' };
      const one = await enroll(acme.id, user, new SoftAuthenticator(), 'webauthn_passkey', claims);
      const two = await enroll(
        acme.id,
        user,
        new SoftAuthenticator({ residentKey: false, userVerified: false }),
        'webauthn_fido',
        claims,
      );
      const handle = one.options.user.id;
      const headers = await t.userHeaders(acme.id, user, claims);
      const list = await t.request('GET', '/v1/users/me/mfa', { headers });
      assert.equal(list.status, 200, list.text);
      assert.deepEqual(list.body.signals, {
        all_accepted_credentials: {
          rp_id: TEST_RP_ID,
          user_id: handle,
          all_accepted_credential_ids: [one.credentialId, two.credentialId],
        },
        current_user_details: { rp_id: TEST_RP_ID, user_id: handle, name: 'carol@acme.example', display_name: 'Carol' },
      });

      const first = list.body.methods[0];
      const removed = await t.request('DELETE', `/v1/users/me/mfa/${first.id}`, { headers });
      assert.equal(removed.status, 200, removed.text);
      assert.deepEqual(removed.body.signals.all_accepted_credentials.all_accepted_credential_ids, [two.credentialId]);
      assert.equal(removed.body.signals.current_user_details.display_name, 'Carol');

      const reset = await t.request('DELETE', `/v1/users/${user}/mfa`, { headers: mfa.adminHeaders(acme) });
      assert.equal(reset.status, 200, reset.text);
      assert.deepEqual(reset.body.signals, {
        all_accepted_credentials: { rp_id: TEST_RP_ID, user_id: handle, all_accepted_credential_ids: [] },
        current_user_details: { rp_id: TEST_RP_ID, user_id: handle, name: 'carol@acme.example', display_name: 'Carol' },
      });
      // Nothing to signal for a user who never registered a WebAuthn credential.
      const stranger = await t.request('GET', '/v1/users/me/mfa', { headers: await t.userHeaders(acme.id, newUser()) });
      assert.equal(stranger.body.signals, null);
    });

    it('Android app origins: accepted in the settings and in clientData at registration and assertion; malformed ones refused', async () => {
      const tenant = await t.createTenant({ name: 'App' });
      const malformed = [
        'android:apk-key-hash:tooShort',
        `android:apk-key-hash:${'A'.repeat(44)}`,
        `android:apk-key-hash:${'A'.repeat(42)}=`,
        `android:apk-key-hash:${'A'.repeat(42)}+`,
        `android:${'A'.repeat(43)}`,
        `android:apk-key-hash:${'A'.repeat(43)}/`,
      ];
      for (const origin of malformed) {
        const bad = await t.request('PATCH', `/v1/tenants/${tenant.id}/webauthn`, {
          headers: PLATFORM,
          json: { origins: [TEST_ORIGIN, origin] },
        });
        assert.equal(bad.status, 400, `${origin}: ${bad.text}`);
        assert.equal(bad.body.details.fields[0].field, 'origins[1]');
        assert.match(bad.body.details.fields[0].reason, /android:apk-key-hash:/);
      }
      const ok = await t.request('PATCH', `/v1/tenants/${tenant.id}/webauthn`, {
        headers: PLATFORM,
        json: { origins: [TEST_ORIGIN, ANDROID_ORIGIN] },
      });
      assert.equal(ok.status, 200, ok.text);
      assert.deepEqual(ok.body.origins, [TEST_ORIGIN, ANDROID_ORIGIN]);
      // Not a web origin: never in the related-origins document.
      const wellKnown = await t.request('GET', '/.well-known/webauthn', { headers: { Host: TEST_RP_ID } });
      assert.ok(!JSON.stringify(wellKnown.body ?? {}).includes('android:'));

      const user = newUser();
      const app = new SoftAuthenticator();
      const registered = await enroll(tenant.id, user, app, 'webauthn_passkey', {}, ANDROID_ORIGIN);
      assert.equal(registered.done.status, 200, registered.done.text);
      const res = await usernamelessSignIn(tenant, app, { origin: ANDROID_ORIGIN });
      assert.equal(res.status, 200, res.text);
      assert.equal((await mfa.verifyToken(res.body.token)).payload.sub, user);

      // Another app's hash is another origin.
      const otherApp = `android:apk-key-hash:${createHash('sha256').update('someone else').digest('base64url')}`;
      const rogue = await enroll(tenant.id, newUser(), new SoftAuthenticator(), 'webauthn_passkey', {}, otherApp);
      assert.equal(rogue.done.status, 400, rogue.done.text);
      assert.equal(rogue.done.body.details.reason, 'origin');
    });

    it('hints: ["security-key"] for security keys; hints_passkey (client-device, hybrid) for passkeys, validated', async () => {
      const tenant = await t.createTenant({ name: 'Hints' });
      const user = newUser();
      const headers = await t.userHeaders(tenant.id, user);
      const fido = await t.request('POST', `${REGISTER}?method_type=webauthn_fido`, { headers });
      assert.deepEqual(fido.body.options.hints, ['security-key']);
      const passkeyDefault = await t.request('POST', `${REGISTER}?method_type=webauthn_passkey`, { headers });
      assert.equal(passkeyDefault.body.options.hints, undefined, 'none by default');

      for (const hints of [['security-key'], ['hybrid', 'hybrid'], ['nfc']]) {
        const bad = await t.request('PATCH', `/v1/tenants/${tenant.id}/webauthn`, {
          headers: PLATFORM,
          json: { hints_passkey: hints },
        });
        assert.equal(bad.status, 400, `${JSON.stringify(hints)} ${bad.text}`);
      }
      const patched = await t.request('PATCH', `/v1/tenants/${tenant.id}/webauthn`, {
        headers: PLATFORM,
        json: { hints_passkey: ['hybrid', 'client-device'] },
      });
      assert.equal(patched.status, 200, patched.text);
      assert.deepEqual(patched.body.hints_passkey, ['hybrid', 'client-device']);
      const passkey = await t.request('POST', `${REGISTER}?method_type=webauthn_passkey`, { headers });
      assert.deepEqual(passkey.body.options.hints, ['hybrid', 'client-device']);
      const credential = new SoftAuthenticator().createCredential(passkey.body.options, { origin: TEST_ORIGIN });
      assert.equal(
        (
          await t.request('POST', COMPLETE_REGISTRATION, {
            headers,
            json: { credential, device_name: 'Phone', method_type: 'webauthn_passkey' },
          })
        ).status,
        200,
      );

      const admin = mfa.adminHeaders(tenant);
      const usernameless = await t.request('POST', CHALLENGES, { headers: admin, json: {} });
      assert.deepEqual((await mfa.begin(usernameless.body.challenge_id)).body.options.hints, [
        'hybrid',
        'client-device',
      ]);
      const bound = await t.request('POST', CHALLENGES, { headers: admin, json: { user_id: user } });
      assert.deepEqual((await mfa.begin(bound.body.challenge_id)).body.options.hints, ['hybrid', 'client-device']);

      const keyUser = newUser();
      const key = new SoftAuthenticator({ residentKey: false, userVerified: false });
      assert.equal((await enroll(tenant.id, keyUser, key, 'webauthn_fido')).done.status, 200);
      const keyChallenge = await t.request('POST', CHALLENGES, { headers: admin, json: { user_id: keyUser } });
      assert.deepEqual((await mfa.begin(keyChallenge.body.challenge_id)).body.options.hints, ['security-key']);
    });

    it('acr_values ["phrh"]: a synced passkey alone → 403 step_up_unavailable with a notice; an attested security key → acr "phrh"', async () => {
      const user = newUser();
      await enroll(
        acme.id,
        user,
        new SoftAuthenticator({ backupEligible: true, backedUp: true, attachment: 'platform' }),
      );
      const refused = await t.request('POST', CHALLENGES, {
        headers: mfa.adminHeaders(acme),
        json: { user_id: user, acr_values: ['phrh'] },
      });
      assert.equal(refused.status, 403, refused.text);
      assert.equal(refused.body.code, 'step_up_unavailable');
      assert.deepEqual(refused.body.details, { acr_values: ['phrh'] });
      assert.equal(refused.body.notices.length, 1);
      assert.match(refused.body.notices[0], /security key or device-bound passkey whose attestation is trusted/);
      const stepUp = await t.request('POST', STEP_UP, {
        headers: await t.userHeaders(acme.id, user),
        json: { acr_values: ['phrh'] },
      });
      assert.equal(stepUp.status, 403, stepUp.text);
      assert.equal(stepUp.body.code, 'step_up_unavailable');
      assert.equal((await auditOf(acme.id, 'step_up.unavailable')).length, 2);
      // The synced passkey still meets "phr" and "mfa".
      const phr = await t.request('POST', CHALLENGES, {
        headers: mfa.adminHeaders(acme),
        json: { user_id: user, acr_values: ['phrh', 'phr'] },
      });
      assert.equal(phr.status, 201, phr.text);
      assert.deepEqual(phr.body.methods, ['webauthn_passkey']);

      // An attested (trusted by metadata), device-bound security key.
      const key = new SoftAuthenticator({
        attestation: 'packed',
        aaguid: KEY_AAGUID,
        attestationKey: trustedKey,
        residentKey: false,
        userVerified: false,
        attachment: 'cross-platform',
      });
      const enrolled = await enroll(acme.id, user, key, 'webauthn_fido', {}, TEST_ORIGIN);
      assert.equal(enrolled.done.status, 200, enrolled.done.text);
      const opened = await t.request('POST', STEP_UP, {
        headers: await t.userHeaders(acme.id, user),
        json: { acr_values: ['phrh'], max_age: 120 },
      });
      assert.equal(opened.status, 201, opened.text);
      assert.deepEqual(opened.body.methods, ['webauthn_fido'], 'only the qualifying factor; no backup codes');
      assert.deepEqual(opened.body.acr_values, ['phrh']);
      assert.equal(opened.body.max_age, 120);
      const lifetime = Date.parse(opened.body.expires_at) - Date.now();
      assert.ok(lifetime <= 120_000 && lifetime > 100_000, `max_age bounds the expiry: ${lifetime}`);
      const begin = await mfa.begin(opened.body.challenge_id);
      assert.deepEqual(
        begin.body.options.allowCredentials.map((c: { id: string }) => c.id),
        [enrolled.credentialId],
        'only qualifying credentials',
      );
      assert.equal(begin.body.options.userVerification, 'preferred', 'phrh needs no UV from a security key');
      // A backup code cannot answer a phrh challenge.
      assert.equal((await mfa.backupCode(opened.body.challenge_id, 'abcd-efgh-jkmn-p')).status, 401);
      const credential = key.getAssertion(begin.body.options, { origin: TEST_ORIGIN });
      const res = await t.request('POST', COMPLETE, { json: { challenge_id: opened.body.challenge_id, credential } });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.acr, 'phrh');
      const { payload } = await mfa.verifyToken(res.body.token);
      assert.equal(payload.acr, 'phrh');
      assert.deepEqual(payload.amr, ['hwk']);
      assert.deepEqual(payload.acr_values, ['phrh']);
      assert.equal(payload.max_age, 120);
      assert.equal(payload.purpose, 'step_up');
    });

    it('acr_values: TOTP meets only "mfa"; Cedar sees context.requested_acr at verify_factor', async () => {
      const user = newUser();
      const { secret } = await mfa.enrollTotp(acme.id, user);
      const phr = await t.request('POST', CHALLENGES, {
        headers: mfa.adminHeaders(acme),
        json: { user_id: user, acr_values: ['phr'] },
      });
      assert.equal(phr.status, 403, phr.text);
      assert.match(phr.body.notices[0], /passkey, or a security key that checks a PIN or biometric/);
      const any = await t.request('POST', CHALLENGES, {
        headers: mfa.adminHeaders(acme),
        json: { user_id: user, acr_values: ['mfa'] },
      });
      assert.deepEqual(any.body.methods, ['totp', 'backup_code']);

      const rule = await t.request('POST', '/v1/policies', {
        headers: mfa.adminHeaders(acme),
        json: {
          name: 'No weak proofs when strength is asked for',
          enabled: true,
          cedar_policy_set:
            '@notice("Use a passkey for this.")\nforbid (principal, action == Tessera::Action::"verify_factor", resource) when { context has requested_acr && context.requested_acr.contains("mfa") && context.method_type == "totp" };',
        },
      });
      assert.equal(rule.status, 201, rule.text);
      const denied = await mfa.totp(any.body.challenge_id, totpCode(secret, 30));
      assert.equal(denied.status, 403, denied.text);
      assert.deepEqual(denied.body.notices, ['Use a passkey for this.']);
      const plain = await mfa.openSignInId(acme, user);
      const ok = await mfa.totp(plain, totpCode(secret, 30));
      assert.equal(ok.status, 200, ok.text);
      const { payload } = await mfa.verifyToken(ok.body.token);
      assert.equal(payload.acr, 'mfa');
      assert.equal(payload.acr_values, undefined);
      assert.equal(
        (await t.request('DELETE', `/v1/policies/${rule.body.id}`, { headers: mfa.adminHeaders(acme) })).status,
        204,
      );
    });

    it('the OpenAPI document describes the new fields and the new error', async () => {
      const doc = (await t.request('GET', '/openapi.json')).body;
      const schema = (name: string) => doc.components.schemas[name];
      const ref = (op: { requestBody?: { content: Record<string, { schema: { $ref: string } }> } }) =>
        op.requestBody!.content['application/json'].schema.$ref.split('/').pop()!;
      const signIn = doc.paths[CHALLENGES].post;
      assert.ok(signIn.responses['403'], 'step_up_unavailable');
      const body = schema(ref(signIn));
      assert.ok(body.properties.acr_values && body.properties.max_age && body.properties.user_id);
      assert.ok(!(body.required ?? []).includes('user_id'));
      const stepUp = doc.paths[STEP_UP].post;
      assert.ok(schema(ref(stepUp)).properties.acr_values);
      assert.ok(stepUp.responses['403']);
      const removed = doc.paths['/v1/users/me/mfa/{id}'].delete.responses['200'];
      assert.ok(removed, 'DELETE answers 200 with signals');
      const list = JSON.stringify(doc.paths['/v1/users/me/mfa'].get.responses['200']);
      assert.ok(list.includes('FactorList'));
      assert.ok(JSON.stringify(doc.components.schemas).includes('all_accepted_credential_ids'));
      assert.ok(JSON.stringify(doc.components.schemas).includes('hints_passkey'));
      assert.ok(JSON.stringify(doc).includes('step_up_unavailable'));
    });
  });
}
