import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DataSource } from 'typeorm';
import { dialects, startTestApp, TEST_ORIGIN, type TestApp, type TestResponse } from '../support/test-app.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';

const REGISTER = '/v1/users/me/mfa/webauthn/register';
const COMPLETE = '/v1/users/me/mfa/webauthn/register/complete';

const NO_KEYS_NOTICE = 'Acme does not accept security keys. Enroll a passkey instead.';
const NO_FIDO = `@notice("${NO_KEYS_NOTICE}")
forbid (principal, action == Tessera::Action::"complete_enrollment", resource is Tessera::Authenticator)
when { resource.method_type == "webauthn_fido" };`;

type Tenant = { id: string; apiKey: string };

for (const dialect of await dialects()) {
  describe(`Tenant rules enforced on enrollment (${dialect})`, () => {
    let t: TestApp;
    let acme: Tenant;
    let globex: Tenant;
    let userSeq = 0;
    const newUser = () => `enf-user-${++userSeq}`;
    const admin = (tenant: Tenant) => ({ 'X-API-Key': tenant.apiKey, 'X-Tenant-ID': tenant.id });

    before(async () => {
      t = await startTestApp(dialect);
      acme = await t.createTenant({ name: 'Acme' });
      globex = await t.createTenant({ name: 'Globex' });
    });
    after(async () => {
      await t?.close();
    });

    /** A whole registration ceremony with a software authenticator: a FIDO key or a passkey. */
    async function enroll(
      tenant: Tenant,
      user: string,
      method: 'webauthn_passkey' | 'webauthn_fido',
    ): Promise<TestResponse> {
      const headers = await t.userHeaders(tenant.id, user);
      const options = await t.request('POST', `${REGISTER}?method_type=${method}`, { headers });
      assert.equal(options.status, 200, options.text);
      const auth =
        method === 'webauthn_fido'
          ? new SoftAuthenticator({
              alg: 'EdDSA',
              attestation: 'packed',
              residentKey: false,
              userVerified: false,
              attachment: 'cross-platform',
              transports: ['usb'],
            })
          : new SoftAuthenticator();
      const credential = auth.createCredential(options.body.options, { origin: TEST_ORIGIN });
      return t.request('POST', COMPLETE, { headers, json: { credential, device_name: 'Key', method_type: method } });
    }

    async function createPolicy(tenant: Tenant, body: Record<string, unknown>) {
      const res = await t.request('POST', '/v1/policies', { headers: admin(tenant), json: body });
      assert.equal(res.status, 201, res.text);
      return res.body as { id: string; rules: { id: string; notice: string | null }[] };
    }

    async function policyVersion(tenantId: string): Promise<number> {
      const rows = await t.app
        .get(DataSource)
        .query(`SELECT policy_version AS v FROM tenants WHERE id = ${dialect === 'postgres' ? '$1' : '?'}`, [tenantId]);
      return Number(rows[0].v);
    }

    async function auditLog(tenant: Tenant, query: string) {
      const res = await t.request('GET', `/v1/audit-log?${query}`, { headers: admin(tenant) });
      assert.equal(res.status, 200, res.text);
      return res.body.data as {
        action: string;
        actor_id: string;
        resource_type: string;
        resource_id: string | null;
        metadata: Record<string, unknown>;
      }[];
    }

    it('a rule with a notice blocks webauthn_fido with exactly that notice; passkeys and other tenants are unaffected', async () => {
      const before = await policyVersion(acme.id);
      const policy = await createPolicy(acme, { name: 'No security keys', enabled: true, cedar_policy_set: NO_FIDO });
      assert.equal(await policyVersion(acme.id), before + 1, 'the change bumps the tenant policy version');
      const ruleId = policy.rules[0].id;

      const blockedUser = newUser();
      const denied = await enroll(acme, blockedUser, 'webauthn_fido');
      assert.equal(denied.status, 403, denied.text);
      assert.equal(denied.body.code, 'policy_denied');
      assert.deepEqual(denied.body.notices, [NO_KEYS_NOTICE]);
      assert.deepEqual(denied.body.details.determining_policies, [ruleId]);
      const factors = await t.request('GET', '/v1/users/me/mfa', {
        headers: await t.userHeaders(acme.id, blockedUser),
      });
      assert.deepEqual(factors.body.methods, [], 'nothing was stored');

      const passkeyUser = newUser();
      const passkey = await enroll(acme, passkeyUser, 'webauthn_passkey');
      assert.equal(passkey.status, 200, passkey.text);
      assert.equal(passkey.body.codes.length, 10);

      const other = await enroll(globex, newUser(), 'webauthn_fido');
      assert.equal(other.status, 200, other.text);
      assert.ok(!other.text.includes(NO_KEYS_NOTICE));

      // The denial and the enrollment are in Acme's audit log; Globex's has neither.
      const denials = await auditLog(acme, 'action=policy.denied');
      const denial = denials.find((e) => e.metadata['cedar_action'] === 'complete_enrollment');
      assert.ok(denial, JSON.stringify(denials));
      assert.equal(denial.actor_id, blockedUser);
      assert.equal(denial.resource_type, 'authenticator', 'lower case, like every resource type');
      assert.equal(denial.metadata['principal'], `User::"${blockedUser}"`);
      assert.deepEqual(denial.metadata['determining_policies'], [ruleId]);
      const enrolled = await auditLog(acme, `action=factor.enrolled&actor_id=${passkeyUser}`);
      assert.equal(enrolled.length, 1);
      assert.equal(enrolled[0].metadata['method_type'], 'webauthn_passkey');
      const globexLog = await t.request('GET', '/v1/audit-log?limit=100', { headers: admin(globex) });
      assert.equal(globexLog.status, 200);
      assert.ok(!globexLog.body.data.some((e: { action: string }) => e.action === 'policy.denied'));
      assert.ok(!globexLog.text.includes(ruleId) && !globexLog.text.includes(NO_KEYS_NOTICE));
    });

    it('two forbids: both notices, in a stable order (priority, then rule position)', async () => {
      const tenant = await t.createTenant({ name: 'Initech' });
      const first = await createPolicy(tenant, {
        name: 'Keys',
        enabled: true,
        cedar_policy_set: `@notice("First: no FIDO keys.")
forbid (principal, action == Tessera::Action::"complete_enrollment", resource is Tessera::Authenticator) when { resource.method_type == "webauthn_fido" };
@notice("Second: only user-verifying keys.")
forbid (principal, action == Tessera::Action::"complete_enrollment", resource is Tessera::Authenticator) when { !resource.user_verified };`,
      });
      const expectedIds = first.rules.map((r) => r.id);
      for (let i = 0; i < 3; i++) {
        const res = await enroll(tenant, newUser(), 'webauthn_fido');
        assert.equal(res.status, 403, res.text);
        assert.deepEqual(res.body.notices, ['First: no FIDO keys.', 'Second: only user-verifying keys.']);
        assert.deepEqual(res.body.details.determining_policies, expectedIds);
      }
      // A policy of higher priority is evaluated, and listed, first.
      const urgent = await createPolicy(tenant, {
        name: 'Urgent',
        enabled: true,
        priority: 10,
        cedar_policy_set:
          '@notice("Urgent: attested keys are under review.") forbid (principal, action == Tessera::Action::"complete_enrollment", resource) when { resource has attestation_format && resource.attestation_format == "packed" };',
      });
      const res = await enroll(tenant, newUser(), 'webauthn_fido');
      assert.equal(res.status, 403);
      assert.deepEqual(res.body.notices, [
        'Urgent: attested keys are under review.',
        'First: no FIDO keys.',
        'Second: only user-verifying keys.',
      ]);
      assert.deepEqual(res.body.details.determining_policies, [urgent.rules[0].id, ...expectedIds]);
    });

    it('disabling a policy lifts its rules on the next request; enabling it restores them', async () => {
      const tenant = await t.createTenant({ name: 'Umbrella' });
      const policy = await createPolicy(tenant, { name: 'No keys', enabled: true, cedar_policy_set: NO_FIDO });
      assert.equal((await enroll(tenant, newUser(), 'webauthn_fido')).status, 403);

      const version = await policyVersion(tenant.id);
      const off = await t.request('PATCH', `/v1/policies/${policy.id}`, {
        headers: admin(tenant),
        json: { enabled: false },
      });
      assert.equal(off.status, 200, off.text);
      assert.equal(off.body.enabled, false);
      assert.equal(await policyVersion(tenant.id), version + 1);
      const allowed = await enroll(tenant, newUser(), 'webauthn_fido');
      assert.equal(allowed.status, 200, allowed.text);

      const on = await t.request('PATCH', `/v1/policies/${policy.id}`, {
        headers: admin(tenant),
        json: { enabled: true },
      });
      assert.equal(on.status, 200);
      const deniedAgain = await enroll(tenant, newUser(), 'webauthn_fido');
      assert.equal(deniedAgain.status, 403);
      assert.deepEqual(deniedAgain.body.notices, [NO_KEYS_NOTICE]);

      // Deleting the rule lifts it as well.
      const del = await t.request('DELETE', `/v1/policies/${policy.id}/rules/${policy.rules[0].id}`, {
        headers: admin(tenant),
      });
      assert.equal(del.status, 204);
      assert.equal((await enroll(tenant, newUser(), 'webauthn_fido')).status, 200);
    });

    it('a tenant rule can restrict admin actions too, with its notice', async () => {
      const tenant = await t.createTenant({ name: 'Hooli' });
      const policy = await createPolicy(tenant, {
        name: 'Audit log closed',
        enabled: true,
        cedar_policy_set:
          '@notice("The audit log is read through the SIEM export.") forbid (principal, action == Tessera::Action::"read_audit_log", resource);',
      });
      const res = await t.request('GET', '/v1/audit-log', { headers: admin(tenant) });
      assert.equal(res.status, 403);
      assert.equal(res.body.code, 'policy_denied');
      assert.deepEqual(res.body.notices, ['The audit log is read through the SIEM export.']);
      assert.deepEqual(res.body.details.determining_policies, [policy.rules[0].id]);
      assert.equal(
        (await t.request('GET', '/v1/audit-log', { headers: admin(acme) })).status,
        200,
        'other tenants still read theirs',
      );
    });
  });
}
