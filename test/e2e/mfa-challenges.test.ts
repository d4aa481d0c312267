import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DataSource } from 'typeorm';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { PolicyEntity, PolicyRuleEntity, TenantEntity, WebAuthnCredentialEntity } from '#persistence';
import { createApp } from '../../apps/api/src/create-app.js';
import { TenantsService } from '#tenancy';
import { ExpiredRecordsPurger } from '#mfa';
import { Clock } from '#config';
import { dialects, startTestApp, TEST_ORIGIN, type TestApp } from '../support/test-app.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { MfaFlows, totpCode, type Tenant } from '../support/mfa-flows.js';

const MFA_FAILED = { code: 'mfa_failed', message: 'The MFA challenge could not be completed.' };

for (const dialect of await dialects()) {
  describe(`MFA challenges (${dialect})`, () => {
    let t: TestApp;
    let mfa: MfaFlows;
    let tenant: Tenant;
    let other: Tenant;
    let seq = 0;
    const newUser = () => `mfa-user-${++seq}`;

    before(async () => {
      t = await startTestApp(dialect);
      mfa = new MfaFlows(t);
      tenant = await t.createTenant({ name: 'Acme' });
      other = await t.createTenant({ name: 'Globex' });
    });
    after(async () => {
      await t?.close();
    });

    async function auditActions(user: string): Promise<string[]> {
      const ds = t.app.get(DataSource);
      const p = dialect === 'postgres' ? ['$1', '$2', '$3'] : ['?', '?', '?'];
      const rows = await ds.query(
        `SELECT action FROM audit_events WHERE tenant_id = ${p[0]} AND (actor_id = ${p[1]} OR metadata LIKE ${p[2]}) ORDER BY id`,
        [tenant.id, user, `%"${user}"%`],
      );
      return rows.map((r: { action: string }) => r.action);
    }

    it('sign-in with a passkey: 201 challenge, options for the user, a token verified against the JWKS', async () => {
      const user = newUser();
      const { auth } = await mfa.enrollWebAuthn(tenant.id, user);
      const opened = await mfa.openSignIn(tenant, user);
      assert.equal(opened.status, 201, opened.text);
      assert.deepEqual(opened.body.methods, ['webauthn_passkey', 'backup_code']);
      const expiresIn = Date.parse(opened.body.expires_at) - Date.now();
      assert.ok(expiresIn > 290_000 && expiresIn <= 300_000, String(expiresIn));

      const begin = await mfa.begin(opened.body.challenge_id);
      assert.equal(begin.status, 200, begin.text);
      assert.equal(begin.headers.get('cache-control'), 'no-store');
      const o = begin.body.options;
      assert.equal(o.rpId, 'tessera.test');
      assert.equal(o.userVerification, 'required', 'passkeys only: UV required');
      assert.deepEqual(
        o.allowCredentials.map((c: { id: string }) => c.id),
        [...auth.credentials.keys()],
      );

      const credential = auth.getAssertion(o, { origin: TEST_ORIGIN });
      const res = await t.request('POST', '/v1/auth/mfa/webauthn/complete', {
        json: { challenge_id: opened.body.challenge_id, credential },
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.method_type, 'webauthn_passkey');
      // Device-bound (BE=0) but without a trusted attestation: only its own claim, so swk/phr.
      assert.deepEqual(res.body.amr, ['swk']);
      assert.equal(res.body.acr, 'phr');
      const { payload, protectedHeader } = await mfa.verifyToken(res.body.token);
      assert.equal(protectedHeader.alg, 'ES256');
      assert.ok(protectedHeader.kid);
      assert.equal(payload.sub, user);
      assert.equal(payload.tenant_id, tenant.id);
      assert.deepEqual(payload.amr, ['swk']);
      assert.equal(payload.acr, 'phr');
      assert.equal(payload.acr_values, undefined, 'no acr_values requested, none carried');
      assert.equal(payload.purpose, 'sign_in');
      assert.equal(payload.exp! - payload.iat!, 300);
      assert.equal(payload.auth_time, payload.iat);
      assert.match(String(payload.jti), /^[0-9a-f-]{36}$/);
      assert.equal(new Date(res.body.expires_at).getTime(), payload.exp! * 1000);

      const jwks = await t.request('GET', '/.well-known/jwks.json');
      assert.equal(jwks.body.keys.length, 1);
      assert.equal(jwks.body.keys[0].kid, protectedHeader.kid);
      assert.equal(jwks.body.keys[0].d, undefined, 'no private part');
      assert.match(jwks.headers.get('cache-control') ?? '', /max-age/);

      const list = await t.request('GET', '/v1/users/me/mfa', { headers: await t.userHeaders(tenant.id, user) });
      assert.ok(list.body.methods[0].last_used_at, 'last_used_at set');
      const [row] = await t.app
        .get(DataSource)
        .query(`SELECT counter FROM webauthn_credentials WHERE user_id = ${dialect === 'postgres' ? '$1' : '?'}`, [
          user,
        ]);
      assert.equal(Number(row.counter), 1);
      assert.ok((await auditActions(user)).includes('mfa.verified'));
    });

    it('step-up with a security key (UV preferred) and a synced passkey (amr swk)', async () => {
      const user = newUser();
      const key = new SoftAuthenticator({ alg: 'EdDSA', residentKey: false, userVerified: false, transports: ['usb'] });
      await mfa.enrollWebAuthn(tenant.id, user, key, 'webauthn_fido');
      const opened = await mfa.openStepUp(tenant.id, user, { roles: ['admin'] });
      assert.equal(opened.status, 201, opened.text);
      assert.deepEqual(opened.body.methods, ['webauthn_fido', 'backup_code']);
      const begin = await mfa.begin(opened.body.challenge_id);
      assert.equal(begin.body.options.userVerification, 'preferred');
      const credential = key.getAssertion(begin.body.options, { origin: TEST_ORIGIN });
      const res = await t.request('POST', '/v1/auth/mfa/webauthn/complete', {
        json: { challenge_id: opened.body.challenge_id, credential },
      });
      assert.equal(res.status, 200, res.text);
      const { payload } = await mfa.verifyToken(res.body.token);
      // A security key without a trusted attestation (no metadata here): swk/phr.
      assert.deepEqual(payload.amr, ['swk']);
      assert.equal(payload.acr, 'phr');
      assert.equal(payload.purpose, 'step_up');
      assert.equal(payload.method_type, 'webauthn_fido');

      const synced = newUser();
      const passkey = new SoftAuthenticator({ backupEligible: true, backedUp: true, attachment: 'platform' });
      await mfa.enrollWebAuthn(tenant.id, synced, passkey);
      const challenge = (await mfa.openStepUp(tenant.id, synced)).body.challenge_id;
      const done = await mfa.webauthn(challenge, passkey);
      assert.equal(done.res.status, 200, done.res.text);
      assert.deepEqual(done.res.body.amr, ['swk']);
      assert.equal((await mfa.verifyToken(done.res.body.token)).payload.acr, 'phr');
    });

    it('TOTP: sign-in with a code; the same code never works twice; the next step does', async () => {
      const user = newUser();
      const { secret } = await mfa.enrollTotp(tenant.id, user);
      // The code that confirmed the enrollment is spent.
      const first = await mfa.openSignInId(tenant, user);
      assert.deepEqual(await mfa.totp(first, totpCode(secret)).then((r) => [r.status, r.body]), [401, MFA_FAILED]);
      const code = totpCode(secret, 30);
      const ok = await mfa.totp(first, code);
      assert.equal(ok.status, 200, ok.text);
      assert.deepEqual(ok.body.amr, ['otp']);
      assert.equal((await mfa.verifyToken(ok.body.token)).payload.method_type, 'totp');

      const second = await mfa.openSignInId(tenant, user);
      const replay = await mfa.totp(second, code);
      assert.equal(replay.status, 401);
      assert.deepEqual(replay.body, MFA_FAILED);
      assert.equal((await mfa.totp(second, totpCode(secret, 300))).status, 401, 'far future code');
    });

    it('backup code: redeemed once, remaining drops by one; a used code fails', async () => {
      const user = newUser();
      const { codes } = await mfa.enrollWebAuthn(tenant.id, user);
      const challenge = await mfa.openSignInId(tenant, user);
      const res = await mfa.backupCode(challenge, codes[0].toUpperCase().replace(/-/g, ' '));
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.backup_codes_remaining, 9);
      assert.deepEqual(res.body.amr, ['kba']);
      assert.equal((await mfa.verifyToken(res.body.token)).payload.method_type, 'backup_code');
      const again = await mfa.backupCode(await mfa.openSignInId(tenant, user), codes[0]);
      assert.deepEqual([again.status, again.body], [401, MFA_FAILED]);
      const remaining = await t.request('GET', '/v1/users/me/mfa/backup-codes', {
        headers: await t.userHeaders(tenant.id, user),
      });
      assert.equal(remaining.body.remaining, 9);
      assert.deepEqual(
        (await auditActions(user)).filter((x) => x.startsWith('backup_codes.')),
        ['backup_codes.issued'],
        'issued at enrollment; not low yet',
      );
      for (const code of codes.slice(1, 8))
        assert.equal((await mfa.backupCode(await mfa.openSignInId(tenant, user), code)).status, 200);
      assert.deepEqual(
        (await auditActions(user)).filter((x) => x === 'backup_codes.low').length,
        1,
        'low once 2 are left',
      );
    });

    it('20 concurrent redemptions of one backup code: exactly one succeeds', async () => {
      const user = newUser();
      const { codes } = await mfa.enrollWebAuthn(tenant.id, user);
      const challenges = await Promise.all(Array.from({ length: 20 }, () => mfa.openSignInId(tenant, user)));
      const results = await Promise.all(challenges.map((id) => mfa.backupCode(id, codes[3])));
      const statuses = results.map((r) => r.status);
      assert.equal(statuses.filter((s) => s === 200).length, 1, statuses.join(','));
      assert.ok(
        statuses.every((s) => s === 200 || s === 401 || s === 429),
        statuses.join(','),
      );
      const remaining = await t.request('GET', '/v1/users/me/mfa/backup-codes', {
        headers: await t.userHeaders(tenant.id, user),
      });
      assert.equal(remaining.body.remaining, 9);
    });

    it('wrong answers are one 401 mfa_failed; 5 kill the challenge', async () => {
      const user = newUser();
      const { auth, codes } = await mfa.enrollWebAuthn(tenant.id, user);
      const stranger = (await mfa.enrollWebAuthn(tenant.id, newUser())).auth;
      const challenge = await mfa.openSignInId(tenant, user);
      // complete before begin
      const early = await t.request('POST', '/v1/auth/mfa/webauthn/complete', {
        json: {
          challenge_id: challenge,
          credential: auth.getAssertion(
            { challenge: 'AAAA', rpId: 'tessera.test', allowCredentials: [] },
            {
              origin: TEST_ORIGIN,
            },
          ),
        },
      });
      // A discoverable credential of another user, offered for this user's challenge.
      const strangerBegin = await mfa.begin(challenge);
      const strangerAssertion = stranger.getAssertion(
        { ...strangerBegin.body.options, allowCredentials: [] },
        { origin: TEST_ORIGIN },
      );
      const failures = [
        early,
        (await mfa.webauthn(challenge, auth, { tamper: { badSignature: true } })).res,
        (await mfa.webauthn(challenge, auth, { tamper: { origin: 'https://evil.example' } })).res,
        await t.request('POST', '/v1/auth/mfa/webauthn/complete', {
          json: { challenge_id: challenge, credential: strangerAssertion },
        }),
        await mfa.backupCode(challenge, 'abcd-efgh-jkmn-p'),
      ];
      for (const res of failures) assert.deepEqual([res.status, res.body], [401, MFA_FAILED]);
      // Five failures: the challenge is dead, even for a right answer.
      const dead = await mfa.backupCode(challenge, codes[0]);
      assert.equal(dead.status, 404);
      assert.deepEqual(dead.body, { code: 'not_found', message: 'No active MFA challenge found' });
      assert.equal((await mfa.begin(challenge)).status, 404);
      const actions = await auditActions(user);
      assert.ok(actions.filter((a) => a === 'mfa.failed').length >= 5);
      assert.equal(actions.filter((a) => a === 'mfa.locked').length, 1, 'the fifth failure locked the challenge, once');
    });

    it('a passkey assertion without user verification fails', async () => {
      const user = newUser();
      const { auth } = await mfa.enrollWebAuthn(tenant.id, user);
      const res = (
        await mfa.webauthn(await mfa.openSignInId(tenant, user), auth, { tamper: { flags: { clearUV: true } } })
      ).res;
      assert.deepEqual([res.status, res.body], [401, MFA_FAILED]);
    });

    it('10 failures across challenges: TOTP and backup codes answer 429 rate_limited with Retry-After', async () => {
      const user = newUser();
      const { codes } = await mfa.enrollTotp(tenant.id, user);
      const [a, b, spare] = [
        await mfa.openSignInId(tenant, user),
        await mfa.openSignInId(tenant, user),
        await mfa.openSignInId(tenant, user),
      ];
      for (const challenge of [a, b]) {
        for (let i = 0; i < 5; i++) assert.equal((await mfa.totp(challenge, '000000')).status, 401);
      }
      // Only guessable methods: no new challenge until the window passes.
      const opened = await mfa.openSignIn(tenant, user);
      assert.equal(opened.status, 429);
      // The first challenge died (locked), then the tenth failure put the user over the limit (locked).
      assert.equal((await auditActions(user)).filter((x) => x === 'mfa.locked').length, 2);
      assert.equal(opened.body.code, 'rate_limited');
      assert.ok(Number(opened.headers.get('retry-after')) > 0);
      // A challenge opened before the lockout cannot be used either, even with a right answer.
      const locked = await mfa.backupCode(spare, codes[0]);
      assert.equal(locked.status, 429);
      assert.ok(Number(locked.headers.get('retry-after')) > 0);
      // Other users are not affected.
      const bystander = newUser();
      await mfa.enrollWebAuthn(tenant.id, bystander);
      assert.equal((await mfa.openSignIn(tenant, bystander)).status, 201);
    });

    it('a lockout blocks only TOTP and backup codes: a WebAuthn assertion still completes, and its failures lock nothing', async () => {
      const user = newUser();
      const { auth, codes } = await mfa.enrollWebAuthn(tenant.id, user);
      const { secret } = await mfa.enrollTotp(tenant.id, user);
      // Failed assertions (a holder of challenge ids sending junk) are not guesses: no lockout.
      for (let i = 0; i < 2; i++) {
        const challenge = await mfa.openSignInId(tenant, user);
        for (let j = 0; j < 5; j++)
          assert.equal((await mfa.webauthn(challenge, auth, { tamper: { badSignature: true } })).res.status, 401);
      }
      assert.equal(
        (await mfa.totp(await mfa.openSignInId(tenant, user), '000000')).status,
        401,
        'not locked by WebAuthn failures',
      );
      // Now lock the user with wrong codes (1 already counted + 9).
      for (let i = 0; i < 2; i++) {
        const challenge = await mfa.openSignInId(tenant, user);
        for (let j = 0; j < (i === 0 ? 5 : 4); j++) assert.equal((await mfa.totp(challenge, '000000')).status, 401);
      }
      const opened = await mfa.openSignIn(tenant, user);
      assert.equal(opened.status, 201, 'a WebAuthn factor can still be proved');
      const challenge = opened.body.challenge_id;
      const guessed = await mfa.totp(challenge, totpCode(secret));
      assert.equal(guessed.status, 429, 'TOTP is locked, even with the right code');
      assert.equal((await mfa.backupCode(challenge, codes[0])).status, 429, 'backup codes are locked');
      const { res } = await mfa.webauthn(challenge, auth);
      assert.equal(res.status, 200, res.text);
      assert.ok(typeof res.body.token === 'string');
    });

    it('replayed assertion: the same body twice is 404; on a new challenge it is 401', async () => {
      const user = newUser();
      const { auth } = await mfa.enrollWebAuthn(tenant.id, user);
      const challenge = await mfa.openSignInId(tenant, user);
      const { res, body } = await mfa.webauthn(challenge, auth);
      assert.equal(res.status, 200, res.text);
      const replay = await t.request('POST', '/v1/auth/mfa/webauthn/complete', { json: body });
      assert.equal(replay.status, 404);
      const next = await mfa.openSignInId(tenant, user);
      assert.equal((await mfa.begin(next)).status, 200);
      const elsewhere = await t.request('POST', '/v1/auth/mfa/webauthn/complete', {
        json: { ...(body as object), challenge_id: next },
      });
      assert.deepEqual([elsewhere.status, elsewhere.body], [401, MFA_FAILED]);
    });

    it('a cloned authenticator (counter going backwards) is refused and audited; counter-0 authenticators are fine', async () => {
      const user = newUser();
      const { auth } = await mfa.enrollWebAuthn(tenant.id, user);
      assert.equal(
        (await mfa.webauthn(await mfa.openSignInId(tenant, user), auth, { signCountDelta: 5 })).res.status,
        200,
      );
      const clone = await mfa.webauthn(await mfa.openSignInId(tenant, user), auth, { signCountDelta: -2 });
      assert.deepEqual([clone.res.status, clone.res.body], [401, MFA_FAILED]);
      assert.ok((await auditActions(user)).includes('factor.counter_regression'));

      const syncedUser = newUser();
      const synced = (
        await mfa.enrollWebAuthn(tenant.id, syncedUser, new SoftAuthenticator({ backupEligible: true, backedUp: true }))
      ).auth;
      for (let i = 0; i < 2; i++) {
        const { res } = await mfa.webauthn(await mfa.openSignInId(tenant, syncedUser), synced, { signCountDelta: 0 });
        assert.equal(res.status, 200, `counter 0, round ${i}: ${res.text}`);
      }
    });

    it("challenge ids: another tenant's header, unknown and expired are 404; malformed is 400", async () => {
      const user = newUser();
      const { auth } = await mfa.enrollWebAuthn(tenant.id, user);
      const challenge = await mfa.openSignInId(tenant, user);
      assert.equal((await mfa.begin(challenge, { 'X-Tenant-ID': other.id })).status, 404);
      assert.equal((await mfa.totp(challenge, '123456', { 'X-Tenant-ID': other.id })).status, 404);
      assert.equal((await mfa.begin(challenge, { 'X-Tenant-ID': tenant.id.toUpperCase() })).status, 200);
      assert.equal((await mfa.begin(crypto.randomUUID())).status, 404);
      const bad = await mfa.begin('not-a-uuid');
      assert.equal(bad.status, 400);
      assert.equal(bad.body.details.fields[0].field, 'challenge_id');
      // Another tenant's key cannot open a challenge for this tenant.
      const foreign = await t.request('POST', '/v1/mfa/challenges', {
        headers: { 'X-API-Key': other.apiKey, 'X-Tenant-ID': tenant.id },
        json: { user_id: user },
      });
      assert.equal(foreign.status, 403);

      const clock = t.app.get(Clock);
      const realNow = clock.now.bind(clock);
      clock.now = () => new Date(Date.now() + 300_001);
      try {
        assert.equal((await mfa.begin(challenge)).status, 404);
      } finally {
        clock.now = realNow;
      }
      assert.equal((await mfa.webauthn(challenge, auth)).res.status, 200, 'the clock is back');

      // Expired challenges are purged; live ones stay.
      const live = await mfa.openSignInId(tenant, user);
      assert.equal(await t.app.get(ExpiredRecordsPurger).purge(), 0);
      assert.equal((await mfa.begin(live)).status, 200);
      clock.now = () => new Date(Date.now() + 300_001);
      try {
        assert.ok((await t.app.get(ExpiredRecordsPurger).purge()) >= 2);
      } finally {
        clock.now = realNow;
      }
      const left = await t.app
        .get(DataSource)
        .query(`SELECT id FROM mfa_challenges WHERE user_id = ${dialect === 'postgres' ? '$1' : '?'}`, [user]);
      assert.deepEqual(left, []);
      assert.equal((await mfa.begin(live)).status, 404);
    });

    it('a user without factors gets a challenge with no methods; begin is 404', async () => {
      const opened = await mfa.openSignIn(tenant, newUser());
      assert.equal(opened.status, 201);
      assert.deepEqual(opened.body.methods, []);
      assert.equal((await mfa.begin(opened.body.challenge_id)).status, 404);
      const noBearer = await t.request('POST', '/v1/users/me/mfa/challenges');
      assert.equal(noBearer.status, 401);
      const noKey = await t.request('POST', '/v1/mfa/challenges', {
        headers: { 'X-Tenant-ID': tenant.id },
        json: { user_id: 'x' },
      });
      assert.equal(noKey.status, 401);
    });

    /** Runs `body` with one tenant rule installed behind the service's back, then removes it. */
    async function withTenantRule(policyText: string, notice: string, body: () => Promise<void>): Promise<void> {
      const ds = t.app.get(DataSource);
      const policyId = crypto.randomUUID();
      const now = new Date();
      await ds.getRepository(PolicyEntity).insert({
        id: policyId,
        tenantId: tenant.id,
        name: notice,
        description: null,
        enabled: true,
        priority: 0,
        createdAt: now,
        updatedAt: now,
      });
      await ds.getRepository(PolicyRuleEntity).insert({
        id: crypto.randomUUID(),
        tenantId: tenant.id,
        policyId,
        position: 0,
        policyText,
        notice,
        structured: null,
        createdAt: now,
        updatedAt: now,
      });
      await ds.getRepository(TenantEntity).increment({ id: tenant.id }, 'policyVersion', 1);
      // Written behind the service's back: drop this node's copy of the tenant row.
      t.app.get(TenantsService).invalidate(tenant.id);
      try {
        await body();
      } finally {
        await ds.getRepository(PolicyEntity).delete({ id: policyId });
        await ds.getRepository(TenantEntity).increment({ id: tenant.id }, 'policyVersion', 1);
        t.app.get(TenantsService).invalidate(tenant.id);
      }
    }

    it('verify_factor goes through the tenant policy: a denial is 403 with the notice and spends nothing', async () => {
      const user = newUser();
      const { codes } = await mfa.enrollWebAuthn(tenant.id, user);
      const rule =
        'forbid (principal, action == Tessera::Action::"verify_factor", resource) when { context.method_type == "backup_code" };';
      await withTenantRule(rule, 'Backup codes are disabled here.', async () => {
        const challenge = await mfa.openSignInId(tenant, user);
        const denied = await mfa.backupCode(challenge, codes[0]);
        assert.equal(denied.status, 403, denied.text);
        assert.equal(denied.body.code, 'policy_denied');
        assert.deepEqual(denied.body.notices, ['Backup codes are disabled here.']);
        const remaining = await t.request('GET', '/v1/users/me/mfa/backup-codes', {
          headers: await t.userHeaders(tenant.id, user),
        });
        assert.equal(remaining.body.remaining, 10, 'the code is not spent');
        assert.equal((await mfa.begin(challenge)).status, 200, 'the challenge is still live');
      });
    });

    /** A second credential row for the user, written behind the service's back. */
    async function copyCredential(userId: string, suffix: string): Promise<void> {
      const credentials = t.app.get(DataSource).getRepository(WebAuthnCredentialEntity);
      const [stored] = await credentials.findBy({ tenantId: tenant.id, userId });
      await credentials.insert({
        ...stored,
        id: crypto.randomUUID(),
        credentialId: `${stored.credentialId}-${suffix}`,
      });
    }

    it("verify_factor sees the user's factors as they are now, read with the credential the assertion names", async () => {
      const user = newUser();
      const { auth } = await mfa.enrollWebAuthn(tenant.id, user);
      // Another user's factors must not count: this one holds two.
      const other = newUser();
      await mfa.enrollWebAuthn(tenant.id, other);
      await copyCredential(other, 'second');
      const rule =
        'forbid (principal, action == Tessera::Action::"verify_factor", resource) when { context.factor_count != 1 || !context.has_mfa };';
      await withTenantRule(rule, 'Only users with exactly one factor here.', async () => {
        const { res } = await mfa.webauthn(await mfa.openSignInId(tenant, user), auth);
        assert.equal(res.status, 200, res.text);
        // A second factor appears behind the service's back: the next sign-in counts it.
        await copyCredential(user, 'second');
        const { res: denied } = await mfa.webauthn(await mfa.openSignInId(tenant, user), auth);
        assert.equal(denied.status, 403, denied.text);
        assert.deepEqual(denied.body.notices, ['Only users with exactly one factor here.']);
      });
    });

    it('every node signs with the one stored key: a second node on the same database serves the same JWKS', async () => {
      const user = newUser();
      const { auth } = await mfa.enrollWebAuthn(tenant.id, user);
      const { res } = await mfa.webauthn(await mfa.openSignInId(tenant, user), auth);
      const kid = decodeProtectedHeader(res.body.token).kid;
      const [row] = await t.app.get(DataSource).query('SELECT id, private_key_sealed FROM mfa_signing_keys');
      assert.equal(row.id, kid);
      assert.match(row.private_key_sealed, /^v1\./);
      assert.ok(!row.private_key_sealed.includes('PRIVATE KEY'));

      const { app: second } = await createApp(t.config);
      try {
        await second.listen(0, '127.0.0.1');
        const port = (second.getHttpServer().address() as { port: number }).port;
        const jwks = await (await fetch(`http://127.0.0.1:${port}/.well-known/jwks.json`)).json();
        assert.deepEqual(jwks, (await t.request('GET', '/.well-known/jwks.json')).body);
        await jwtVerify(res.body.token, createLocalJWKSet(jwks), { issuer: 'tessera' });
      } finally {
        await second.close();
      }
    });
  });
}
