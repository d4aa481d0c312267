import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { schemaToJsonWithResolvedTypes } from '@cedar-policy/cedar-wasm/nodejs';
import { buildCall } from './cedar-request.builder.js';
import type { PolicyAction, PolicyEntity, PolicyRequest, RuleSource } from './engine.types.js';
import { PolicyEngine } from './policy.engine.js';
import { loadPolicyFiles } from './policy-files.loader.js';
import { requestShape, schemaChecksOnlyShapes } from './request-shape.js';
import { samplePasskeyAttributes, sampleUserContext } from '../../../../test/support/policy-requests.js';

const T = 'tenant-a';

function resolved(text: string): unknown {
  const answer = schemaToJsonWithResolvedTypes(text);
  assert.equal(answer.type, 'success', JSON.stringify(answer));
  return (answer as { json: unknown }).json;
}

function user(id = 'u1', roles: unknown = []): PolicyEntity<'User'> {
  return { type: 'User', id, tenantId: T, attrs: { roles } as never };
}

function authenticator(attrs: Record<string, unknown> = {}): PolicyEntity {
  return {
    type: 'Authenticator',
    id: 'cred-1',
    tenantId: T,
    attrs: { ...samplePasskeyAttributes(), ...attrs } as never,
  };
}

const context = sampleUserContext;

function request(
  action: PolicyAction,
  over: { ctx?: Record<string, unknown>; auth?: Record<string, unknown>; principal?: PolicyRequest['principal'] } = {},
): PolicyRequest {
  return {
    principal: over.principal ?? user(),
    action,
    resource: authenticator(over.auth),
    context: context(over.ctx),
  };
}

const shapeOf = (r: PolicyRequest) => requestShape(buildCall(r, 'slot', 'schema'));

describe('schema checks once per request shape', () => {
  it("the project's schema checks only shapes", () => {
    assert.equal(schemaChecksOnlyShapes(resolved(loadPolicyFiles().schemaText)), true);
  });

  it('a schema with a value-dependent check does not', () => {
    const base = 'entity U { name: String }; action a appliesTo { principal: [U], resource: [U] };';
    assert.equal(schemaChecksOnlyShapes(resolved(base)), true);
    for (const text of [
      'entity U { ip: ipaddr }; action a appliesTo { principal: [U], resource: [U] };',
      'entity U; action a appliesTo { principal: [U], resource: [U], context: { amount: decimal } };',
      'type C = { at: datetime }; entity U; action a appliesTo { principal: [U], resource: [U], context: C };',
      'entity U { s: Set<duration> }; action a appliesTo { principal: [U], resource: [U] };',
      'entity E enum ["x", "y"]; entity U; action a appliesTo { principal: [U], resource: [E] };',
      'entity U tags String; action a appliesTo { principal: [U], resource: [U] };',
      'entity U; action g; action a in [g] appliesTo { principal: [U], resource: [U] };',
    ]) {
      assert.equal(schemaChecksOnlyShapes(resolved(text)), false, text);
    }
  });

  it('requests that differ only in values have one shape', () => {
    const one = shapeOf(request('complete_enrollment'));
    assert.ok(one);
    const other = shapeOf(
      request('complete_enrollment', {
        principal: user('someone-else', ['admin', 'auditor', 'x']),
        ctx: { amr: ['otp'], factor_count: 7, ip: '198.51.100.1', has_mfa: false, step_up_amr: [] },
        auth: { aaguid: '00000000-0000-0000-0000-000000000000', transports: ['usb'] },
      }),
    );
    // step_up_amr: [] is an empty set, a shape of its own.
    assert.notEqual(other, one);
    const same = shapeOf(
      request('complete_enrollment', {
        principal: user('someone-else', []),
        ctx: { amr: ['otp', 'pwd', 'mfa', 'hwk'], factor_count: 7, ip: '198.51.100.1', has_mfa: false },
        auth: { aaguid: '00000000-0000-0000-0000-000000000000', transports: ['usb'] },
      }),
    );
    assert.equal(same, one);
  });

  it('a change of kind, name, type or action is another shape', () => {
    const one = shapeOf(request('complete_enrollment'));
    const variants: PolicyRequest[] = [
      request('verify_factor'),
      request('complete_enrollment', { ctx: { factor_count: '1' } }),
      request('complete_enrollment', { ctx: { has_mfa: 1 } }),
      request('complete_enrollment', { ctx: { amr: 'pwd' } }),
      request('complete_enrollment', { ctx: { amr: [1] } }),
      request('complete_enrollment', { ctx: { extra: 'x' } }),
      request('complete_enrollment', { ctx: { requested_acr: ['phr'] } }),
      request('complete_enrollment', { auth: { model: 'YubiKey 5' } }),
      request('complete_enrollment', { principal: { type: 'ApiKey', id: 'k', tenantId: T, attrs: { scopes: [] } } }),
    ];
    const shapes = variants.map(shapeOf);
    for (const [i, shape] of shapes.entries()) {
      assert.ok(shape, `variant ${i} has a shape`);
      assert.notEqual(shape, one, `variant ${i}`);
    }
    assert.equal(new Set(shapes).size, shapes.length);
    const missing = request('complete_enrollment');
    delete (missing.context as Record<string, unknown>)['ip'];
    assert.notEqual(shapeOf(missing), one);
  });

  it('values a shape cannot stand for leave the request to the schema every time', () => {
    for (const ctx of [
      { factor_count: 1.5 },
      { factor_count: 2 ** 60 },
      { ip: null },
      { ip: { __extn: { fn: 'ip', arg: '10.0.0.1' } } },
      { nested: { a: 1 } },
      { owner: { type: 'Tessera::User', id: 'u1' } },
      { __expr: 'true' },
      { 'odd:name': 'x' },
    ]) {
      assert.equal(shapeOf(request('complete_enrollment', { ctx })), undefined, JSON.stringify(ctx));
    }
    const call = buildCall(request('complete_enrollment'), 'slot', 'schema');
    assert.equal(requestShape({ ...call, context: [] as never }), undefined);
    assert.equal(
      requestShape({
        ...call,
        principal: { __entity: { type: 'Tessera::User', id: 'u1' } },
      }),
      undefined,
    );
  });

  describe('decisions are the same as with the schema checking every request', () => {
    const every = PolicyEngine.create({ schemaChecks: 'every-request' });
    const once = PolicyEngine.create();
    const rules: RuleSource[] = [
      {
        id: 'rule-keys',
        text: `@notice("Security keys must be certified.")
forbid (principal, action == Tessera::Action::"complete_enrollment", resource is Tessera::Authenticator)
when { resource.method_type == "webauthn_fido" && !(resource has certification_level) };`,
      },
      {
        id: 'rule-admins',
        text: `@notice("Admins verify with a hardware key.")
forbid (principal, action == Tessera::Action::"verify_factor", resource is Tessera::Authenticator)
when { principal.roles.contains("admin") && resource.method_type != "webauthn_fido" };`,
      },
    ];
    const load = () => Promise.resolve(rules);
    const corpus: PolicyRequest[] = [
      request('complete_enrollment'),
      request('complete_enrollment', { ctx: { factor_count: 10 } }),
      request('complete_enrollment', { auth: { method_type: 'webauthn_fido' } }),
      request('complete_enrollment', {
        auth: { method_type: 'webauthn_fido', certification_level: 'FIDO_CERTIFIED_L1' },
      }),
      request('complete_enrollment', { auth: { user_verified: false } }),
      request('complete_enrollment', { ctx: { auth_age_seconds: 4000 } }),
      request('verify_factor', { ctx: { requested_acr: [] } }),
      request('verify_factor', { principal: user('boss', ['admin']), ctx: { requested_acr: ['phr'] } }),
      request('verify_factor', { principal: user('boss', ['admin']), auth: { method_type: 'webauthn_fido' } }),
      // Requests the schema refuses: each must be denied by both, the second time too.
      request('complete_enrollment', { ctx: { factor_count: '1' } }),
      request('complete_enrollment', { ctx: { extra: true } }),
      request('complete_enrollment', { ctx: { has_mfa: 'yes' } }),
      request('complete_enrollment', { auth: { backed_up: 'no' } }),
      request('complete_enrollment', { principal: user('u1', 'admin') }),
      request('complete_enrollment', { principal: { type: 'ApiKey', id: 'k', tenantId: T, attrs: { scopes: [] } } }),
      request('complete_enrollment', { ctx: { factor_count: 1.5 } }),
      (() => {
        const r = request('complete_enrollment');
        delete (r.context as Record<string, unknown>)['step_up_via'];
        return r;
      })(),
    ];

    it('for every request of the corpus, asked twice', async () => {
      let refused = 0;
      for (let pass = 0; pass < 2; pass++) {
        for (const [i, r] of corpus.entries()) {
          const expected = await every.authorize(T, 1, load, r);
          const actual = await once.authorize(T, 1, load, r);
          assert.deepEqual(actual, expected, `request ${i}, pass ${pass}`);
          if (i >= 9) {
            assert.equal(actual.allowed, false, `request ${i} is refused`);
            assert.ok(actual.errors.length > 0, `request ${i} is refused by the schema`);
            refused++;
          }
        }
      }
      assert.equal(refused, 16);
      for (const r of corpus.slice(0, 9)) assert.ok(shapeOf(r), 'a conforming request has a shape');
      // Only shapes that passed are remembered: the refused requests added none.
      const passed = new Set(corpus.slice(0, 9).map(shapeOf));
      assert.equal(once.conformingShapeCount(), passed.size);
      assert.equal(every.conformingShapeCount(), undefined);
    });

    it('a refused shape stays refused after a conforming request of a near shape', async () => {
      const good = request('complete_enrollment');
      assert.equal((await once.authorize(T, 1, load, good)).allowed, true);
      const bad = request('complete_enrollment', { ctx: { factor_count: '1' } });
      const decision = await once.authorize(T, 1, load, bad);
      assert.equal(decision.allowed, false);
      assert.deepEqual(decision, await every.authorize(T, 1, load, bad));
    });
  });
});
