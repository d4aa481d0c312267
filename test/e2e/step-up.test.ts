import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { SignJWT } from 'jose';
import { Clock } from '#config';
import {
  dialects,
  startTestApp,
  TEST_JWT_SECRET,
  TEST_ORIGIN,
  TEST_PLATFORM_KEY,
  type TestApp,
  type TestResponse,
} from '../support/test-app.js';
import { MfaFlows, totpCode, type Tenant } from '../support/mfa-flows.js';
import { SoftAuthenticator, type AttestationKey } from '../support/soft-authenticator.js';
import { attestationKey, createRootCa, mdsPki, metadataEntry, signBlob } from '../support/fido-metadata.js';

const STEP_UP_NOTICE =
  'To change your security factors, first confirm it is you with one of the factors you already have.';
const REGISTER = '/v1/users/me/mfa/webauthn/register';
const COMPLETE = '/v1/users/me/mfa/webauthn/register/complete';
const examples = new URL('../../../policies/examples/', import.meta.url);
const example = (name: string) => readFileSync(new URL(name, examples), 'utf8');

/** Every row a factor change could touch, per user: the attack must leave all of them as they were. */
const TABLES = ['webauthn_credentials', 'totp_factors', 'backup_codes', 'pending_enrollments'] as const;

for (const dialect of await dialects()) {
  describe(`Factor changes need a fresh proof of an existing factor (${dialect})`, () => {
    let t: TestApp;
    let mfa: MfaFlows;
    let tenant: Tenant;
    let other: Tenant;
    let seq = 0;
    const newUser = () => `su-user-${++seq}`;
    const p = (n: number) => (dialect === 'postgres' ? `$${n}` : '?');

    // A security key model FIDO metadata vouches for: only its attestation earns amr hwk.
    const KEY_AAGUID = 'a1c5e2f0-3b7d-4e59-8c21-6d0f9b4e7a13';
    let trustedKey: AttestationKey;
    let mdsDir: string;

    before(async () => {
      const mds = await mdsPki();
      const vendorRoot = await createRootCa('Acme Keys Attestation Root');
      trustedKey = await attestationKey(vendorRoot, KEY_AAGUID);
      mdsDir = mkdtempSync(join(tmpdir(), 'tessera-step-up-'));
      writeFileSync(
        join(mdsDir, 'mds.jwt'),
        await signBlob({
          signer: mds.signer,
          no: 1,
          entries: [metadataEntry({ aaguid: KEY_AAGUID, description: 'Acme Key 5', roots: [vendorRoot] })],
        }),
      );
      writeFileSync(join(mdsDir, 'mds-root.pem'), mds.root.pem);
      t = await startTestApp(dialect, {
        FIDO_MDS_FILE: join(mdsDir, 'mds.jwt'),
        FIDO_MDS_ROOT_CERT: join(mdsDir, 'mds-root.pem'),
      });
      mfa = new MfaFlows(t);
      tenant = await t.createTenant({ name: 'Acme' });
      other = await t.createTenant({ name: 'Globex' });
    });
    after(async () => {
      await t?.close();
      if (mdsDir) rmSync(mdsDir, { recursive: true, force: true });
    });

    /** A user who holds a passkey and backup codes (first enrollment needs no step-up). */
    async function userWithPasskey(tenantId = tenant.id) {
      const user = newUser();
      const { auth, codes } = await mfa.enrollWebAuthn(tenantId, user);
      assert.equal(codes.length, 10);
      return { user, auth, codes };
    }

    /** Tessera's MFA token from a step-up challenge completed with the user's passkey. */
    async function stepUpWithPasskey(user: string, auth: SoftAuthenticator, tenantId = tenant.id): Promise<string> {
      const opened = await mfa.openStepUp(tenantId, user);
      assert.equal(opened.status, 201, opened.text);
      const { res } = await mfa.webauthn(opened.body.challenge_id, auth);
      assert.equal(res.status, 200, res.text);
      return res.body.token;
    }

    async function snapshot(user: string): Promise<Record<string, unknown[]>> {
      const ds = t.app.get(DataSource);
      const out: Record<string, unknown[]> = {};
      for (const table of TABLES)
        out[table] = await ds.query(`SELECT * FROM ${table} WHERE user_id = ${p(1)} ORDER BY id`, [user]);
      return out;
    }

    function assertStepUpRequired(res: TestResponse, maxAge = 300, label = ''): void {
      assert.equal(res.status, 403, `${label} ${res.text}`);
      assert.equal(res.body.code, 'step_up_required');
      assert.deepEqual(res.body.notices, [STEP_UP_NOTICE]);
      assert.deepEqual(res.body.details, {
        determining_policies: ['baseline.step_up_to_change_factors'],
        max_age_seconds: maxAge,
        challenge_path: '/v1/users/me/mfa/challenges',
      });
      assert.equal(
        res.headers.get('www-authenticate'),
        `Bearer error="insufficient_user_authentication", max_age="${maxAge}"`,
      );
    }

    /** Each factor change of the attack, with the given headers. */
    async function attempts(user: string, headers: Record<string, string>, factorId: string) {
      return {
        regenerate: await t.request('POST', '/v1/users/me/mfa/backup-codes', { headers }),
        passkey: await t.request('POST', `${REGISTER}?method_type=webauthn_passkey`, { headers }),
        securityKey: await t.request('POST', `${REGISTER}?method_type=webauthn_fido`, { headers }),
        totp: await t.request('POST', '/v1/users/me/mfa/totp', { headers, json: {} }),
        remove: await t.request('DELETE', `/v1/users/me/mfa/${factorId}`, { headers }),
      };
    }

    async function factorIds(tenantId: string, user: string, headers?: Record<string, string>): Promise<string[]> {
      const res = await t.request('GET', '/v1/users/me/mfa', {
        headers: headers ?? (await t.userHeaders(tenantId, user)),
      });
      assert.equal(res.status, 200, res.text);
      return res.body.methods.map((m: { id: string }) => m.id);
    }

    it('a password-only token (fresh or days old) changes nothing: each change is 403 step_up_required with the notice and the RFC 9470 header', async () => {
      const { user, codes } = await userWithPasskey();
      const [factorId] = await factorIds(tenant.id, user);
      const before = await snapshot(user);
      const now = Math.floor(Date.now() / 1000);
      for (const claims of [{ amr: ['pwd'] }, { amr: ['pwd'], auth_time: now - 2 * 86_400 }, { amr: undefined }]) {
        const headers = await t.userHeaders(tenant.id, user, claims);
        const res = await attempts(user, headers, factorId);
        for (const [name, answer] of Object.entries(res)) assertStepUpRequired(answer, 300, name);
      }
      assert.deepEqual(await snapshot(user), before, 'every row as it was, and no pending enrollment');
      // The victim's own codes still work.
      const challenge = (await mfa.openStepUp(tenant.id, user)).body.challenge_id;
      assert.equal((await mfa.backupCode(challenge, codes[0])).status, 200);
      // Refusals are audited as step_up.required.
      const audited = await t.app
        .get(DataSource)
        .query(
          `SELECT COUNT(*) AS n FROM audit_events WHERE tenant_id = ${p(1)} AND actor_id = ${p(2)} AND action = ${p(3)}`,
          [tenant.id, user, 'step_up.required'],
        );
      assert.equal(Number(audited[0].n), 15);
    });

    it('an X-MFA-Token from a passkey step-up allows each change; without it the completion of a started one is refused', async () => {
      const { user, auth } = await userWithPasskey();
      const token = await stepUpWithPasskey(user, auth);
      const headers = { ...(await t.userHeaders(tenant.id, user, { amr: ['pwd'] })), 'X-MFA-Token': token };

      const regenerated = await t.request('POST', '/v1/users/me/mfa/backup-codes', { headers });
      assert.equal(regenerated.status, 200, regenerated.text);
      assert.equal(regenerated.body.codes.length, 10);

      // A second passkey: options and completion both with the proof.
      const second = new SoftAuthenticator();
      const begin = await t.request('POST', `${REGISTER}?method_type=webauthn_passkey`, { headers });
      assert.equal(begin.status, 200, begin.text);
      const credential = second.createCredential(begin.body.options, { origin: TEST_ORIGIN });
      const done = await t.request('POST', COMPLETE, {
        headers,
        json: { credential, device_name: 'Second', method_type: 'webauthn_passkey' },
      });
      assert.equal(done.status, 200, done.text);
      assert.deepEqual(done.body, { codes: [], remaining: 10 });

      // Options with the proof, completion without it: refused, nothing stored.
      const third = new SoftAuthenticator();
      const begun = await t.request('POST', `${REGISTER}?method_type=webauthn_fido`, { headers });
      assert.equal(begun.status, 200, begun.text);
      const plain = await t.userHeaders(tenant.id, user, { amr: ['pwd'] });
      const refused = await t.request('POST', COMPLETE, {
        headers: plain,
        json: {
          credential: third.createCredential(begun.body.options, { origin: TEST_ORIGIN }),
          device_name: 'Third',
          method_type: 'webauthn_fido',
        },
      });
      assertStepUpRequired(refused);
      assert.equal((await factorIds(tenant.id, user)).length, 2);

      // TOTP: enrollment and its verification step.
      const totp = await t.request('POST', '/v1/users/me/mfa/totp', { headers, json: {} });
      assert.equal(totp.status, 201, totp.text);
      assertStepUpRequired(
        await t.request('POST', `/v1/users/me/mfa/totp/${totp.body.id}/verify`, {
          headers: plain,
          json: { code: totpCode(totp.body.secret) },
        }),
      );
      const verified = await t.request('POST', `/v1/users/me/mfa/totp/${totp.body.id}/verify`, {
        headers,
        json: { code: totpCode(totp.body.secret) },
      });
      assert.equal(verified.status, 200, verified.text);

      // Removal.
      const ids = await factorIds(tenant.id, user);
      assert.equal(ids.length, 3);
      assertStepUpRequired(await t.request('DELETE', `/v1/users/me/mfa/${ids[0]}`, { headers: plain }));
      assert.equal((await t.request('DELETE', `/v1/users/me/mfa/${ids[0]}`, { headers })).status, 200);
      assert.equal((await factorIds(tenant.id, user)).length, 2);
    });

    it('an X-MFA-Token from a backup-code or a TOTP step-up counts as proof too', async () => {
      const { user, codes } = await userWithPasskey();
      const byCode = await mfa.backupCode((await mfa.openStepUp(tenant.id, user)).body.challenge_id, codes[1]);
      assert.equal(byCode.status, 200, byCode.text);
      const withCode = {
        ...(await t.userHeaders(tenant.id, user, { amr: ['pwd'] })),
        'X-MFA-Token': byCode.body.token,
      };
      const totp = await t.request('POST', '/v1/users/me/mfa/totp', { headers: withCode, json: {} });
      assert.equal(totp.status, 201, totp.text);
      assert.equal(
        (
          await t.request('POST', `/v1/users/me/mfa/totp/${totp.body.id}/verify`, {
            headers: withCode,
            json: { code: totpCode(totp.body.secret) },
          })
        ).status,
        200,
      );

      // A later time step than the one that confirmed the factor.
      const byTotp = await mfa.totp(
        (await mfa.openStepUp(tenant.id, user)).body.challenge_id,
        totpCode(totp.body.secret, 30),
      );
      assert.equal(byTotp.status, 200, byTotp.text);
      const withTotp = {
        ...(await t.userHeaders(tenant.id, user, { amr: ['pwd'] })),
        'X-MFA-Token': byTotp.body.token,
      };
      const regenerated = await t.request('POST', '/v1/users/me/mfa/backup-codes', { headers: withTotp });
      assert.equal(regenerated.status, 200, regenerated.text);
      const passkeyId = (await factorIds(tenant.id, user))[0];
      assert.equal((await t.request('DELETE', `/v1/users/me/mfa/${passkeyId}`, { headers: withTotp })).status, 200);
    });

    it("the bearer's own claims prove a step-up when they assert MFA with a fresh auth_time; 301 s old is refused", async () => {
      const { user } = await userWithPasskey();
      const now = Math.floor(Date.now() / 1000);
      const fresh = await t.userHeaders(tenant.id, user, { amr: ['pwd', 'mfa'], auth_time: now });
      const begin = await t.request('POST', `${REGISTER}?method_type=webauthn_fido`, { headers: fresh });
      assert.equal(begin.status, 200, begin.text);
      const totp = await t.request('POST', '/v1/users/me/mfa/totp', { headers: fresh, json: {} });
      assert.equal(totp.status, 201, totp.text);
      assert.equal((await t.request('POST', '/v1/users/me/mfa/backup-codes', { headers: fresh })).status, 200);

      for (const amr of [['hwk'], ['otp'], ['swk'], ['kba']]) {
        assert.equal(
          (
            await t.request('POST', '/v1/users/me/mfa/backup-codes', {
              headers: await t.userHeaders(tenant.id, user, { amr, auth_time: now }),
            })
          ).status,
          200,
          amr.join(),
        );
      }
      // MFA without an auth_time is no evidence of when it happened.
      assertStepUpRequired(
        await t.request('POST', '/v1/users/me/mfa/backup-codes', {
          headers: await t.userHeaders(tenant.id, user, { amr: ['mfa'], auth_time: undefined }),
        }),
      );
      const stale = await t.userHeaders(tenant.id, user, { amr: ['pwd', 'mfa'], auth_time: now - 301 });
      const before = await snapshot(user);
      const res = await attempts(user, stale, (await factorIds(tenant.id, user))[0]);
      for (const [name, answer] of Object.entries(res)) assertStepUpRequired(answer, 300, name);
      assert.deepEqual(await snapshot(user), before);

      // The same with the injectable clock moved 301 s on.
      const clock = t.app.get(Clock);
      const realNow = clock.now.bind(clock);
      clock.now = () => new Date(Date.now() + 301_000);
      try {
        assertStepUpRequired(await t.request('POST', '/v1/users/me/mfa/backup-codes', { headers: fresh }));
      } finally {
        clock.now = realNow;
      }
    });

    it('an X-MFA-Token 301 s old, malformed, expired, of another user or tenant, or signed by another key proves nothing (never 401 or 500)', async () => {
      const { user, auth } = await userWithPasskey();
      const token = await stepUpWithPasskey(user, auth);
      const plain = await t.userHeaders(tenant.id, user, { amr: ['pwd'] });
      const regenerate = (mfaToken: string) =>
        t.request('POST', '/v1/users/me/mfa/backup-codes', { headers: { ...plain, 'X-MFA-Token': mfaToken } });

      const clock = t.app.get(Clock);
      const realNow = clock.now.bind(clock);
      clock.now = () => new Date(Date.now() + 301_000);
      try {
        assertStepUpRequired(await regenerate(token));
      } finally {
        clock.now = realNow;
      }

      const someone = await userWithPasskey();
      const othersToken = await stepUpWithPasskey(someone.user, someone.auth);
      const foreign = await userWithPasskey(other.id);
      const foreignToken = await stepUpWithPasskey(foreign.user, foreign.auth, other.id);
      const [, payload] = token.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const forged = await new SignJWT(claims)
        .setProtectedHeader({
          alg: 'ES256',
          typ: 'mfa+jwt',
          kid: JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).kid,
        })
        .sign(privateKey);
      const hs = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'mfa+jwt' })
        .sign(new TextEncoder().encode(TEST_JWT_SECRET));
      const bearerAsProof = plain.Authorization.slice('Bearer '.length);
      for (const bad of [
        'garbage',
        'a.b.c',
        `${token}x`,
        othersToken,
        foreignToken,
        forged,
        hs,
        bearerAsProof,
        ' ',
        'x'.repeat(5000),
      ]) {
        const res = await regenerate(bad);
        assertStepUpRequired(res);
      }
      // The real one still works, sent by its own user.
      assert.equal((await regenerate(token)).status, 200);
      // The other user's token is still good for that user.
      assert.equal(
        (
          await t.request('POST', '/v1/users/me/mfa/backup-codes', {
            headers: {
              ...(await t.userHeaders(tenant.id, someone.user, { amr: ['pwd'] })),
              'X-MFA-Token': othersToken,
            },
          })
        ).status,
        200,
      );
    });

    it('Tessera MFA tokens are typed mfa+jwt', async () => {
      const { user, auth } = await userWithPasskey();
      const token = await stepUpWithPasskey(user, auth);
      const { protectedHeader } = await mfa.verifyToken(token);
      assert.equal(protectedHeader.typ, 'mfa+jwt');
    });

    it('a user without MFA enrolls a first factor with a password-only token; renaming keeps the 15-minute recent sign-in rule', async () => {
      const user = newUser();
      const first = await mfa.enrollWebAuthn(tenant.id, user);
      assert.equal(first.codes.length, 10);
      const [id] = await factorIds(tenant.id, user);
      const renamed = await t.request('PATCH', `/v1/users/me/mfa/${id}`, {
        headers: await t.userHeaders(tenant.id, user, { amr: ['pwd'] }),
        json: { device_name: 'Laptop' },
      });
      assert.equal(renamed.status, 200, renamed.text);
      const old = await t.userHeaders(tenant.id, user, {
        amr: ['pwd'],
        auth_time: Math.floor(Date.now() / 1000) - 16 * 60,
      });
      const refused = await t.request('PATCH', `/v1/users/me/mfa/${id}`, {
        headers: old,
        json: { device_name: 'Stolen' },
      });
      assert.equal(refused.status, 403);
      assert.equal(refused.body.code, 'policy_denied');
      assert.deepEqual(refused.body.details.determining_policies, ['baseline.recent_sign_in_to_rename_factor']);

      // A first enrollment from a stale session is refused too: an old session must not add the first factor.
      const fresh = newUser();
      const stale = await t.request('POST', `${REGISTER}?method_type=webauthn_passkey`, {
        headers: await t.userHeaders(tenant.id, fresh, { auth_time: Math.floor(Date.now() / 1000) - 16 * 60 }),
      });
      assert.equal(stale.status, 403);
      assert.equal(stale.body.code, 'policy_denied');
      assert.deepEqual(stale.body.details.determining_policies, ['baseline.recent_sign_in_to_add_factor']);
    });

    it('admin operations with a tenant API key need no step-up', async () => {
      const { user } = await userWithPasskey();
      const [id] = await factorIds(tenant.id, user);
      const removed = await t.request('DELETE', `/v1/users/${user}/mfa/${id}`, { headers: mfa.adminHeaders(tenant) });
      assert.equal(removed.status, 204, removed.text);
    });

    it('step_up_max_age_seconds is a tenant setting (60–3600, default 300) that the rule and the header follow', async () => {
      const settings = `/v1/tenants/${tenant.id}/webauthn`;
      const platform = { 'X-API-Key': TEST_PLATFORM_KEY };
      const own = await t.createTenant({ name: 'Relaxed' });
      const read = await t.request('GET', `/v1/tenants/${own.id}/webauthn`, { headers: platform });
      assert.equal(read.body.step_up_max_age_seconds, 300);
      for (const bad of [59, 3601, 1.5, '600']) {
        const res = await t.request('PATCH', `/v1/tenants/${own.id}/webauthn`, {
          headers: platform,
          json: { step_up_max_age_seconds: bad },
        });
        assert.equal(res.status, 400, String(bad));
        assert.equal(res.body.code, 'validation_failed');
        assert.ok(res.body.details.fields.some((f: { field: string }) => f.field === 'step_up_max_age_seconds'));
      }
      const patched = await t.request('PATCH', `/v1/tenants/${own.id}/webauthn`, {
        headers: platform,
        json: { step_up_max_age_seconds: 900 },
      });
      assert.equal(patched.status, 200, patched.text);
      assert.equal(patched.body.step_up_max_age_seconds, 900);
      assert.equal(
        (await t.request('GET', settings, { headers: platform })).body.step_up_max_age_seconds,
        300,
        'other tenants keep theirs',
      );

      const { user } = await userWithPasskey(own.id);
      const now = Math.floor(Date.now() / 1000);
      const tenMinutes = await t.userHeaders(own.id, user, { amr: ['pwd', 'mfa'], auth_time: now - 600 });
      assert.equal((await t.request('POST', '/v1/users/me/mfa/backup-codes', { headers: tenMinutes })).status, 200);
      assertStepUpRequired(
        await t.request('POST', '/v1/users/me/mfa/backup-codes', {
          headers: await t.userHeaders(own.id, user, { amr: ['pwd', 'mfa'], auth_time: now - 901 }),
        }),
        900,
      );
    });

    it('tenant rules tighten it on the step-up context with policy_denied and their notice; simulate shows the context', async () => {
      const strict = await t.createTenant({ name: 'Strict' });
      const admin = mfa.adminHeaders(strict);
      const create = await t.request('POST', '/v1/policies', {
        headers: admin,
        json: {
          name: 'Step-up',
          enabled: true,
          cedar_policy_set: `${example('require-tessera-step-up.cedar')}\n${example('hardware-step-up-to-enroll.cedar')}`,
        },
      });
      assert.equal(create.status, 201, create.text);
      const [tesseraOnly, hardware] = create.body.rules.map((r: { id: string }) => r.id);

      const key = new SoftAuthenticator({
        alg: 'ES256',
        attestation: 'packed',
        aaguid: KEY_AAGUID,
        attestationKey: trustedKey,
        residentKey: false,
        userVerified: false,
        attachment: 'cross-platform',
      });
      const user = newUser();
      await mfa.enrollWebAuthn(strict.id, user, key, 'webauthn_fido');
      const idp = await t.userHeaders(strict.id, user, {
        amr: ['pwd', 'mfa'],
        auth_time: Math.floor(Date.now() / 1000),
      });
      const denied = await t.request('POST', '/v1/users/me/mfa/backup-codes', { headers: idp });
      assert.equal(denied.status, 403);
      assert.equal(denied.body.code, 'policy_denied');
      assert.deepEqual(denied.body.notices, [
        'Confirm it is you with one of your Tessera factors before changing your security factors.',
      ]);
      assert.deepEqual(denied.body.details.determining_policies, [tesseraOnly]);

      // A Tessera step-up with the security key (trusted attestation: amr hwk) satisfies both rules.
      const viaKey = {
        ...(await t.userHeaders(strict.id, user, { amr: ['pwd'] })),
        'X-MFA-Token': await stepUpWithPasskey(user, key, strict.id),
      };
      assert.equal((await t.request('POST', '/v1/users/me/mfa/backup-codes', { headers: viaKey })).status, 200);
      assert.equal(
        (await t.request('POST', `${REGISTER}?method_type=webauthn_passkey`, { headers: viaKey })).status,
        200,
      );

      // A key without a trusted attestation proves no hardware (amr swk): it may not add an authenticator here.
      const unattested = new SoftAuthenticator({
        residentKey: false,
        userVerified: false,
        attachment: 'cross-platform',
      });
      const second = newUser();
      await mfa.enrollWebAuthn(strict.id, second, unattested, 'webauthn_fido');
      const viaUnattested = {
        ...(await t.userHeaders(strict.id, second, { amr: ['pwd'] })),
        'X-MFA-Token': await stepUpWithPasskey(second, unattested, strict.id),
      };
      const refused = await t.request('POST', `${REGISTER}?method_type=webauthn_passkey`, { headers: viaUnattested });
      assert.equal(refused.status, 403, refused.text);
      assert.deepEqual(refused.body.details.determining_policies, [hardware]);

      // A backup-code step-up (amr kba) may not add an authenticator here.
      const codes = (await t.request('POST', '/v1/users/me/mfa/backup-codes', { headers: viaKey })).body
        .codes as string[];
      const byCode = await mfa.backupCode((await mfa.openStepUp(strict.id, user)).body.challenge_id, codes[0]);
      const viaCode = { ...(await t.userHeaders(strict.id, user, { amr: ['pwd'] })), 'X-MFA-Token': byCode.body.token };
      const noHardware = await t.request('POST', `${REGISTER}?method_type=webauthn_passkey`, { headers: viaCode });
      assert.equal(noHardware.status, 403);
      assert.equal(noHardware.body.code, 'policy_denied');
      assert.deepEqual(noHardware.body.details.determining_policies, [hardware]);
      assert.deepEqual(noHardware.body.notices, [
        'To add an authenticator, first confirm it is you with your security key or a device-bound passkey.',
      ]);

      const context = {
        method_type: 'backup_code',
        amr: ['pwd'],
        auth_age_seconds: 10,
        factor_count: 1,
        has_mfa: true,
        ip: '203.0.113.1',
        tenant_requires_mfa: false,
        step_up_amr: [],
        step_up_max_age_seconds: 300,
      };
      const simulate = (extra: Record<string, unknown>) =>
        t.request('POST', '/v1/policies/simulate', {
          headers: admin,
          json: {
            principal: { type: 'User', id: user, attrs: { roles: [] } },
            action: 'regenerate_backup_codes',
            resource: { type: 'BackupCodes', id: user, attrs: { owner: { type: 'User', id: user } } },
            context: { ...context, ...extra },
          },
        });
      const none = await simulate({ step_up_via: 'none', step_up_age_seconds: 0 });
      assert.equal(none.status, 200, none.text);
      assert.equal(none.body.decision, 'deny');
      assert.deepEqual(none.body.determining_policies, ['baseline.step_up_to_change_factors']);
      assert.deepEqual(none.body.notices, [STEP_UP_NOTICE]);
      assert.equal(none.body.context.step_up_via, 'none');
      const viaIdp = await simulate({ step_up_via: 'idp', step_up_age_seconds: 5, step_up_amr: ['mfa'] });
      assert.deepEqual(viaIdp.body.determining_policies, [tesseraOnly]);
      const viaTessera = await simulate({ step_up_via: 'tessera', step_up_age_seconds: 5, step_up_amr: ['kba'] });
      assert.equal(viaTessera.body.decision, 'allow');
    });

    it('documents X-MFA-Token and step_up_required on every factor-changing operation', async () => {
      const doc = (await t.request('GET', '/openapi.json')).body;
      const ops = [
        ['post', REGISTER],
        ['post', COMPLETE],
        ['post', '/v1/users/me/mfa/totp'],
        ['post', '/v1/users/me/mfa/totp/{id}/verify'],
        ['post', '/v1/users/me/mfa/backup-codes'],
        ['delete', '/v1/users/me/mfa/{id}'],
      ] as const;
      for (const [method, path] of ops) {
        const op = doc.paths[path]?.[method];
        assert.ok(op, `${method} ${path}`);
        assert.ok(
          op.parameters.some(
            (param: { name: string; in: string }) => param.name === 'X-MFA-Token' && param.in === 'header',
          ),
          `${path} documents X-MFA-Token`,
        );
        assert.match(op.responses['403'].description, /step_up_required/, `${path} documents step_up_required`);
      }
    });
  });
}
