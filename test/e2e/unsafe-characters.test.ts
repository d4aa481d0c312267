import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestApp, TEST_PLATFORM_KEY, type TestApp, type TestResponse } from '../support/test-app.js';
import { MfaFlows, type Tenant } from '../support/mfa-flows.js';
import { rowCounts } from '../support/row-counts.js';

const TABLES = [
  'tenants',
  'api_keys',
  'policies',
  'policy_rules',
  'webauthn_credentials',
  'totp_factors',
  'backup_codes',
  'user_handles',
  'pending_enrollments',
  'mfa_challenges',
];
const NUL = 'a\u0000b';
const LONE_HIGH = 'a\uD800b';
const LONE_LOW = '\uDC00';

/**
 * U+0000 and unpaired surrogates are refused the same way on every dialect: 400
 * validation_failed naming the field for bodies, queries and path parameters, 401 for token
 * claims. PostgreSQL text cannot hold U+0000 (it used to answer 500), SQLite would store it.
 */
for (const dialect of await dialects()) {
  describe(`U+0000 and lone surrogates (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let admin: Record<string, string>;
    const platform = { 'X-API-Key': TEST_PLATFORM_KEY };

    before(async () => {
      t = await startTestApp(dialect, { RATE_LIMIT_ENROLL_PER_MINUTE: '0' });
      tenant = await t.createTenant();
      admin = new MfaFlows(t).adminHeaders(tenant);
    });
    after(async () => {
      await t?.close();
    });

    const counts = () => rowCounts(t, TABLES);

    function assertRefused(res: TestResponse, field: string): void {
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.code, 'validation_failed');
      assert.deepEqual(res.body.details.fields, [{ field, reason: 'must not contain U+0000 or unpaired surrogates' }]);
    }

    /** The body as raw JSON text: \\u escapes, so the lone surrogates reach the server as such. */
    const raw = (value: unknown) => ({ body: JSON.stringify(value), headers: { 'Content-Type': 'application/json' } });

    it('tenant names (create and update), on the platform API', async () => {
      const before = await counts();
      for (const bad of [NUL, LONE_HIGH, LONE_LOW]) {
        const r = raw({ name: bad });
        assertRefused(await t.request('POST', '/v1/tenants', { ...r, headers: { ...r.headers, ...platform } }), 'name');
        assertRefused(
          await t.request('PATCH', `/v1/tenants/${tenant.id}`, { ...r, headers: { ...r.headers, ...platform } }),
          'name',
        );
      }
      const nested = raw({
        name: 'ok',
        webauthn: {
          rp_id: 'tessera.test',
          rp_name: 'x',
          origins: ['https://app.tessera.test', `https://a${NUL}.tessera.test`],
        },
      });
      assertRefused(
        await t.request('POST', '/v1/tenants', { ...nested, headers: { ...nested.headers, ...platform } }),
        'webauthn.origins[1]',
      );
      assert.deepEqual(await counts(), before);
      assert.equal(
        (await t.request('GET', `/v1/tenants/${tenant.id}`, { headers: platform })).body.name,
        'Test tenant',
      );
    });

    it('API-key names and policy names, descriptions and rule text', async () => {
      const before = await counts();
      for (const bad of [NUL, LONE_HIGH]) {
        const key = raw({ name: bad });
        assertRefused(
          await t.request('POST', '/v1/api-keys', { ...key, headers: { ...key.headers, ...admin } }),
          'name',
        );
        const policy = raw({ name: bad, enabled: true });
        assertRefused(
          await t.request('POST', '/v1/policies', { ...policy, headers: { ...policy.headers, ...admin } }),
          'name',
        );
        const description = raw({ name: 'ok', description: bad, enabled: true });
        assertRefused(
          await t.request('POST', '/v1/policies', { ...description, headers: { ...description.headers, ...admin } }),
          'description',
        );
      }
      const rule = raw({
        name: 'ok',
        enabled: true,
        cedar_policy_set: `forbid (principal, action, resource) when { context.ip == "${NUL}" };`,
      });
      assertRefused(
        await t.request('POST', '/v1/policies', { ...rule, headers: { ...rule.headers, ...admin } }),
        'cedar_policy_set',
      );
      // An object key is a field too.
      const key = raw({ [`na${NUL}me`]: 'x' });
      assertRefused(
        await t.request('POST', '/v1/api-keys', { ...key, headers: { ...key.headers, ...admin } }),
        `na${NUL}me`,
      );
      assert.deepEqual(await counts(), before);
    });

    it('audit-log filters and paging cursors (query parameters)', async () => {
      for (const field of ['actor_id', 'resource_type', 'resource_id', 'action', 'cursor']) {
        assertRefused(await t.request('GET', `/v1/audit-log?${field}=a%00b`, { headers: admin }), field);
      }
      assertRefused(await t.request('GET', '/v1/policies?cursor=%00', { headers: admin }), 'cursor');
      assert.equal(
        (await t.request('GET', '/v1/audit-log?action=tenant.created', { headers: admin })).status,
        200,
        'a clean filter still works',
      );
    });

    it('path parameters and user body fields', async () => {
      const before = await counts();
      const user = await t.userHeaders(tenant.id, 'alice');
      assertRefused(await t.request('GET', '/v1/policies/a%00b', { headers: admin }), 'id');
      assertRefused(await t.request('DELETE', '/v1/api-keys/%00', { headers: admin }), 'id');
      assertRefused(await t.request('DELETE', '/v1/users/me/mfa/x%00', { headers: user }), 'id');
      assertRefused(await t.request('GET', '/v1/users/a%00b/mfa', { headers: admin }), 'user_id');
      assertRefused(
        await t.request('POST', '/v1/users/me/mfa/webauthn/register?method_type=webauthn_passkey%00', {
          headers: user,
        }),
        'method_type',
      );
      const rename = raw({ device_name: LONE_HIGH });
      assertRefused(
        await t.request('PATCH', '/v1/users/me/mfa/00000000-0000-4000-8000-000000000000', {
          ...rename,
          headers: { ...rename.headers, ...user },
        }),
        'device_name',
      );
      const signIn = raw({ user_id: NUL });
      assertRefused(
        await t.request('POST', '/v1/mfa/challenges', { ...signIn, headers: { ...signIn.headers, ...admin } }),
        'user_id',
      );
      const deep = raw({
        credential: { id: 'x', response: { transports: ['usb', LONE_LOW] } },
        device_name: 'k',
        method_type: 'webauthn_fido',
      });
      assertRefused(
        await t.request('POST', '/v1/users/me/mfa/webauthn/register/complete', {
          ...deep,
          headers: { ...deep.headers, ...user },
        }),
        'credential.response.transports[1]',
      );
      assert.deepEqual(await counts(), before);
    });

    it('a token whose sub, tenant claim, roles or amr hold them → 401', async () => {
      const before = await counts();
      for (const claims of [
        { sub: NUL },
        { sub: LONE_HIGH },
        { sub: LONE_LOW },
        { roles: [NUL] },
        { amr: ['pwd', LONE_HIGH] },
      ]) {
        const { sub, ...rest } = claims as { sub?: string };
        const token = await t.userToken(tenant.id, sub ?? 'alice', rest);
        const res = await t.request('POST', '/v1/users/me/mfa/webauthn/register?method_type=webauthn_passkey', {
          headers: { Authorization: `Bearer ${token}`, 'X-Tenant-ID': tenant.id },
        });
        assert.equal(res.status, 401, `${JSON.stringify(claims)}: ${res.text}`);
        assert.equal(res.body.code, 'unauthenticated');
      }
      const badTenant = await t.userToken(tenant.id, 'alice', { tenant_id: `${tenant.id}\u0000` });
      assert.equal(
        (
          await t.request('GET', '/v1/users/me/mfa', {
            headers: { Authorization: `Bearer ${badTenant}`, 'X-Tenant-ID': tenant.id },
          })
        ).status,
        401,
      );
      // A user id from a token reaches the step-up challenge and the factor list unchanged otherwise.
      assert.equal(
        (await t.request('GET', '/v1/users/me/mfa', { headers: await t.userHeaders(tenant.id, 'alice \u{1F511}') }))
          .status,
        200,
        'paired surrogates (emoji) are fine',
      );
      assert.deepEqual(await counts(), before);
    });
  });
}
