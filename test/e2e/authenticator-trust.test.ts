import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { dialects, startTestApp, TEST_ORIGIN, type TestApp, type TestResponse } from '../support/test-app.js';
import { SoftAuthenticator, type AttestationKey } from '../support/soft-authenticator.js';
import { attestationKey, createRootCa, mdsPki, metadataEntry, signBlob } from '../support/fido-metadata.js';

const REGISTER = '/v1/users/me/mfa/webauthn/register';
const COMPLETE = '/v1/users/me/mfa/webauthn/register/complete';

const KEY_AAGUID = 'a1c5e2f0-3b7d-4e59-8c21-6d0f9b4e7a13';
const REVOKED_AAGUID = 'b7d2c4e8-1f3a-4b6c-9d0e-2a5f8c1e3b47';
const PASSKEY_AAGUID = 'c3e9a1b5-7d2f-4c8e-a6b0-4f1d3e5c7a29';
const ZERO_AAGUID = '00000000-0000-0000-0000-000000000000';

const examples = new URL('../../../policies/examples/', import.meta.url);
const example = (name: string) => readFileSync(new URL(name, examples), 'utf8');
const noticeOf = (text: string) => /@notice\("([^"]*)"\)/.exec(text)![1];

type Tenant = { id: string; apiKey: string };

for (const dialect of await dialects()) {
  describe(`Authenticator trust from FIDO metadata (${dialect})`, () => {
    let t: TestApp;
    let dir: string;
    let plain: Tenant;
    let trusted: AttestationKey;
    let untrusted: AttestationKey;
    let revoked: AttestationKey;
    let userSeq = 0;
    const newUser = () => `trust-user-${++userSeq}`;

    before(async () => {
      // The suite's own PKI: an MDS root and BLOB signer, a vendor attestation root listed in the
      // BLOB, a rogue root that is not, and a model that MDS reports revoked.
      const mds = await mdsPki();
      const vendorRoot = await createRootCa('Acme Keys Attestation Root');
      const rogueRoot = await createRootCa('Rogue Attestation Root');
      const revokedRoot = await createRootCa('Broken Keys Attestation Root');
      trusted = await attestationKey(vendorRoot, KEY_AAGUID);
      untrusted = await attestationKey(rogueRoot, KEY_AAGUID);
      revoked = await attestationKey(revokedRoot, REVOKED_AAGUID);
      const blob = await signBlob({
        signer: mds.signer,
        no: 42,
        entries: [
          metadataEntry({
            aaguid: KEY_AAGUID,
            description: 'Acme Key 5',
            roots: [vendorRoot],
            statusReports: [
              { status: 'FIDO_CERTIFIED', effectiveDate: '2023-05-01' },
              { status: 'FIDO_CERTIFIED_L1', effectiveDate: '2024-01-15' },
            ],
          }),
          metadataEntry({
            aaguid: REVOKED_AAGUID,
            description: 'Broken Key',
            roots: [revokedRoot],
            statusReports: [
              { status: 'FIDO_CERTIFIED_L1', effectiveDate: '2023-01-01' },
              { status: 'REVOKED', effectiveDate: '2024-06-01' },
            ],
          }),
          metadataEntry({ aaguid: PASSKEY_AAGUID, description: 'Example Passkey Provider' }),
        ],
      });
      dir = mkdtempSync(join(tmpdir(), 'tessera-trust-'));
      writeFileSync(join(dir, 'mds.jwt'), blob);
      writeFileSync(join(dir, 'mds-root.pem'), mds.root.pem);
      t = await startTestApp(dialect, {
        FIDO_MDS_FILE: join(dir, 'mds.jwt'),
        FIDO_MDS_ROOT_CERT: join(dir, 'mds-root.pem'),
      });
      plain = await t.createTenant({ name: 'Plain' });
    });
    after(async () => {
      await t?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    function securityKey(opts: { aaguid?: string; key?: AttestationKey } = {}) {
      return new SoftAuthenticator({
        alg: 'ES256',
        attestation: 'packed',
        aaguid: opts.aaguid ?? KEY_AAGUID,
        attestationKey: opts.key,
        residentKey: false,
        userVerified: false,
        attachment: 'cross-platform',
      });
    }

    async function enroll(
      tenant: Tenant,
      user: string,
      method: 'webauthn_passkey' | 'webauthn_fido',
      auth: SoftAuthenticator,
      deviceName = 'Key',
    ): Promise<TestResponse> {
      const headers = await t.userHeaders(tenant.id, user);
      const options = await t.request('POST', `${REGISTER}?method_type=${method}`, { headers });
      assert.equal(options.status, 200, options.text);
      const credential = auth.createCredential(options.body.options, { origin: TEST_ORIGIN });
      return t.request('POST', COMPLETE, {
        headers,
        json: { credential, device_name: deviceName, method_type: method },
      });
    }

    async function tenantWithRule(name: string, rule: string): Promise<Tenant> {
      const tenant = await t.createTenant({ name });
      const res = await t.request('POST', '/v1/policies', {
        headers: { 'X-API-Key': tenant.apiKey, 'X-Tenant-ID': tenant.id },
        json: { name, enabled: true, cedar_policy_set: rule },
      });
      assert.equal(res.status, 201, res.text);
      return tenant;
    }

    async function enrolledEvent(tenant: Tenant, user: string) {
      const res = await t.request('GET', `/v1/audit-log?action=factor.enrolled&actor_id=${user}`, {
        headers: { 'X-API-Key': tenant.apiKey, 'X-Tenant-ID': tenant.id },
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.data.length, 1);
      return res.body.data[0].metadata as Record<string, unknown>;
    }

    async function storedCredentials(tenantId: string, user: string): Promise<number> {
      const p = dialect === 'postgres' ? ['$1', '$2'] : ['?', '?'];
      const rows = await t.app
        .get(DataSource)
        .query(`SELECT COUNT(*) AS n FROM webauthn_credentials WHERE tenant_id = ${p[0]} AND user_id = ${p[1]}`, [
          tenantId,
          user,
        ]);
      return Number(rows[0].n);
    }

    it('a packed attestation chained to a root in the BLOB is trusted, with model and certification level', async () => {
      const user = newUser();
      const res = await enroll(plain, user, 'webauthn_fido', securityKey({ key: trusted }));
      assert.equal(res.status, 200, res.text);
      const event = await enrolledEvent(plain, user);
      assert.equal(event['attestation_trusted'], true);
      assert.equal(event['model'], 'Acme Key 5');

      // The Cedar resource carries exactly these attributes: a rule matching all three denies.
      const probeNotice = 'probe: a trusted, L1-certified Acme Key 5';
      const probe = await tenantWithRule(
        'Probe',
        `@notice("${probeNotice}")
forbid (principal, action == Tessera::Action::"complete_enrollment", resource is Tessera::Authenticator)
when { resource has attestation_trusted && resource.attestation_trusted
  && resource has certification_level && resource.certification_level == "FIDO_CERTIFIED_L1"
  && resource has model && resource.model == "Acme Key 5" };`,
      );
      const denied = await enroll(probe, newUser(), 'webauthn_fido', securityKey({ key: trusted }));
      assert.equal(denied.status, 403, denied.text);
      assert.deepEqual(denied.body.notices, [probeNotice]);
    });

    it('an attestation chained to a root the BLOB does not list is untrusted; the trusted-attestation rule denies it with its notice', async () => {
      const user = newUser();
      const res = await enroll(plain, user, 'webauthn_fido', securityKey({ key: untrusted }));
      assert.equal(res.status, 200, res.text);
      const event = await enrolledEvent(plain, user);
      assert.equal(event['attestation_trusted'], false);
      assert.equal(event['attestation_untrusted_reason'], 'chain');

      const rule = example('require-trusted-attestation.cedar');
      const strict = await tenantWithRule('Strict', rule);
      for (const key of [untrusted, undefined]) {
        const blockedUser = newUser();
        const denied = await enroll(strict, blockedUser, 'webauthn_fido', securityKey({ key }));
        assert.equal(denied.status, 403, denied.text);
        assert.equal(denied.body.code, 'policy_denied');
        assert.deepEqual(denied.body.notices, [noticeOf(rule)]);
        assert.equal(await storedCredentials(strict.id, blockedUser), 0);
      }
      const ok = await enroll(strict, newUser(), 'webauthn_fido', securityKey({ key: trusted }));
      assert.equal(ok.status, 200, ok.text);
      // The rule concerns security keys only: a passkey without attestation still enrolls.
      const passkey = await enroll(strict, newUser(), 'webauthn_passkey', new SoftAuthenticator());
      assert.equal(passkey.status, 200, passkey.text);
    });

    it('a model the BLOB reports revoked is always refused, whatever the attestation or the rules', async () => {
      for (const [method, auth] of [
        ['webauthn_fido', securityKey({ aaguid: REVOKED_AAGUID, key: revoked })],
        ['webauthn_passkey', new SoftAuthenticator({ aaguid: REVOKED_AAGUID })],
      ] as const) {
        const user = newUser();
        const res = await enroll(plain, user, method, auth);
        assert.equal(res.status, 400, res.text);
        assert.equal(res.body.code, 'verification_failed');
        assert.equal(res.body.details.reason, 'authenticator_status');
        assert.equal(res.body.details.status, 'REVOKED');
        assert.match(res.body.message, /revoked or compromised/);
        assert.equal(await storedCredentials(plain.id, user), 0);
      }
    });

    it('an AAGUID allow-list rule admits the listed model and denies others with its notice', async () => {
      const rule = example('aaguid-allow-list.cedar').replace(/\[[^\]]*\]/, `["${KEY_AAGUID}"]`);
      const allowList = await tenantWithRule('Allow list', rule);
      const ok = await enroll(allowList, newUser(), 'webauthn_fido', securityKey({ key: trusted }));
      assert.equal(ok.status, 200, ok.text);
      for (const auth of [new SoftAuthenticator({ aaguid: PASSKEY_AAGUID }), new SoftAuthenticator()]) {
        const denied = await enroll(allowList, newUser(), 'webauthn_passkey', auth);
        assert.equal(denied.status, 403, denied.text);
        assert.deepEqual(denied.body.notices, [noticeOf(rule)]);
      }
    });

    it('a synced-passkey block denies a backed-up passkey with its notice; a device-bound one enrolls', async () => {
      const rule = example('no-synced-passkeys.cedar');
      const noSync = await tenantWithRule('No sync', rule);
      const denied = await enroll(
        noSync,
        newUser(),
        'webauthn_passkey',
        new SoftAuthenticator({ backupEligible: true, backedUp: true, attachment: 'platform' }),
      );
      assert.equal(denied.status, 403, denied.text);
      assert.deepEqual(denied.body.notices, [noticeOf(rule)]);
      const bound = await enroll(
        noSync,
        newUser(),
        'webauthn_passkey',
        new SoftAuthenticator({ backupEligible: false, attachment: 'platform' }),
      );
      assert.equal(bound.status, 200, bound.text);
    });

    it('a passkey the client reports as not discoverable (credProps.rk false) is refused; credProps.rk is stored with the credential', async () => {
      // The client's report (unsigned, as Chrome on Android sends it for a credential it could not make discoverable).
      const user = newUser();
      const headers = await t.userHeaders(plain.id, user);
      const options = await t.request('POST', `${REGISTER}?method_type=webauthn_passkey`, { headers });
      assert.equal(options.status, 200, options.text);
      const credential = new SoftAuthenticator().createCredential(options.body.options, { origin: TEST_ORIGIN });
      assert.deepEqual(credential.clientExtensionResults, { credProps: { rk: true } });
      const refused = await t.request('POST', COMPLETE, {
        headers,
        json: {
          credential: { ...credential, clientExtensionResults: { credProps: { rk: false } } },
          device_name: 'Phone',
          method_type: 'webauthn_passkey',
        },
      });
      assert.equal(refused.status, 400, refused.text);
      assert.equal(refused.body.code, 'verification_failed');
      assert.equal(refused.body.details.reason, 'not_discoverable');
      assert.match(refused.body.message, /save a passkey/);
      assert.equal(await storedCredentials(plain.id, user), 0);

      const p = dialect === 'postgres' ? '$1' : '?';
      const stored = async (u: string) =>
        (
          await t.app
            .get(DataSource)
            .query(
              `SELECT cred_props_rk, attestation_trusted, model, metadata_blob_no FROM webauthn_credentials WHERE user_id = ${p}`,
              [u],
            )
        )[0];
      const passkeyUser = newUser();
      assert.equal(
        (await enroll(plain, passkeyUser, 'webauthn_passkey', new SoftAuthenticator({ aaguid: PASSKEY_AAGUID })))
          .status,
        200,
      );
      const passkeyRow = await stored(passkeyUser);
      assert.equal(Boolean(passkeyRow.cred_props_rk), true);
      assert.equal(Boolean(passkeyRow.attestation_trusted), false);
      assert.equal(passkeyRow.model, 'Example Passkey Provider');
      assert.equal(Number(passkeyRow.metadata_blob_no), 42);
      assert.equal((await enrolledEvent(plain, passkeyUser))['cred_props_rk'], true);

      const keyUser = newUser();
      assert.equal((await enroll(plain, keyUser, 'webauthn_fido', securityKey({ key: trusted }))).status, 200);
      const keyRow = await stored(keyUser);
      assert.equal(Boolean(keyRow.cred_props_rk), false);
      assert.equal(Boolean(keyRow.attestation_trusted), true);
      assert.equal(keyRow.model, 'Acme Key 5');
    });

    it('GET /v1/users/me/mfa names the authenticator model from metadata', async () => {
      const user = newUser();
      assert.equal(
        (await enroll(plain, user, 'webauthn_passkey', new SoftAuthenticator({ aaguid: PASSKEY_AAGUID }), 'Laptop'))
          .status,
        200,
      );
      assert.equal((await enroll(plain, user, 'webauthn_fido', securityKey({ key: trusted }), 'Desk key')).status, 200);
      assert.equal(
        (
          await enroll(
            plain,
            user,
            'webauthn_fido',
            new SoftAuthenticator({ aaguid: ZERO_AAGUID, residentKey: false, userVerified: false }),
            'Old key',
          )
        ).status,
        200,
      );
      const list = await t.request('GET', '/v1/users/me/mfa', { headers: await t.userHeaders(plain.id, user) });
      assert.equal(list.status, 200, list.text);
      assert.deepEqual(
        list.body.methods.map((m: { device_name: string; authenticator: { aaguid: string; name?: string } }) => [
          m.device_name,
          m.authenticator.aaguid,
          m.authenticator.name,
        ]),
        [
          ['Laptop', PASSKEY_AAGUID, 'Example Passkey Provider'],
          ['Desk key', KEY_AAGUID, 'Acme Key 5'],
          ['Old key', ZERO_AAGUID, undefined],
        ],
      );
      assert.ok(!('name' in list.body.methods[2].authenticator));
    });
  });
}
