import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dialects, startTestApp, type TestApp } from '../support/test-app.js';
import { SoftAuthenticator, type AttestationKey } from '../support/soft-authenticator.js';
import {
  attestationKey,
  createRootCa,
  mdsPki,
  metadataEntry,
  signBlob,
  type TestCa,
} from '../support/fido-metadata.js';
import { MfaFlows, type Tenant } from '../support/mfa-flows.js';
import { AuthenticatorMetadataService, CredentialTrustRejudger } from '#mfa';

const KEY_AAGUID = 'a1c5e2f0-3b7d-4e59-8c21-6d0f9b4e7a13';
const OTHER_AAGUID = 'd2b6f1c4-8a3e-4f7b-9c5d-1e2a3b4c5d6e';
const PASSKEY_AAGUID = 'c3e9a1b5-7d2f-4c8e-a6b0-4f1d3e5c7a29';
const COMPROMISED_NOTICE = /FIDO Alliance has reported this authenticator model as compromised/;

const examples = new URL('../../../policies/examples/', import.meta.url);
const example = (name: string) => readFileSync(new URL(name, examples), 'utf8');
const noticeOf = (text: string) => /@notice\("([^"]*)"\)/.exec(text)![1];

for (const dialect of await dialects()) {
  describe(`Stored trust, re-judging, backed-up drift and the fleet report (${dialect})`, () => {
    let t: TestApp;
    let flows: MfaFlows;
    let dir: string;
    let mds: { root: TestCa; signer: TestCa };
    let vendorRoot: TestCa;
    let trustedKey: AttestationKey;
    let otherKey: AttestationKey;
    let rogueKey: AttestationKey;
    let seq = 0;
    const newUser = () => `fleet-${++seq}`;

    const blob = (no: number, keyStatus: 'FIDO_CERTIFIED_L1' | 'ATTESTATION_KEY_COMPROMISE') =>
      signBlob({
        signer: mds.signer,
        no,
        entries: [
          metadataEntry({
            aaguid: KEY_AAGUID,
            description: 'Acme Key 5',
            roots: [vendorRoot],
            statusReports:
              keyStatus === 'FIDO_CERTIFIED_L1'
                ? [{ status: 'FIDO_CERTIFIED_L1', effectiveDate: '2024-01-15' }]
                : [
                    { status: 'FIDO_CERTIFIED_L1', effectiveDate: '2024-01-15' },
                    { status: 'ATTESTATION_KEY_COMPROMISE', effectiveDate: '2025-03-01' },
                  ],
          }),
          metadataEntry({ aaguid: OTHER_AAGUID, description: 'Acme Key 6', roots: [vendorRoot] }),
          metadataEntry({
            aaguid: PASSKEY_AAGUID,
            description: 'Example Passkey Provider',
            statusReports: [{ status: 'FIDO_CERTIFIED', effectiveDate: '2024-01-01' }],
          }),
        ],
      });

    before(async () => {
      mds = await mdsPki();
      vendorRoot = await createRootCa('Acme Keys Attestation Root');
      trustedKey = await attestationKey(vendorRoot, KEY_AAGUID);
      otherKey = await attestationKey(vendorRoot, OTHER_AAGUID);
      rogueKey = await attestationKey(await createRootCa('Rogue Root'), KEY_AAGUID);
      dir = mkdtempSync(join(tmpdir(), 'tessera-fleet-'));
      writeFileSync(join(dir, 'mds.jwt'), await blob(10, 'FIDO_CERTIFIED_L1'));
      writeFileSync(join(dir, 'mds-root.pem'), mds.root.pem);
      t = await startTestApp(dialect, {
        FIDO_MDS_FILE: join(dir, 'mds.jwt'),
        FIDO_MDS_ROOT_CERT: join(dir, 'mds-root.pem'),
      });
      flows = new MfaFlows(t);
    });
    after(async () => {
      await t?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const securityKey = (key?: AttestationKey, aaguid = KEY_AAGUID) =>
      new SoftAuthenticator({
        alg: 'ES256',
        attestation: 'packed',
        aaguid,
        attestationKey: key,
        residentKey: false,
        userVerified: false,
        attachment: 'cross-platform',
      });

    async function tenantWithRule(name: string, rule?: string): Promise<Tenant> {
      const tenant = await t.createTenant({ name });
      if (rule) {
        const res = await t.request('POST', '/v1/policies', {
          headers: flows.adminHeaders(tenant),
          json: { name, enabled: true, cedar_policy_set: rule },
        });
        assert.equal(res.status, 201, res.text);
      }
      return tenant;
    }

    async function signIn(tenant: Tenant, user: string, auth: SoftAuthenticator) {
      return (await flows.webauthn(await flows.openSignInId(tenant, user), auth)).res;
    }

    async function events(tenant: Tenant, action: string) {
      const res = await t.request('GET', `/v1/audit-log?action=${action}`, { headers: flows.adminHeaders(tenant) });
      assert.equal(res.status, 200, res.text);
      return res.body.data as { resource_id: string; resource_type: string; metadata: Record<string, unknown> }[];
    }

    async function report(tenant: Tenant) {
      const res = await t.request('GET', '/v1/authenticators/report', { headers: flows.adminHeaders(tenant) });
      assert.equal(res.status, 200, res.text);
      return res.body;
    }

    async function factorId(tenant: Tenant, user: string): Promise<string> {
      const list = await t.request('GET', '/v1/users/me/mfa', { headers: await t.userHeaders(tenant.id, user) });
      assert.equal(list.status, 200, list.text);
      return list.body.methods[0].id;
    }

    it('verify_factor sees the stored trust: "only trusted security keys sign in" admits the trusted key and refuses an untrusted one with its notice; acr follows trust', async () => {
      const notice = 'Sign in with a security key your organization issued.';
      const tenant = await tenantWithRule(
        'Trusted keys only',
        `@notice("${notice}")
forbid (principal, action == Tessera::Action::"verify_factor", resource is Tessera::Authenticator)
when { resource.method_type == "webauthn_fido" && !(resource has attestation_trusted && resource.attestation_trusted && resource has model && resource.model == "Acme Key 5") };`,
      );
      const good = newUser();
      const { auth } = await flows.enrollWebAuthn(tenant.id, good, securityKey(trustedKey), 'webauthn_fido');
      const ok = await signIn(tenant, good, auth);
      assert.equal(ok.status, 200, ok.text);
      const { payload } = await flows.verifyToken(ok.body.token);
      assert.equal(payload.acr, 'phrh');
      assert.deepEqual(payload.amr, ['hwk']);

      const bad = newUser();
      const rogue = await flows.enrollWebAuthn(tenant.id, bad, securityKey(rogueKey), 'webauthn_fido');
      const denied = await signIn(tenant, bad, rogue.auth);
      assert.equal(denied.status, 403, denied.text);
      assert.deepEqual(denied.body.notices, [notice]);

      // An unattested device-bound passkey: BE=0 is only its own claim, so swk/phr.
      const plain = await tenantWithRule('Plain acr');
      const p = newUser();
      const passkey = await flows.enrollWebAuthn(plain.id, p, new SoftAuthenticator({ backupEligible: false }));
      const res = await signIn(plain, p, passkey.auth);
      assert.equal(res.status, 200, res.text);
      const token = await flows.verifyToken(res.body.token);
      assert.equal(token.payload.acr, 'phr');
      assert.deepEqual(token.payload.amr, ['swk']);
    });

    it('a newer BLOB reporting a model compromised re-judges stored credentials: audited per credential and per tenant, refused at sign-in by the baseline rule, listed in the report; idempotent', async () => {
      const acme = await tenantWithRule('Acme');
      const globex = await tenantWithRule('Globex');
      const alice = newUser();
      const dave = newUser();
      const carol = newUser();
      const { auth: aliceKey } = await flows.enrollWebAuthn(acme.id, alice, securityKey(trustedKey), 'webauthn_fido');
      const { auth: daveKey } = await flows.enrollWebAuthn(
        acme.id,
        dave,
        securityKey(otherKey, OTHER_AAGUID),
        'webauthn_fido',
      );
      await flows.enrollWebAuthn(
        acme.id,
        newUser(),
        new SoftAuthenticator({ aaguid: PASSKEY_AAGUID, backupEligible: true, backedUp: true }),
      );
      await flows.enrollWebAuthn(globex.id, carol, securityKey(trustedKey), 'webauthn_fido');

      const before = await report(acme);
      assert.equal(before.total, 3);
      assert.equal(before.metadata_blob_no, 10);
      assert.deepEqual(before.attestation, { trusted: 2, untrusted: 1 });
      assert.deepEqual(before.backup, { device_bound: 2, synced: 1 });
      assert.deepEqual(before.by_method_type, [
        { method_type: 'webauthn_fido', count: 2 },
        { method_type: 'webauthn_passkey', count: 1 },
      ]);
      assert.deepEqual(
        before.by_model
          .map((m: { name: string; count: number; model_status: string | null }) => [m.name, m.count, m.model_status])
          .sort(),
        [
          ['Acme Key 5', 1, null],
          ['Acme Key 6', 1, null],
          ['Example Passkey Provider', 1, null],
        ],
      );
      assert.deepEqual(
        before.by_certification_level
          .map((l: { certification_level: string; count: number }) => [l.certification_level, l.count])
          .sort(),
        [
          ['FIDO_CERTIFIED', 1],
          ['FIDO_CERTIFIED_L1', 2],
        ],
      );
      assert.deepEqual(before.compromised, []);
      assert.equal((await signIn(acme, alice, aliceKey)).status, 200);

      const metadata = t.app.get(AuthenticatorMetadataService);
      assert.equal(await metadata.load(await blob(11, 'ATTESTATION_KEY_COMPROMISE'), 'test'), true);

      const aliceFactor = await factorId(acme, alice);
      const perCredential = await events(acme, 'factor.model_compromised');
      assert.equal(perCredential.length, 1);
      assert.equal(perCredential[0].resource_id, aliceFactor);
      assert.equal(perCredential[0].metadata['status'], 'ATTESTATION_KEY_COMPROMISE');
      assert.equal(perCredential[0].metadata['model'], 'Acme Key 5');
      assert.equal(perCredential[0].metadata['metadata_blob_no'], 11);
      const perTenant = await events(acme, 'tenant.authenticators_compromised');
      assert.equal(perTenant.length, 1);
      assert.equal(perTenant[0].resource_type, 'tenant');
      assert.deepEqual(perTenant[0].metadata, {
        metadata_blob_no: 11,
        credentials: 1,
        models: ['Acme Key 5'],
        statuses: ['ATTESTATION_KEY_COMPROMISE'],
      });
      assert.equal((await events(globex, 'factor.model_compromised')).length, 1);
      assert.equal((await events(globex, 'tenant.authenticators_compromised')).length, 1);

      const refused = await signIn(acme, alice, aliceKey);
      assert.equal(refused.status, 403, refused.text);
      assert.equal(refused.body.code, 'policy_denied');
      assert.equal(refused.body.notices.length, 1);
      assert.match(refused.body.notices[0], COMPROMISED_NOTICE);
      assert.deepEqual(refused.body.details.determining_policies, ['baseline.compromised_authenticator_model']);
      // Another model of the same vendor is untouched.
      assert.equal((await signIn(acme, dave, daveKey)).status, 200);

      const after = await report(acme);
      assert.equal(after.metadata_blob_no, 11);
      assert.equal(after.compromised_total, 1);
      assert.equal(after.compromised.length, 1);
      assert.equal(after.compromised[0].factor_id, aliceFactor);
      assert.equal(after.compromised[0].user_id, alice);
      assert.equal(after.compromised[0].model_status, 'ATTESTATION_KEY_COMPROMISE');
      assert.equal(after.compromised[0].name, 'Acme Key 5');
      assert.deepEqual(
        after.by_model
          .filter((m: { model_status: string | null }) => m.model_status)
          .map((m: { name: string; count: number }) => [m.name, m.count]),
        [['Acme Key 5', 1]],
      );
      // Another tenant's report never shows these.
      const globexReport = await report(globex);
      assert.equal(globexReport.total, 1);
      assert.equal(globexReport.compromised[0].user_id, carol);

      // The same BLOB again, or a second pass (another node), records nothing more.
      assert.equal(await metadata.load(await blob(11, 'ATTESTATION_KEY_COMPROMISE'), 'test'), false);
      const again = await t.app.get(CredentialTrustRejudger).rejudge(11);
      assert.equal(again.updated, 0);
      assert.equal((await events(acme, 'factor.model_compromised')).length, 1);
      assert.equal((await events(acme, 'tenant.authenticators_compromised')).length, 1);
    });

    it('backed-up drift: BS turning on for a device-bound passkey is audited, stored, and visible to Cedar — the no-synced-passkeys rule then refuses it with its notice', async () => {
      const rule = example('no-synced-passkeys.cedar');
      const tenant = await tenantWithRule('No sync', rule);
      const user = newUser();
      const auth = new SoftAuthenticator({
        aaguid: PASSKEY_AAGUID,
        backupEligible: true,
        backedUp: false,
        attachment: 'platform',
      });
      await flows.enrollWebAuthn(tenant.id, user, auth);
      assert.equal((await signIn(tenant, user, auth)).status, 200, 'device-bound: allowed');

      (auth as unknown as { opts: { backedUp: boolean } }).opts.backedUp = true;
      const refused = await signIn(tenant, user, auth);
      assert.equal(refused.status, 403, refused.text);
      assert.deepEqual(refused.body.notices, [noticeOf(rule)]);

      const id = await factorId(tenant, user);
      const drift = await events(tenant, 'factor.backup_state_changed');
      assert.equal(drift.length, 1);
      assert.equal(drift[0].resource_id, id);
      assert.equal(drift[0].metadata['backed_up'], true);
      const list = await t.request('GET', '/v1/users/me/mfa', { headers: await t.userHeaders(tenant.id, user) });
      assert.equal(list.body.methods[0].authenticator.backed_up, true);
      assert.equal(list.body.methods[0].authenticator.name, 'Example Passkey Provider');
      assert.deepEqual((await report(tenant)).backup, { device_bound: 0, synced: 1 });

      // Seen once: a later assertion records nothing new.
      assert.equal((await signIn(tenant, user, auth)).status, 403);
      assert.equal((await events(tenant, 'factor.backup_state_changed')).length, 1);
    });

    it('GET /v1/authenticators/report needs a tenant API key and is policy-checked', async () => {
      const tenant = await tenantWithRule('Report');
      const anonymous = await t.request('GET', '/v1/authenticators/report', { headers: { 'X-Tenant-ID': tenant.id } });
      assert.equal(anonymous.status, 401, anonymous.text);
      const asUser = await t.request('GET', '/v1/authenticators/report', {
        headers: await t.userHeaders(tenant.id, newUser()),
      });
      assert.ok([401, 403].includes(asUser.status), asUser.text);
      const other = await tenantWithRule('Other');
      const foreign = await t.request('GET', '/v1/authenticators/report', {
        headers: { 'X-API-Key': other.apiKey, 'X-Tenant-ID': tenant.id },
      });
      assert.equal(foreign.status, 403, foreign.text);
      const notice = 'Reports are closed.';
      const closed = await tenantWithRule(
        'Closed',
        `@notice("${notice}")
forbid (principal, action == Tessera::Action::"read_authenticator_report", resource);`,
      );
      const denied = await t.request('GET', '/v1/authenticators/report', { headers: flows.adminHeaders(closed) });
      assert.equal(denied.status, 403, denied.text);
      assert.equal(denied.body.code, 'policy_denied');
      assert.deepEqual(denied.body.notices, [notice]);
      const empty = await report(tenant);
      assert.equal(empty.total, 0);
      assert.deepEqual(empty.compromised, []);

      const spec = await t.request('GET', '/openapi.json');
      const op = spec.body.paths['/v1/authenticators/report'].get;
      assert.equal(op.operationId, 'getAuthenticatorReport');
      assert.ok(op.responses['200'] && op.responses['403'] && op.responses['401']);
    });
  });
}
