import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DataSource } from 'typeorm';
import { dialects, startTestApp, type TestApp } from '../support/test-app.js';

type Tenant = { id: string; apiKey: string };

const PERMIT_MESSAGE = 'Tenant rules can only restrict: use forbid; the baseline grants access.';
const FIDO_RULE =
  'forbid (principal, action == Tessera::Action::"complete_enrollment", resource is Tessera::Authenticator)\nwhen { resource.method_type == "webauthn_fido" };';
const TOTP_RULE =
  '@notice("No authenticator apps.")\nforbid (principal, action == Tessera::Action::"begin_enrollment", resource)\nwhen { context.method_type == "totp" };';

for (const dialect of await dialects()) {
  describe(`Tenant policy administration (${dialect})`, () => {
    let t: TestApp;
    let acme: Tenant;
    let globex: Tenant;
    const admin = (tenant: Tenant) => ({ 'X-API-Key': tenant.apiKey, 'X-Tenant-ID': tenant.id });
    const p = (n: number) => (dialect === 'postgres' ? `$${n}` : '?');

    before(async () => {
      t = await startTestApp(dialect);
      acme = await t.createTenant({ name: 'Acme' });
      globex = await t.createTenant({ name: 'Globex' });
    });
    after(async () => {
      await t?.close();
    });

    async function stored(tenantId: string) {
      const ds = t.app.get(DataSource);
      const one = async (sql: string) => Number((await ds.query(sql, [tenantId]))[0].n);
      return {
        policies: await one(`SELECT COUNT(*) AS n FROM policies WHERE tenant_id = ${p(1)}`),
        rules: await one(`SELECT COUNT(*) AS n FROM policy_rules WHERE tenant_id = ${p(1)}`),
        version: await one(`SELECT policy_version AS n FROM tenants WHERE id = ${p(1)}`),
        audit: await one(`SELECT COUNT(*) AS n FROM audit_events WHERE tenant_id = ${p(1)}`),
      };
    }

    async function createPolicy(tenant: Tenant, body: Record<string, unknown>) {
      const res = await t.request('POST', '/v1/policies', { headers: admin(tenant), json: body });
      assert.equal(res.status, 201, res.text);
      return res.body;
    }

    it('creates a policy from a Cedar policy set: one rule per statement, notices from @notice', async () => {
      const set = `// Enrollment rules\n${TOTP_RULE}\n\n${FIDO_RULE}`;
      const res = await t.request('POST', '/v1/policies', {
        headers: admin(acme),
        json: {
          name: 'Enrollment',
          description: 'Who may enroll what',
          enabled: true,
          priority: 5,
          cedar_policy_set: set,
        },
      });
      assert.equal(res.status, 201, res.text);
      const policy = res.body;
      assert.equal(policy.name, 'Enrollment');
      assert.equal(policy.description, 'Who may enroll what');
      assert.equal(policy.enabled, true);
      assert.equal(policy.priority, 5);
      assert.deepEqual(
        policy.rules.map((r: { position: number; effect: string; policy_text: string; notice: string | null }) => [
          r.position,
          r.effect,
          r.policy_text,
          r.notice,
        ]),
        [
          [0, 'forbid', TOTP_RULE, 'No authenticator apps.'],
          [1, 'forbid', FIDO_RULE, null],
        ],
      );
      for (const r of policy.rules) assert.equal(r.policy_id, policy.id);

      const got = await t.request('GET', `/v1/policies/${policy.id}`, { headers: admin(acme) });
      assert.equal(got.status, 200);
      assert.deepEqual(got.body, policy);
      const rule = await t.request('GET', `/v1/policies/${policy.id}/rules/${policy.rules[1].id}`, {
        headers: admin(acme),
      });
      assert.deepEqual(rule.body, policy.rules[1]);
      const rules = await t.request('GET', `/v1/policies/${policy.id}/rules`, { headers: admin(acme) });
      assert.deepEqual(rules.body, { data: policy.rules });
    });

    it('invalid rule text is 400 policy_invalid with positions, and nothing is stored', async () => {
      const before = await stored(acme.id);
      const set = `${FIDO_RULE}\nforbid (principal, action, resource)\n  when { resource.colour == "red" };`;
      const res = await t.request('POST', '/v1/policies', {
        headers: admin(acme),
        json: { name: 'Bad', enabled: true, cedar_policy_set: set },
      });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.code, 'policy_invalid');
      const errors = res.body.details.errors;
      assert.ok(errors.length >= 1);
      for (const e of errors) {
        assert.equal(e.statement, 1);
        assert.match(e.message, /colour/);
        assert.deepEqual(e.position, { offset: set.indexOf('resource.colour'), line: 4, column: 10 });
      }

      const syntax = await t.request('POST', '/v1/policies', {
        headers: admin(acme),
        json: {
          name: 'Bad',
          enabled: true,
          cedar_policy_set: 'forbid (principal, action, resource)\nwhen { context.factor_count > };',
        },
      });
      assert.equal(syntax.status, 400);
      assert.equal(syntax.body.code, 'policy_invalid');
      assert.equal(syntax.body.details.errors[0].position.line, 2);

      const policy = await createPolicy(acme, { name: 'Holder', enabled: true });
      const mid = await stored(acme.id);
      const badRule = await t.request('POST', `/v1/policies/${policy.id}/rules`, {
        headers: admin(acme),
        json: { policy_text: 'forbid (principal, action, resource) when { context.nope };' },
      });
      assert.equal(badRule.status, 400);
      assert.equal(badRule.body.code, 'policy_invalid');
      assert.equal(badRule.body.details.errors.length, 1, 'one report per mistake');
      assert.deepEqual(badRule.body.details.errors[0].position, { offset: 44, line: 1, column: 45 });
      const twoStatements = await t.request('POST', `/v1/policies/${policy.id}/rules`, {
        headers: admin(acme),
        json: { policy_text: `${FIDO_RULE}\n${FIDO_RULE}` },
      });
      assert.equal(twoStatements.status, 400);
      assert.match(twoStatements.body.details.errors[0].message, /exactly one statement/);

      assert.deepEqual(await stored(acme.id), mid, 'rejected rules change nothing');
      assert.equal(mid.policies, before.policies + 1);
      assert.equal(mid.rules, before.rules);
    });

    it('refuses permit statements from tenants, in every form, storing nothing', async () => {
      const policy = await createPolicy(acme, { name: 'Permit attempts', enabled: true });
      const before = await stored(acme.id);
      const permitText = '@notice("x")\npermit (principal, action == Tessera::Action::"remove_factor", resource);';
      const attempts = [
        t.request('POST', '/v1/policies', {
          headers: admin(acme),
          json: { name: 'P', enabled: true, cedar_policy_set: `${FIDO_RULE}\n${permitText}` },
        }),
        t.request('POST', `/v1/policies/${policy.id}/rules`, {
          headers: admin(acme),
          json: { policy_text: permitText },
        }),
        t.request('POST', `/v1/policies/${policy.id}/rules`, {
          headers: admin(acme),
          json: { effect: 'permit', action: 'remove_factor' },
        }),
      ];
      const answers = await Promise.all(attempts);
      for (const res of answers) {
        assert.equal(res.status, 400, res.text);
        assert.equal(res.body.code, 'policy_invalid');
        assert.equal(res.body.message, PERMIT_MESSAGE);
        assert.ok(res.body.details.errors.some((e: { message: string }) => e.message === PERMIT_MESSAGE));
      }
      const permitError = answers[0].body.details.errors.find((e: { message: string }) => e.message === PERMIT_MESSAGE);
      assert.deepEqual(permitError.position, { offset: FIDO_RULE.length + 1 + 13, line: 4, column: 1 });
      assert.equal(permitError.statement, 1);
      // A stored forbid cannot be turned into a permit either.
      const rule = await t.request('POST', `/v1/policies/${policy.id}/rules`, {
        headers: admin(acme),
        json: { policy_text: FIDO_RULE },
      });
      assert.equal(rule.status, 201);
      const flip = await t.request('PATCH', `/v1/policies/${policy.id}/rules/${rule.body.id}`, {
        headers: admin(acme),
        json: { policy_text: FIDO_RULE.replace('forbid', 'permit') },
      });
      assert.equal(flip.status, 400);
      assert.equal(flip.body.details.errors[0].rule_id, rule.body.id);
      const after = await stored(acme.id);
      assert.equal(after.rules, before.rules + 1);
      assert.equal(
        (await t.request('GET', `/v1/policies/${policy.id}/rules/${rule.body.id}`, { headers: admin(acme) })).body
          .policy_text,
        FIDO_RULE,
      );
    });

    it('structured rules are assembled; notice, text and position can be changed; rules can be deleted', async () => {
      const policy = await createPolicy(acme, { name: 'Structured', enabled: true });
      const created = await t.request('POST', `/v1/policies/${policy.id}/rules`, {
        headers: admin(acme),
        json: {
          effect: 'forbid',
          principal: { is: 'User' },
          action: ['complete_enrollment', 'verify_factor'],
          resource: { is: 'Authenticator' },
          conditions: ['principal.roles.contains("admin")', 'resource.backed_up'],
          notice: 'Admins cannot use synced passkeys.',
        },
      });
      assert.equal(created.status, 201, created.text);
      const rule = created.body;
      assert.equal(rule.position, 0);
      assert.equal(rule.notice, 'Admins cannot use synced passkeys.');
      assert.equal(
        rule.policy_text,
        '@notice("Admins cannot use synced passkeys.")\nforbid (\n  principal is Tessera::User,\n  action in [Tessera::Action::"complete_enrollment", Tessera::Action::"verify_factor"],\n  resource is Tessera::Authenticator\n)\nwhen { (principal.roles.contains("admin")) && (resource.backed_up) };',
      );
      const second = await t.request('POST', `/v1/policies/${policy.id}/rules`, {
        headers: admin(acme),
        json: { policy_text: FIDO_RULE, notice: 'No keys.' },
      });
      assert.equal(second.body.position, 1);
      assert.equal(second.body.notice, 'No keys.');

      const renotice = await t.request('PATCH', `/v1/policies/${policy.id}/rules/${rule.id}`, {
        headers: admin(acme),
        json: { notice: 'Use a device-bound key.' },
      });
      assert.equal(renotice.status, 200, renotice.text);
      assert.equal(renotice.body.notice, 'Use a device-bound key.');
      assert.match(renotice.body.policy_text, /^@notice\("Use a device-bound key\."\)/);
      assert.ok(renotice.body.updated_at >= rule.updated_at);

      const moved = await t.request('PATCH', `/v1/policies/${policy.id}/rules/${second.body.id}`, {
        headers: admin(acme),
        json: { position: 0 },
      });
      assert.equal(moved.body.position, 0);
      assert.equal(moved.body.policy_text, FIDO_RULE);

      const tooLong = await t.request('POST', `/v1/policies/${policy.id}/rules`, {
        headers: admin(acme),
        json: { policy_text: FIDO_RULE, notice: 'x'.repeat(501) },
      });
      assert.equal(tooLong.status, 400);
      assert.equal(tooLong.body.code, 'validation_failed');
      const both = await t.request('POST', `/v1/policies/${policy.id}/rules`, {
        headers: admin(acme),
        json: { policy_text: FIDO_RULE, effect: 'forbid' },
      });
      assert.equal(both.status, 400);
      assert.equal(both.body.code, 'validation_failed');
      const badAction = await t.request('POST', `/v1/policies/${policy.id}/rules`, {
        headers: admin(acme),
        json: { effect: 'forbid', action: ['fly'] },
      });
      assert.equal(badAction.status, 400);
      assert.equal(badAction.body.details.fields[0].field, 'action');

      const del = await t.request('DELETE', `/v1/policies/${policy.id}/rules/${rule.id}`, { headers: admin(acme) });
      assert.equal(del.status, 204);
      assert.equal(
        (await t.request('GET', `/v1/policies/${policy.id}/rules/${rule.id}`, { headers: admin(acme) })).status,
        404,
      );
      const rest = await t.request('GET', `/v1/policies/${policy.id}/rules`, { headers: admin(acme) });
      assert.deepEqual(
        rest.body.data.map((r: { id: string }) => r.id),
        [second.body.id],
      );
    });

    it('PATCH and DELETE a policy; every change is audited and bumps the policy version', async () => {
      const start = await stored(acme.id);
      const policy = await createPolicy(acme, { name: 'Lifecycle', enabled: false, cedar_policy_set: FIDO_RULE });
      const patched = await t.request('PATCH', `/v1/policies/${policy.id}`, {
        headers: admin(acme),
        json: { name: 'Renamed', description: null, cedar_policy_set: `${TOTP_RULE}\n${FIDO_RULE}` },
      });
      assert.equal(patched.status, 200, patched.text);
      assert.equal(patched.body.name, 'Renamed');
      assert.equal(patched.body.enabled, false);
      assert.equal(patched.body.rules.length, 2);
      assert.ok(
        !patched.body.rules.some((r: { id: string }) => r.id === policy.rules[0].id),
        'the rules were replaced',
      );
      const rule = await t.request('POST', `/v1/policies/${policy.id}/rules`, {
        headers: admin(acme),
        json: { policy_text: FIDO_RULE },
      });
      const ruleUpdate = await t.request('PATCH', `/v1/policies/${policy.id}/rules/${rule.body.id}`, {
        headers: admin(acme),
        json: { notice: 'n' },
      });
      assert.equal(ruleUpdate.status, 200);
      assert.equal(
        (await t.request('DELETE', `/v1/policies/${policy.id}/rules/${rule.body.id}`, { headers: admin(acme) })).status,
        204,
      );
      const del = await t.request('DELETE', `/v1/policies/${policy.id}`, { headers: admin(acme) });
      assert.equal(del.status, 204);
      assert.equal((await t.request('GET', `/v1/policies/${policy.id}`, { headers: admin(acme) })).status, 404);
      assert.equal((await t.request('DELETE', `/v1/policies/${policy.id}`, { headers: admin(acme) })).status, 404);

      const end = await stored(acme.id);
      assert.equal(end.version, start.version + 6, 'six changes, six versions');
      assert.equal(end.rules, start.rules, 'the policy took its rules with it');
      const log = await t.request(
        'GET',
        `/v1/audit-log?limit=100&from=${encodeURIComponent(new Date(Date.now() - 60_000).toISOString())}`,
        { headers: admin(acme) },
      );
      const mine = log.body.data.filter(
        (e: { resource_id: string; metadata: { policy_id?: string } }) =>
          e.resource_id === policy.id || e.metadata.policy_id === policy.id,
      );
      assert.ok(
        mine.every((e: { action: string }) => e.action === 'policy.changed'),
        'one event type for every change',
      );
      assert.deepEqual(mine.map((e: { metadata: { change: string } }) => e.metadata.change).reverse(), [
        'policy_created',
        'policy_updated',
        'rule_created',
        'rule_updated',
        'rule_deleted',
        'policy_deleted',
      ]);
      for (const e of mine) {
        assert.equal(e.actor_type, 'api_key');
        assert.ok(!JSON.stringify(e).includes(acme.apiKey), 'never the key');
      }
      assert.deepEqual(
        mine.find((e: { metadata: { change: string } }) => e.metadata.change === 'policy_deleted').metadata.rule_ids,
        patched.body.rules.map((r: { id: string }) => r.id),
      );
    });

    it("another tenant's policies and rules are 404, and untouched", async () => {
      const policy = await createPolicy(acme, { name: 'Private', enabled: true, cedar_policy_set: TOTP_RULE });
      const ruleId = policy.rules[0].id;
      const g = admin(globex);
      const attempts = await Promise.all([
        t.request('GET', `/v1/policies/${policy.id}`, { headers: g }),
        t.request('PATCH', `/v1/policies/${policy.id}`, { headers: g, json: { enabled: false } }),
        t.request('DELETE', `/v1/policies/${policy.id}`, { headers: g }),
        t.request('GET', `/v1/policies/${policy.id}/rules`, { headers: g }),
        t.request('POST', `/v1/policies/${policy.id}/rules`, { headers: g, json: { policy_text: FIDO_RULE } }),
        t.request('GET', `/v1/policies/${policy.id}/rules/${ruleId}`, { headers: g }),
        t.request('PATCH', `/v1/policies/${policy.id}/rules/${ruleId}`, { headers: g, json: { notice: 'mine now' } }),
        t.request('DELETE', `/v1/policies/${policy.id}/rules/${ruleId}`, { headers: g }),
      ]);
      for (const res of attempts) {
        assert.equal(res.status, 404, res.text);
        assert.equal(res.body.code, 'not_found');
      }
      const list = await t.request('GET', '/v1/policies?limit=100', { headers: g });
      assert.ok(!list.text.includes(policy.id) && !list.text.includes('No authenticator apps.'));
      const still = await t.request('GET', `/v1/policies/${policy.id}`, { headers: admin(acme) });
      assert.deepEqual(still.body, policy);
      // A rule id under the wrong policy of the right tenant is not found either.
      const other = await createPolicy(acme, { name: 'Other', enabled: true });
      assert.equal(
        (await t.request('GET', `/v1/policies/${other.id}/rules/${ruleId}`, { headers: admin(acme) })).status,
        404,
      );
      assert.equal((await t.request('GET', '/v1/policies/not-a-uuid', { headers: admin(acme) })).status, 400);
    });

    it('lists policies with cursor pagination: each once, oldest first', async () => {
      const tenant = await t.createTenant({ name: 'Paged' });
      const ids: string[] = [];
      for (let i = 0; i < 5; i++)
        ids.push(
          (
            await createPolicy(tenant, {
              name: `P${i}`,
              enabled: i % 2 === 0,
              cedar_policy_set: i === 2 ? TOTP_RULE : undefined,
            })
          ).id,
        );
      const seen: string[] = [];
      const pages: { has_more: boolean; n: number }[] = [];
      let cursor: string | null = null;
      do {
        const res = await t.request('GET', `/v1/policies?limit=2${cursor ? `&cursor=${cursor}` : ''}`, {
          headers: admin(tenant),
        });
        assert.equal(res.status, 200, res.text);
        seen.push(...res.body.data.map((x: { id: string }) => x.id));
        pages.push({ has_more: res.body.has_more, n: res.body.data.length });
        cursor = res.body.next_cursor;
        assert.equal(cursor === null, !res.body.has_more);
      } while (cursor);
      assert.deepEqual(seen, [...ids].sort());
      assert.deepEqual(new Set(seen), new Set(ids));
      assert.deepEqual(pages, [
        { has_more: true, n: 2 },
        { has_more: true, n: 2 },
        { has_more: false, n: 1 },
      ]);
      const all = await t.request('GET', '/v1/policies', { headers: admin(tenant) });
      assert.equal(all.body.data.length, 5);
      assert.equal(
        all.body.data.find((x: { id: string }) => x.id === ids[2]).rules[0].notice,
        'No authenticator apps.',
      );

      for (const q of ['limit=0', 'limit=101', 'limit=abc', 'cursor=bogus', `cursor=${ids[0]}`]) {
        const res = await t.request('GET', `/v1/policies?${q}`, { headers: admin(tenant) });
        assert.equal(res.status, 400, q);
        assert.equal(res.body.code, 'validation_failed');
      }
    });

    it('simulate: allow, deny with notices, default deny, draft rules; no side effects', async () => {
      const tenant = await t.createTenant({ name: 'Sim' });
      const policy = await createPolicy(tenant, { name: 'TOTP', enabled: true, cedar_policy_set: TOTP_RULE });
      const before = await stored(tenant.id);
      const userCtx = (method: string) => ({
        method_type: method,
        amr: ['pwd'],
        auth_age_seconds: 30,
        factor_count: 0,
        has_mfa: false,
        ip: '203.0.113.1',
        tenant_requires_mfa: false,
        step_up_via: 'none',
        step_up_age_seconds: 0,
        step_up_amr: [],
        step_up_max_age_seconds: 300,
      });
      const sim = (json: Record<string, unknown>) =>
        t.request('POST', '/v1/policies/simulate', { headers: admin(tenant), json });
      const beginAs = (method: string, rules?: string[]) =>
        sim({
          principal: { type: 'User', id: 'alice', attrs: { roles: [] } },
          action: 'begin_enrollment',
          resource: { type: 'Tenant', id: tenant.id },
          context: userCtx(method),
          ...(rules ? { rules } : {}),
        });

      const allow = await beginAs('webauthn_passkey');
      assert.equal(allow.status, 200, allow.text);
      assert.deepEqual(allow.body, {
        decision: 'allow',
        determining_policies: ['baseline.user_begin_enrollment'],
        notices: [],
        errors: [],
        context: userCtx('webauthn_passkey'),
      });

      const deny = await beginAs('totp');
      assert.deepEqual(deny.body, {
        decision: 'deny',
        determining_policies: [policy.rules[0].id],
        notices: ['No authenticator apps.'],
        errors: [],
        context: userCtx('totp'),
      });

      // Nothing permits a user to rename someone else's factor: a default deny.
      const defaultDeny = await sim({
        principal: { type: 'User', id: 'alice', attrs: { roles: [] } },
        action: 'rename_factor',
        resource: { type: 'Factor', id: 'f1', attrs: { owner: { type: 'User', id: 'bob' }, method_type: 'totp' } },
        context: userCtx('totp'),
      });
      assert.deepEqual(defaultDeny.body, {
        decision: 'deny',
        determining_policies: [],
        notices: [],
        errors: [],
        context: userCtx('totp'),
      });

      const draft = await beginAs('webauthn_fido', [
        '@notice("Draft: no keys.") forbid (principal, action == Tessera::Action::"begin_enrollment", resource) when { context.method_type == "webauthn_fido" };',
      ]);
      assert.deepEqual(
        { ...draft.body, context: undefined },
        {
          decision: 'deny',
          determining_policies: ['rules[0]'],
          notices: ['Draft: no keys.'],
          errors: [],
          context: undefined,
        },
      );
      assert.equal((await beginAs('webauthn_fido')).body.decision, 'allow', 'the draft was not kept');

      const malformed = await sim({
        principal: { type: 'User', id: 'alice' },
        action: 'begin_enrollment',
        resource: { type: 'Tenant', id: tenant.id },
        context: { method_type: 'totp' },
      });
      assert.equal(malformed.status, 200);
      assert.equal(malformed.body.decision, 'deny');
      assert.ok(malformed.body.errors.length > 0, 'a request that does not match the schema is an error, and denies');

      const bad = await Promise.all([
        sim({
          principal: { type: 'User', id: 'alice' },
          action: 'fly',
          resource: { type: 'Tenant', id: tenant.id },
          context: {},
        }),
        sim({
          principal: { type: 'Tenant', id: 'alice' },
          action: 'begin_enrollment',
          resource: { type: 'Tenant', id: tenant.id },
          context: {},
        }),
        sim({
          principal: { type: 'User', id: 'alice' },
          action: 'begin_enrollment',
          resource: { type: 'Tenant', id: acme.id },
          context: {},
        }),
        sim({
          principal: { type: 'User', id: 'alice' },
          action: 'begin_enrollment',
          resource: { type: 'Tenant', id: tenant.id },
        }),
      ]);
      for (const res of bad) {
        assert.equal(res.status, 400, res.text);
        assert.equal(res.body.code, 'validation_failed');
      }
      const badDraft = await beginAs('totp', [
        'permit (principal, action, resource);',
        'forbid (principal, action, resource) when { context.nope };',
      ]);
      assert.equal(badDraft.status, 400);
      assert.equal(badDraft.body.code, 'policy_invalid');
      assert.deepEqual([...new Set(badDraft.body.details.errors.map((e: { rule_id: string }) => e.rule_id))].sort(), [
        'rules[0]',
        'rules[1]',
      ]);

      assert.deepEqual(await stored(tenant.id), before, 'simulation changes nothing, not even the audit log');
    });

    it('refuses a change that would lock the calling key out of policy administration', async () => {
      const tenant = await t.createTenant({ name: 'Careful' });
      const before = await stored(tenant.id);
      const res = await t.request('POST', '/v1/policies', {
        headers: admin(tenant),
        json: {
          name: 'Oops',
          enabled: true,
          cedar_policy_set: '@notice("Closed.") forbid (principal, action, resource);',
        },
      });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.code, 'policy_invalid');
      assert.match(res.body.message, /manage_policies/);
      assert.equal(res.body.details.determining_policies.length, 1);
      assert.deepEqual(await stored(tenant.id), before);
      // Restricting other actions with the same shape is fine.
      const ok = await t.request('POST', '/v1/policies', {
        headers: admin(tenant),
        json: {
          name: 'Users only',
          enabled: true,
          cedar_policy_set:
            'forbid (principal is Tessera::User, action, resource) when { principal.roles.contains("banned") };',
        },
      });
      assert.equal(ok.status, 201, ok.text);
    });

    it('documents every policy route and its errors in the OpenAPI document', async () => {
      const doc = (await t.request('GET', '/openapi.json')).body;
      const expected: [string, string, string[]][] = [
        ['/v1/policies', 'post', ['201', '400', '401', '403']],
        ['/v1/policies', 'get', ['200', '400', '401', '403']],
        ['/v1/policies/simulate', 'post', ['200', '400', '401', '403']],
        ['/v1/policies/{id}', 'get', ['200', '400', '403', '404']],
        ['/v1/policies/{id}', 'patch', ['200', '400', '403', '404']],
        ['/v1/policies/{id}', 'delete', ['204', '403', '404']],
        ['/v1/policies/{id}/rules', 'post', ['201', '400', '403', '404']],
        ['/v1/policies/{id}/rules', 'get', ['200', '403', '404']],
        ['/v1/policies/{id}/rules/{rule_id}', 'get', ['200', '403', '404']],
        ['/v1/policies/{id}/rules/{rule_id}', 'patch', ['200', '400', '403', '404']],
        ['/v1/policies/{id}/rules/{rule_id}', 'delete', ['204', '403', '404']],
      ];
      for (const [path, method, statuses] of expected) {
        const op = doc.paths[path]?.[method];
        assert.ok(op, `${method} ${path}`);
        for (const s of statuses) assert.ok(op.responses[s], `${method} ${path} documents ${s}`);
        assert.ok(
          op.parameters.some((x: { name: string; in: string }) => x.name === 'X-Tenant-ID' && x.in === 'header'),
        );
      }
      assert.match(doc.paths['/v1/policies'].post.description, /only restrict/);
    });
  });
}
