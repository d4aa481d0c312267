import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '#errors';
import { PolicyEngine } from './policy.engine.js';
import type { PolicyAction, PolicyEntity, PolicyRequest, RuleSource } from './engine.types.js';
import { samplePasskeyAttributes, sampleUserContext } from '../../../../test/support/policy-requests.js';

const A = 'tenant-a';
const B = 'tenant-b';

const engine = PolicyEngine.create();

function user(tenantId: string, id = 'u1', roles: string[] = []): PolicyEntity<'User'> {
  return { type: 'User', id, tenantId, attrs: { roles } };
}

function authenticator(tenantId: string, attrs: Record<string, string | boolean | string[]> = {}): PolicyEntity {
  return { type: 'Authenticator', id: 'cred-1', tenantId, attrs: { ...samplePasskeyAttributes(), ...attrs } };
}

function factor(tenantId: string, ownerId: string): PolicyEntity {
  return { type: 'Factor', id: 'f1', tenantId, attrs: { owner: { type: 'User', id: ownerId }, method_type: 'totp' } };
}

const context = sampleUserContext;

function enroll(tenantId: string, authAttrs = {}, ctx = {}, roles: string[] = []): PolicyRequest {
  return {
    principal: user(tenantId, 'u1', roles),
    action: 'complete_enrollment',
    resource: authenticator(tenantId, authAttrs),
    context: context(ctx),
  };
}

function onFactor(action: PolicyAction, ownerId: string, ctx = {}): PolicyRequest {
  return { principal: user(A), action, resource: factor(A, ownerId), context: context(ctx) };
}

const NOTICE = {
  max: engine.baselineRules().find((r) => r.id === 'baseline.max_authenticators')!.notice!,
  uv: engine.baselineRules().find((r) => r.id === 'baseline.passkey_user_verification')!.notice!,
  recent: engine.baselineRules().find((r) => r.id === 'baseline.recent_sign_in_to_add_factor')!.notice!,
  stepUp: engine.baselineRules().find((r) => r.id === 'baseline.step_up_to_change_factors')!.notice!,
  last: engine.baselineRules().find((r) => r.id === 'baseline.keep_last_factor')!.notice!,
};

const noSecurityKeys: RuleSource = {
  id: 'rule-no-keys',
  text: `@notice("Security keys are not allowed here.")
forbid (principal, action == Tessera::Action::"complete_enrollment", resource is Tessera::Authenticator)
when { resource.method_type == "webauthn_fido" };`,
};

const noPasskeys: RuleSource = {
  id: 'rule-no-passkeys',
  text: `forbid (principal, action == Tessera::Action::"complete_enrollment", resource is Tessera::Authenticator)
when { resource.method_type == "webauthn_passkey" };`,
  notice: 'Passkeys are not allowed.',
};

function counting(rules: readonly RuleSource[]) {
  const loader = async () => {
    loader.calls++;
    await new Promise((r) => setImmediate(r));
    return rules;
  };
  loader.calls = 0;
  return loader;
}

describe('PolicyEngine decisions', () => {
  const cases: {
    name: string;
    rules?: RuleSource[];
    request: PolicyRequest;
    allowed: boolean;
    determining: { id: string; source: 'baseline' | 'tenant'; notice?: string }[];
    errors?: RegExp;
  }[] = [
    {
      name: 'permit: own tenant passkey with user verification',
      request: enroll(A),
      allowed: true,
      determining: [{ id: 'baseline.user_use_authenticator', source: 'baseline' }],
    },
    {
      name: 'permit: begin enrollment in own tenant',
      request: {
        principal: user(A),
        action: 'begin_enrollment',
        resource: { type: 'Tenant', id: A, tenantId: A, attrs: {} },
        context: context(),
      },
      allowed: true,
      determining: [{ id: 'baseline.user_begin_enrollment', source: 'baseline' }],
    },
    {
      name: 'permit: rename own factor',
      request: onFactor('rename_factor', 'u1'),
      allowed: true,
      determining: [{ id: 'baseline.user_own_factor', source: 'baseline' }],
    },
    {
      name: 'permit: API key manages its own tenant policies',
      request: {
        principal: { type: 'ApiKey', id: 'k1', tenantId: A, attrs: { scopes: ['policies'] } },
        action: 'manage_policies',
        resource: { type: 'Tenant', id: A, tenantId: A, attrs: {} },
        context: { ip: '198.51.100.1' },
      },
      allowed: true,
      determining: [{ id: 'baseline.api_key_admin', source: 'baseline' }],
    },
    {
      name: 'forbid with notice: passkey without user verification',
      request: enroll(A, { user_verified: false }),
      allowed: false,
      determining: [{ id: 'baseline.passkey_user_verification', source: 'baseline', notice: NOTICE.uv }],
    },
    {
      name: 'forbid with notice: removing the last factor when MFA is required',
      request: onFactor('remove_factor', 'u1', { factor_count: 1 }),
      allowed: false,
      determining: [{ id: 'baseline.keep_last_factor', source: 'baseline', notice: NOTICE.last }],
    },
    {
      name: 'permit: removing the last factor when MFA is not required',
      request: onFactor('remove_factor', 'u1', { factor_count: 1, tenant_requires_mfa: false }),
      allowed: true,
      determining: [{ id: 'baseline.user_own_factor', source: 'baseline' }],
    },
    {
      name: "default deny without notices: another user's factor",
      request: onFactor('remove_factor', 'someone-else', { factor_count: 3 }),
      allowed: false,
      determining: [],
    },
    {
      name: 'request the schema does not allow (API key on a user action) denies with errors',
      request: {
        principal: { type: 'ApiKey', id: 'k1', tenantId: A, attrs: { scopes: [] } },
        action: 'begin_enrollment',
        resource: { type: 'Tenant', id: A, tenantId: A, attrs: {} },
        context: context(),
      },
      allowed: false,
      determining: [],
      errors: /./,
    },
    {
      name: 'several forbids: all notices, baseline file order',
      request: enroll(
        A,
        { user_verified: false },
        { factor_count: 10, auth_age_seconds: 3600, step_up_via: 'none', step_up_age_seconds: 0, step_up_amr: [] },
      ),
      allowed: false,
      determining: [
        { id: 'baseline.max_authenticators', source: 'baseline', notice: NOTICE.max },
        { id: 'baseline.passkey_user_verification', source: 'baseline', notice: NOTICE.uv },
        { id: 'baseline.step_up_to_change_factors', source: 'baseline', notice: NOTICE.stepUp },
      ],
    },
    {
      name: 'step-up: a proof older than the tenant allows is no proof',
      request: enroll(A, {}, { step_up_via: 'idp', step_up_age_seconds: 301, step_up_amr: ['mfa'] }),
      allowed: false,
      determining: [{ id: 'baseline.step_up_to_change_factors', source: 'baseline', notice: NOTICE.stepUp }],
    },
    {
      name: 'step-up: a proof within the tenant max age permits',
      request: enroll(
        A,
        {},
        { step_up_via: 'idp', step_up_age_seconds: 600, step_up_amr: ['mfa'], step_up_max_age_seconds: 900 },
      ),
      allowed: true,
      determining: [{ id: 'baseline.user_use_authenticator', source: 'baseline' }],
    },
    {
      name: 'first enrollment: no step-up, but a sign-in within 15 minutes',
      request: enroll(
        A,
        {},
        {
          factor_count: 0,
          has_mfa: false,
          auth_age_seconds: 900,
          step_up_via: 'none',
          step_up_age_seconds: 0,
          step_up_amr: [],
        },
      ),
      allowed: false,
      determining: [{ id: 'baseline.recent_sign_in_to_add_factor', source: 'baseline', notice: NOTICE.recent }],
    },
    {
      name: 'baseline forbid first, then tenant forbids in given order',
      rules: [
        noPasskeys,
        {
          id: 'rule-2',
          text: 'forbid (principal, action, resource is Tessera::Authenticator) when { !resource.user_verified };',
          notice: 'Second.',
        },
      ],
      request: enroll(A, { user_verified: false }),
      allowed: false,
      determining: [
        { id: 'baseline.passkey_user_verification', source: 'baseline', notice: NOTICE.uv },
        { id: 'rule-no-passkeys', source: 'tenant', notice: 'Passkeys are not allowed.' },
        { id: 'rule-2', source: 'tenant', notice: 'Second.' },
      ],
    },
    {
      name: 'tenant forbid with notice from its @notice annotation',
      rules: [noSecurityKeys],
      request: enroll(A, { method_type: 'webauthn_fido' }),
      allowed: false,
      determining: [{ id: 'rule-no-keys', source: 'tenant', notice: 'Security keys are not allowed here.' }],
    },
    {
      name: 'evaluation error in a forbid (absent optional attribute) denies',
      rules: [
        {
          id: 'rule-cert',
          text: 'forbid (principal, action, resource is Tessera::Authenticator) when { resource.certification_level != "FIDO_CERTIFIED_L2" };',
          notice: 'Certified keys only.',
        },
      ],
      request: enroll(A),
      allowed: false,
      determining: [],
      errors: /^rule-cert: /,
    },
    {
      name: 'evaluation error (integer overflow) in a forbid denies',
      rules: [
        {
          id: 'rule-overflow',
          text: 'forbid (principal, action, resource) when { context.auth_age_seconds * 4611686018427387904 < 0 };',
        },
      ],
      request: enroll(A),
      allowed: false,
      determining: [],
      errors: /^rule-overflow: .*overflow/,
    },
    {
      name: 'invalid context (missing field) denies',
      request: { ...enroll(A), context: { method_type: 'webauthn_passkey' } },
      allowed: false,
      determining: [],
      errors: /./,
    },
    {
      name: 'resource of another tenant denies before Cedar',
      request: { ...enroll(A), resource: authenticator(B) },
      allowed: false,
      determining: [],
      errors: /another tenant/,
    },
  ];

  it('determining rules carry their notice translations (the baseline ships German)', async () => {
    const decision = await engine.authorize(
      A,
      1,
      () => [
        {
          id: 't1',
          text: '@notice("No.") @notice_de("Nein.") @notice_fr("Non.") forbid (principal, action, resource);',
        },
      ],
      {
        ...enroll(A),
      },
    );
    engine.invalidate(A);
    const tenantRule = decision.determining.find((r) => r.id === 't1');
    assert.deepEqual(tenantRule, {
      id: 't1',
      source: 'tenant',
      notice: 'No.',
      noticeTranslations: { de: 'Nein.', fr: 'Non.' },
    });
    const withNotices = engine.baselineRules().filter((r) => r.notice);
    assert.ok(withNotices.length >= 4);
    for (const rule of withNotices)
      assert.ok((rule.noticeTranslations?.['de']?.length ?? 0) > 20, `${rule.id} has a German notice`);
  });

  for (const c of cases) {
    it(c.name, async () => {
      const decision = await engine.authorize(A, 1, () => c.rules ?? [], c.request);
      engine.invalidate(A);
      assert.equal(decision.allowed, c.allowed, JSON.stringify(decision));
      // Translations are checked on their own below.
      assert.deepEqual(
        decision.determining.map(({ noticeTranslations: _, ...rule }) => rule),
        c.determining,
      );
      if (c.errors)
        assert.ok(
          decision.errors.length > 0 && decision.errors.every((e) => c.errors!.test(e)),
          JSON.stringify(decision.errors),
        );
      else assert.deepEqual(decision.errors, []);
    });
  }

  it('orders determining rules stably across repeated evaluations', async () => {
    const request = enroll(
      A,
      { user_verified: false },
      { factor_count: 12, auth_age_seconds: 5000, step_up_via: 'none', step_up_age_seconds: 0, step_up_amr: [] },
    );
    const rules = [
      noPasskeys,
      { id: 'r2', text: 'forbid (principal, action, resource) when { context.factor_count > 5 };' },
    ];
    const first = await engine.authorize(A, 7, () => rules, request);
    assert.equal(first.determining.length, 5);
    for (let i = 0; i < 50; i++) {
      const d = await engine.authorize(A, 7, () => rules, request);
      assert.deepEqual(
        d.determining.map((r) => r.id),
        first.determining.map((r) => r.id),
      );
    }
    assert.deepEqual(
      first.determining.map((r) => r.id),
      [
        'baseline.max_authenticators',
        'baseline.passkey_user_verification',
        'baseline.step_up_to_change_factors',
        'rule-no-passkeys',
        'r2',
      ],
    );
    engine.invalidate(A);
  });
});

describe('PolicyEngine tenant cache', () => {
  it('isolates tenants: a rule of tenant A never applies to tenant B', async () => {
    const e = PolicyEngine.create();
    const a = await e.authorize(A, 1, () => [noPasskeys], enroll(A));
    const b = await e.authorize(B, 1, () => [], enroll(B));
    const a2 = await e.authorize(A, 1, () => [], enroll(A));
    assert.equal(a.allowed, false);
    assert.equal(b.allowed, true);
    assert.equal(a2.allowed, false, 'A is served from its cached set, not the loader');
    // Same rule id in both tenants, different effect.
    const b2 = await e.authorize(B, 2, () => [{ ...noPasskeys, text: noSecurityKeys.text }], enroll(B));
    assert.equal(b2.allowed, true);
  });

  it('a newer version replaces the cached set; an older version uses the newer set', async () => {
    const e = PolicyEngine.create();
    const v1 = counting([]);
    const v2 = counting([noPasskeys]);
    assert.equal((await e.authorize(A, 1, v1, enroll(A))).allowed, true);
    assert.equal((await e.authorize(A, 1, v1, enroll(A))).allowed, true);
    assert.equal(v1.calls, 1);
    assert.equal((await e.authorize(A, 2, v2, enroll(A))).allowed, false);
    assert.equal(v2.calls, 1);
    assert.equal((await e.authorize(A, 1, v1, enroll(A))).allowed, false, 'stale caller gets the newer set');
    assert.equal(v1.calls, 1);
    assert.deepEqual(e.stats(), { tenants: 1, slots: 1, freeSlots: 0, loading: 0 });
  });

  it('evicts the least recently used tenant and reuses its preparsed slot', async () => {
    const e = PolicyEngine.create({ maxTenants: 2 });
    const loaders = { a: counting([noPasskeys]), b: counting([]), c: counting([]) };
    await e.authorize(A, 1, loaders.a, enroll(A));
    await e.authorize(B, 1, loaders.b, enroll(B));
    await e.authorize(A, 1, loaders.a, enroll(A)); // A is now most recent
    assert.equal((await e.authorize('tenant-c', 1, loaders.c, enroll('tenant-c'))).allowed, true);
    assert.deepEqual(e.cachedTenants(), [A, 'tenant-c']);
    assert.deepEqual(e.stats(), { tenants: 2, slots: 2, freeSlots: 0, loading: 0 });
    // B was evicted: reloaded, and still correct in the reused slot.
    assert.equal((await e.authorize(B, 1, loaders.b, enroll(B))).allowed, true);
    assert.equal(loaders.b.calls, 2);
    assert.equal(loaders.a.calls, 1);
    // A now evicted, and C's old slot carries B's set: A's forbid is still enforced on reload.
    assert.equal((await e.authorize(A, 1, loaders.a, enroll(A))).allowed, false);
    assert.equal(e.stats().slots, 2);
  });

  it('deduplicates concurrent loads of one tenant', async () => {
    const e = PolicyEngine.create();
    const loader = counting([noPasskeys]);
    const decisions = await Promise.all(Array.from({ length: 20 }, () => e.authorize(A, 3, loader, enroll(A))));
    assert.equal(loader.calls, 1);
    assert.ok(decisions.every((d) => !d.allowed && d.determining[0]?.id === 'rule-no-passkeys'));
  });

  it('stays correct when concurrent tenants evict each other during their loads', async () => {
    const e = PolicyEngine.create({ maxTenants: 1 });
    const tenants = ['t1', 't2', 't3', 't4'];
    const calls = tenants.flatMap((t, i) =>
      Array.from({ length: 5 }, () => e.authorize(t, 1, counting(i % 2 === 0 ? [noPasskeys] : []), enroll(t))),
    );
    const decisions = await Promise.all(calls);
    decisions.forEach((d, k) => assert.equal(d.allowed, Math.floor(k / 5) % 2 === 1, `call ${k}`));
    assert.equal(e.stats().slots, 1);
  });

  it('a failing loader throws service_unavailable and the next call retries', async () => {
    const e = PolicyEngine.create();
    await assert.rejects(
      e.authorize(A, 1, () => Promise.reject(new Error('db down')), enroll(A)),
      (err: unknown) => err instanceof ApiError && err.code === 'service_unavailable',
    );
    assert.equal((await e.authorize(A, 1, () => [], enroll(A))).allowed, true);
  });

  it('a stored rule that does not parse denies every request of that tenant, naming the rule', async () => {
    const e = PolicyEngine.create();
    const d = await e.authorize(A, 1, () => [{ id: 'broken', text: 'permit (principal, action, resource' }], enroll(A));
    assert.equal(d.allowed, false);
    assert.match(d.errors.join('\n'), /broken/);
    assert.equal((await e.authorize(B, 1, () => [], enroll(B))).allowed, true);
  });

  it('simulate evaluates a draft rule set without caching it', () => {
    const e = PolicyEngine.create();
    const d = e.simulate([noPasskeys], enroll(A));
    assert.deepEqual(d.determining, [
      { id: 'rule-no-passkeys', source: 'tenant', notice: 'Passkeys are not allowed.' },
    ]);
    assert.equal(e.simulate([], enroll(A)).allowed, true);
    assert.equal(e.stats().tenants, 0);
  });

  it('sends the owner as a related entity when a rule reads it', async () => {
    const rule: RuleSource = {
      id: 'protect-admins',
      text: 'forbid (principal is Tessera::ApiKey, action == Tessera::Action::"manage_user_factors", resource is Tessera::Factor) when { resource.owner.roles.contains("admin") };',
      notice: 'Admins reset their own factors.',
    };
    const request: PolicyRequest = {
      principal: { type: 'ApiKey', id: 'k1', tenantId: A, attrs: { scopes: [] } },
      action: 'manage_user_factors',
      resource: factor(A, 'boss'),
      context: { ip: '198.51.100.1' },
    };
    const e = PolicyEngine.create();
    // Without the owner entity the rule errors, which denies.
    const missing = await e.authorize(A, 1, () => [rule], request);
    assert.equal(missing.allowed, false);
    assert.ok(missing.errors.length > 0);
    const admin = await e.authorize(A, 1, () => [rule], { ...request, related: [user(A, 'boss', ['admin'])] });
    assert.deepEqual(admin.determining, [
      { id: 'protect-admins', source: 'tenant', notice: 'Admins reset their own factors.' },
    ]);
    const plain = await e.authorize(A, 1, () => [rule], { ...request, related: [user(A, 'boss', [])] });
    assert.equal(plain.allowed, true);
  });
});
