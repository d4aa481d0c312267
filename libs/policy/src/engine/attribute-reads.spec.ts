import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  preparsePolicySet,
  statefulIsAuthorized,
  type StatefulAuthorizationCall,
} from '@cedar-policy/cedar-wasm/nodejs';
import { PolicyReads, withoutUnreadAttributes } from './attribute-reads.js';
import { buildCall } from './cedar-request.builder.js';
import type { PolicyAction, PolicyEntity, PolicyRequest, RuleSource } from './engine.types.js';
import { PolicyEngine } from './policy.engine.js';
import { loadPolicyFiles } from './policy-files.loader.js';
import { DecisionTally, samplePasskeyAttributes, sampleUserContext } from '../../../../test/support/policy-requests.js';

const T = 'tenant-a';

function readsOf(...texts: string[]) {
  const reads = PolicyReads.of(texts);
  assert.ok(reads, 'the rules can be read');
  return reads;
}

const names = (reads: { names: ReadonlySet<string> }) => [...reads.names].sort();

describe('attribute reads', () => {
  it('names under `.`, `["…"]` and `has` (with a path), and nothing a tag or a literal holds', () => {
    const reads = readsOf(
      `forbid (principal, action, resource) when {
        principal.roles.contains("x") && resource["odd name"] == 1 && context has a.b &&
        principal.getTag("tagged") == 1 && context.ip like "10.*" && {"literal": 1} == {"literal": 1} };`,
    );
    assert.deepEqual(names(reads.forAction('verify_factor')), ['a', 'b', 'ip', 'odd name', 'roles']);
    assert.equal(reads.forAction('verify_factor').wholeContext, false);
  });

  it('a rule counts for the actions its scope names, or for all of them; `unless` reads too', () => {
    const reads = readsOf(
      'forbid (principal, action == Tessera::Action::"verify_factor", resource) when { context.factor_count > 1 };',
      'forbid (principal, action in [Tessera::Action::"rename_factor", Tessera::Action::"remove_factor"], resource) when { resource.owner == principal };',
      'forbid (principal, action, resource) unless { principal.tenant == principal.tenant };',
      'forbid (principal, action in Tessera::Action::"begin_enrollment", resource) when { context.has_mfa };',
    );
    assert.deepEqual(names(reads.forAction('verify_factor')), ['factor_count', 'tenant']);
    assert.deepEqual(names(reads.forAction('remove_factor')), ['owner', 'tenant']);
    assert.deepEqual(names(reads.forAction('begin_enrollment')), ['has_mfa', 'tenant']);
    assert.deepEqual(names(reads.forAction('manage_webhooks')), ['tenant']);
  });

  it('a rule of an action scope it cannot name applies to every action', () => {
    const reads = readsOf(
      'forbid (principal, action == Other::Action::"x", resource) when { context.factor_count > 1 };',
    );
    assert.deepEqual(names(reads.forAction('verify_factor')), ['factor_count']);
  });

  it('the context used other than to read an attribute of it is kept whole', () => {
    for (const body of [
      'context == {"ip": "10.0.0.1"}',
      '(if true then context else context).ip == "x"',
      '[context].contains({"ip": "x"})',
    ]) {
      const reads = readsOf(`forbid (principal, action, resource) when { ${body} };`);
      assert.equal(reads.forAction('verify_factor').wholeContext, true, body);
    }
    assert.equal(
      readsOf('forbid (principal, action, resource) when { context.a.b == 1 };').forAction('x').wholeContext,
      false,
    );
  });

  it('a set with a rule that does not parse is read as nothing left out', () => {
    assert.equal(
      PolicyReads.of(['forbid (principal, action, resource) when { context.a == 1 };', 'forbid (']),
      undefined,
    );
  });

  it('leaves out what the action reads not, keeping uids, parents and what it reads', () => {
    const request: PolicyRequest = {
      principal: { type: 'User', id: 'u1', tenantId: T, attrs: { roles: ['admin'] } },
      action: 'verify_factor',
      resource: { type: 'Authenticator', id: 'c1', tenantId: T, attrs: samplePasskeyAttributes() },
      context: sampleUserContext(),
    };
    const call = buildCall(request, 'slot', 'schema');
    const reads = readsOf(
      'forbid (principal, action == Tessera::Action::"verify_factor", resource) when { resource.aaguid == "x" && context.ip == "y" };',
      'forbid (principal, action == Tessera::Action::"rename_factor", resource) when { principal.roles.contains("z") };',
    );
    const lean = withoutUnreadAttributes(call, reads.forAction('verify_factor'));
    assert.deepEqual(lean.context, { ip: '203.0.113.9' });
    assert.deepEqual(
      lean.entities.map((e) => [e.uid, Object.keys(e.attrs), e.parents]),
      call.entities.map((e) => [e.uid, 'aaguid' in e.attrs ? ['aaguid'] : [], e.parents]),
    );
    assert.equal(lean.principal, call.principal);
    assert.deepEqual(Object.keys(call.context as object).length > 1, true, 'the call itself is unchanged');
  });

  it('left out, an attribute a rule reads would change the decision (what the equality below relies on)', () => {
    const slot = 'attribute-reads:spec';
    preparsePolicySet(slot, {
      staticPolicies: { p0: 'permit (principal, action, resource) when { context.factor_count > 0 };' },
    });
    const request: PolicyRequest = {
      principal: { type: 'User', id: 'u1', tenantId: T, attrs: { roles: [] } },
      action: 'verify_factor',
      resource: { type: 'Tenant', id: T, tenantId: T, attrs: {} },
      context: sampleUserContext(),
    };
    const call: StatefulAuthorizationCall = {
      ...buildCall(request, slot, 'unused'),
      preparsedSchemaName: undefined,
      validateRequest: false,
    };
    const decide = (c: StatefulAuthorizationCall) => {
      const answer = statefulIsAuthorized(c);
      assert.equal(answer.type, 'success');
      return answer.type === 'success' ? answer.response.decision : undefined;
    };
    assert.equal(
      decide(withoutUnreadAttributes(call, { names: new Set(['factor_count']), wholeContext: false })),
      'allow',
    );
    assert.equal(decide(withoutUnreadAttributes(call, { names: new Set(), wholeContext: false })), 'deny');
    preparsePolicySet(slot, { staticPolicies: {} });
  });

  describe('decisions are the same as with every attribute and the schema on every request', () => {
    const every = PolicyEngine.create({ schemaChecks: 'every-request' });
    const lean = PolicyEngine.create();
    // Tenant rules reading attributes the baseline does not, some absent from some requests.
    const rules: RuleSource[] = [
      {
        id: 'usb-keys-only',
        text: `forbid (principal, action == Tessera::Action::"verify_factor", resource is Tessera::Authenticator)
when { resource.method_type == "webauthn_fido" && !resource.transports.contains("usb") };`,
      },
      {
        id: 'certified',
        text: `forbid (principal, action == Tessera::Action::"complete_enrollment", resource is Tessera::Authenticator)
when { resource.method_type == "webauthn_fido" && !(resource has certification_level) };`,
      },
      {
        id: 'office-network',
        text: `forbid (principal, action in [Tessera::Action::"remove_factor", Tessera::Action::"rename_factor"], resource)
when { !(context.ip like "10.*") && principal.roles.contains("contractor") };`,
      },
      {
        id: 'hardware-step-up',
        text: `forbid (principal, action, resource is Tessera::BackupCodes)
when { context.step_up_via == "tessera" && !context.step_up_amr.contains("hwk") };`,
      },
      {
        id: 'synced-admins',
        text: `forbid (principal, action == Tessera::Action::"verify_factor", resource is Tessera::Authenticator)
when { principal.roles.contains("admin") && resource.backed_up && context.requested_acr.contains("phrh") };`,
      },
      {
        // A Factor has no certification_level: this rule errors on a TOTP factor, and the error denies.
        id: 'erring',
        text: `forbid (principal, action == Tessera::Action::"verify_factor", resource)
when { resource.method_type == "totp" && resource.certification_level == "none" };`,
      },
    ];
    const load = () => Promise.resolve(rules);
    const user = (id: string, roles: string[]): PolicyEntity<'User'> => ({
      type: 'User',
      id,
      tenantId: T,
      attrs: { roles },
    });
    const authenticator = (attrs: Record<string, unknown>): PolicyEntity => ({
      type: 'Authenticator',
      id: 'cred-1',
      tenantId: T,
      attrs: { ...samplePasskeyAttributes(), ...attrs } as never,
    });
    const resources: [PolicyAction[], PolicyEntity][] = [
      [['complete_enrollment', 'verify_factor'], authenticator({})],
      [['complete_enrollment', 'verify_factor'], authenticator({ user_verified: false, backed_up: true })],
      [['complete_enrollment', 'verify_factor'], authenticator({ method_type: 'webauthn_fido', transports: ['nfc'] })],
      [
        ['complete_enrollment', 'verify_factor'],
        authenticator({
          method_type: 'webauthn_fido',
          certification_level: 'FIDO_CERTIFIED_L1',
          model_status: 'REVOKED',
        }),
      ],
      [['begin_enrollment'], { type: 'Tenant', id: T, tenantId: T, attrs: {} }],
      [
        ['rename_factor', 'remove_factor', 'verify_factor'],
        { type: 'Factor', id: 'f1', tenantId: T, attrs: { owner: { type: 'User', id: 'u1' }, method_type: 'totp' } },
      ],
      [
        ['rename_factor', 'remove_factor'],
        { type: 'Factor', id: 'f2', tenantId: T, attrs: { owner: { type: 'User', id: 'u2' }, method_type: 'totp' } },
      ],
      [
        ['regenerate_backup_codes'],
        { type: 'BackupCodes', id: 'b1', tenantId: T, attrs: { owner: { type: 'User', id: 'u1' } } },
      ],
    ];
    const contexts = [
      {},
      { factor_count: 10 },
      { has_mfa: false, auth_age_seconds: 4000, factor_count: 0 },
      { step_up_via: 'none', step_up_age_seconds: 0, step_up_amr: [] },
      { step_up_age_seconds: 4000, ip: '10.1.2.3' },
      { step_up_amr: ['otp'], tenant_requires_mfa: false, factor_count: 1 },
    ];
    const principals = [user('u1', []), user('u1', ['admin', 'contractor'])];
    const corpus: PolicyRequest[] = [];
    for (const [actions, resource] of resources)
      for (const action of actions)
        for (const principal of principals)
          for (const ctx of contexts) {
            const extra = action === 'verify_factor' ? { requested_acr: ['phrh'] } : {};
            corpus.push({ principal, action, resource, context: sampleUserContext({ ...ctx, ...extra }) });
          }

    it('for every request of the corpus, asked twice', async () => {
      const tally = new DecisionTally();
      for (let pass = 0; pass < 2; pass++) {
        for (const [i, r] of corpus.entries()) {
          const expected = await every.authorize(T, 1, load, r);
          assert.deepEqual(await lean.authorize(T, 1, load, r), expected, `request ${i}, pass ${pass}`);
          if (pass === 0) tally.add(expected);
        }
      }
      const { seen } = tally;
      // The corpus decides both ways, by baseline and tenant rules, and with rule errors.
      assert.ok(
        seen.allowed > 10 && seen.denied > 10 && seen.byTenantRule > 5 && seen.errors > 5,
        JSON.stringify(seen),
      );
      assert.ok(lean.conformingShapeCount()! > 0, 'the lean engine evaluated without the schema');
    });

    it('a rule on the context as a whole sees all of it', async () => {
      const whole: RuleSource[] = [
        {
          id: 'whole-context',
          text: `forbid (principal, action == Tessera::Action::"verify_factor", resource)
when { context == ${JSON.stringify(sampleUserContext())} };`,
        },
      ];
      const loadWhole = () => Promise.resolve(whole);
      const request = corpus.find((r) => r.action === 'verify_factor' && r.resource.type === 'Authenticator')!;
      const exact = { ...request, context: sampleUserContext() };
      for (const r of [exact, exact, request, request]) {
        assert.deepEqual(await lean.authorize(T, 2, loadWhole, r), await every.authorize(T, 2, loadWhole, r));
      }
      assert.equal((await lean.authorize(T, 2, loadWhole, exact)).allowed, false);
    });
  });

  it('the baseline is read whole, per action', () => {
    const baseline = loadPolicyFiles().baseline.map((r) => r.text);
    const reads = PolicyReads.of(baseline);
    assert.ok(reads);
    // A sign-in's verify_factor reads none of the context and few attributes.
    const verify = reads.forAction('verify_factor');
    assert.equal(verify.wholeContext, false);
    assert.ok(verify.names.has('tenant') && verify.names.has('owner'), names(verify).join());
    assert.ok(!verify.names.has('transports') && !verify.names.has('ip'), names(verify).join());
    assert.ok(reads.forAction('complete_enrollment').names.has('factor_count'));
  });
});

describe("an action's rules", () => {
  const forbidVerify: RuleSource = {
    id: 'no-sign-in',
    text: 'forbid (principal, action == Tessera::Action::"verify_factor", resource) when { context.factor_count > 0 };',
  };
  const request = (tenantId: string): PolicyRequest => ({
    principal: { type: 'User', id: 'u1', tenantId, attrs: { roles: [] } },
    action: 'verify_factor',
    resource: { type: 'Authenticator', id: 'c1', tenantId, attrs: samplePasskeyAttributes() },
    context: sampleUserContext(),
  });
  const decide = async (engine: PolicyEngine, tenantId: string, version: number, rules: RuleSource[]) =>
    (await engine.authorize(tenantId, version, () => Promise.resolve(rules), request(tenantId))).allowed;

  it('follow a new version of the tenant', async () => {
    const engine = PolicyEngine.create();
    // Twice each: the second decision of a shape is the one asked of the action's rules alone.
    for (let i = 0; i < 2; i++) assert.equal(await decide(engine, 'a', 1, []), true);
    for (let i = 0; i < 2; i++) assert.equal(await decide(engine, 'a', 2, [forbidVerify]), false);
    for (let i = 0; i < 2; i++) assert.equal(await decide(engine, 'a', 3, []), true);
  });

  it('never serve another tenant that takes the slot', async () => {
    const engine = PolicyEngine.create({ maxTenants: 1 });
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 2; i++) assert.equal(await decide(engine, 'a', 1, [forbidVerify]), false);
      for (let i = 0; i < 2; i++) assert.equal(await decide(engine, 'b', 1, []), true);
    }
    assert.equal(engine.stats().slots, 1);
  });

  it('are shared by the tenants with the same, and emptied with the last of them', async () => {
    const engine = PolicyEngine.create();
    const twice = async (tenantId: string, rules: RuleSource[], allowed: boolean) => {
      for (let i = 0; i < 2; i++) assert.equal(await decide(engine, tenantId, 1, rules), allowed, tenantId);
    };
    await twice('a', [], true);
    await twice('b', [], true);
    await twice('c', [forbidVerify], false);
    // verify_factor: a and b share the baseline's subset, c has its own.
    assert.deepEqual(engine.actionSubsetStats(), { subsets: 2, subsetSlots: 2 });
    engine.invalidate('c');
    assert.deepEqual(engine.actionSubsetStats(), { subsets: 1, subsetSlots: 2 });
    engine.invalidate('a');
    assert.equal(engine.actionSubsetStats().subsets, 1, 'b still uses it');
    await twice('b', [], true);
    engine.invalidate('b');
    assert.deepEqual(engine.actionSubsetStats(), { subsets: 0, subsetSlots: 2 });
    // The emptied slots are taken again, and hold what the new users need.
    await twice('c', [forbidVerify], false);
    await twice('a', [], true);
    assert.deepEqual(engine.actionSubsetStats(), { subsets: 2, subsetSlots: 2 });
    // A new version of c releases its subset and takes the one of its new rules.
    for (let i = 0; i < 2; i++) assert.equal(await decide(engine, 'c', 2, []), true);
    assert.deepEqual(engine.actionSubsetStats(), { subsets: 1, subsetSlots: 2 });
  });

  it('are never more than the tenants kept; past that, the whole set decides', async () => {
    const engine = PolicyEngine.create({ maxTenants: 2 });
    const own = (i: number): RuleSource[] => [{ ...forbidVerify, text: forbidVerify.text.replace('> 0', `> ${i}`) }];
    // One tenant asks two actions: two subsets, as many as the tenants kept.
    for (let i = 0; i < 2; i++) assert.equal(await decide(engine, 'a', 1, own(0)), false);
    const begin = {
      ...request('a'),
      action: 'begin_enrollment' as const,
      resource: { type: 'Tenant' as const, id: 'a', tenantId: 'a', attrs: {} },
    };
    for (let i = 0; i < 2; i++) await engine.authorize('a', 1, () => Promise.resolve(own(0)), begin);
    assert.equal(engine.actionSubsetStats().subsets, 2);
    for (let i = 0; i < 2; i++) assert.equal(await decide(engine, 'b', 1, own(5)), true, 'factor_count 1 is not > 5');
    for (let i = 0; i < 2; i++) assert.equal(await decide(engine, 'b', 1, own(0)), true, 'b keeps version 1');
    assert.equal(engine.actionSubsetStats().subsets, 2);
    for (let i = 0; i < 2; i++) assert.equal(await decide(engine, 'b', 2, own(0)), false);
  });
});
