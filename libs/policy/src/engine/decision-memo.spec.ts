import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildCall } from './cedar-request.builder.js';
import { DecisionMemo, memoKey } from './decision-memo.js';
import type { PolicyAction, PolicyEntity, PolicyRequest, RuleSource } from './engine.types.js';
import { PolicyEngine } from './policy.engine.js';
import { DecisionTally, samplePasskeyAttributes, sampleUserContext } from '../../../../test/support/policy-requests.js';

const T = 'tenant-a';

const user = (id: string, roles: string[] = []): PolicyEntity<'User'> => ({
  type: 'User',
  id,
  tenantId: T,
  attrs: { roles },
});
const passkey = (id: string, attrs: Record<string, unknown> = {}): PolicyEntity => ({
  type: 'Authenticator',
  id,
  tenantId: T,
  attrs: { ...samplePasskeyAttributes(), ...attrs } as never,
});
const factor = (id: string, owner: string): PolicyEntity => ({
  type: 'Factor',
  id,
  tenantId: T,
  attrs: { owner: { type: 'User', id: owner }, method_type: 'totp' },
});

function request(action: PolicyAction, principal: PolicyEntity<'User'>, resource: PolicyEntity): PolicyRequest {
  return { principal, action, resource, context: sampleUserContext({ requested_acr: [] }) };
}

const key = (r: PolicyRequest, named: string[] = []) => memoKey(buildCall(r, 'slot', 'schema'), new Set(named));

describe('decision memo', () => {
  it('keeps the decisions asked most recently, under a stream of requests asked once', () => {
    const memo = new DecisionMemo(4);
    const allow = (id: string) => ({ allowed: true, determining: [{ id, source: 'baseline' as const }], errors: [] });
    memo.set('sign-in', allow('sign-in'));
    for (let n = 0; n < 20; n++) {
      memo.set(`registration-${n}`, allow(`r${n}`));
      assert.equal(memo.get('sign-in')?.determining[0].id, 'sign-in', `after ${n + 1} others`);
      assert.ok(memo.size <= 4);
    }
    // The oldest of the others went first; the three newest are still kept.
    assert.equal(memo.get('registration-16'), undefined);
    for (const n of [17, 18, 19]) assert.equal(memo.get(`registration-${n}`)?.determining[0].id, `r${n}`);
    // Setting a kept key again replaces it and evicts nothing.
    memo.set('registration-19', allow('again'));
    assert.equal(memo.size, 4);
    assert.equal(memo.get('registration-19')?.determining[0].id, 'again');
    memo.set('with-error', { allowed: false, determining: [], errors: ['e'] });
    assert.equal(memo.get('with-error'), undefined);
  });

  it('keys requests alike up to the ids of entities, but not of the types named', () => {
    const a = key(request('verify_factor', user('u1'), passkey('c1')));
    assert.equal(key(request('verify_factor', user('u2'), passkey('c9'))), a);
    assert.notEqual(key(request('verify_factor', user('u2'), passkey('c9')), ['Tessera::User']), a);
    // The same user as owner, or another user: a relation the key keeps.
    const own = key(request('remove_factor', user('u1'), factor('f1', 'u1')));
    assert.equal(key(request('remove_factor', user('u5'), factor('f7', 'u5'))), own);
    assert.notEqual(key(request('remove_factor', user('u1'), factor('f1', 'u2'))), own);
    // Values and actions are kept.
    assert.notEqual(key(request('verify_factor', user('u1'), passkey('c1', { user_verified: false }))), a);
    assert.notEqual(key(request('complete_enrollment', user('u1'), passkey('c1'))), a);
  });

  describe('decisions are the same as Cedar asked every time', () => {
    // Rules naming entities of their own: a user, a credential; and one that errors.
    const rules: RuleSource[] = [
      {
        id: 'no-u3',
        text: 'forbid (principal == Tessera::User::"u3", action == Tessera::Action::"verify_factor", resource);',
      },
      {
        id: 'no-c5',
        text: 'forbid (principal, action, resource) when { resource == Tessera::Authenticator::"c5" };',
      },
      {
        id: 'erring',
        text: `forbid (principal, action == Tessera::Action::"verify_factor", resource)
when { resource.method_type == "totp" && resource.certification_level == "none" };`,
      },
      {
        id: 'admins',
        text: `forbid (principal, action == Tessera::Action::"rename_factor", resource)
when { principal.roles.contains("admin") };`,
      },
    ];
    const load = () => Promise.resolve(rules);
    const corpus: PolicyRequest[] = [];
    for (let u = 0; u < 6; u++) {
      const principal = user(`u${u}`, u % 2 ? ['admin'] : []);
      for (let c = 0; c < 7; c++) {
        corpus.push(request('verify_factor', principal, passkey(`c${c}`, { user_verified: c % 3 !== 0 })));
        corpus.push(request('complete_enrollment', principal, passkey(`c${c}`)));
      }
      for (const owner of [`u${u}`, `u${(u + 1) % 6}`]) {
        for (const action of ['verify_factor', 'rename_factor', 'remove_factor'] as const) {
          corpus.push(request(action, principal, factor(`f-${u}-${owner}`, owner)));
        }
      }
    }

    const attributeRules = rules.filter((r) => r.id === 'erring' || r.id === 'admins');
    for (const [name, set, namesEntities] of [
      ['rules naming a user and a credential', rules, true],
      ['rules naming no entity', attributeRules, false],
    ] as const) {
      it(`for every request of the corpus, three times in a shuffled order: ${name}`, async () => {
        const memo = PolicyEngine.create();
        const plain = PolicyEngine.create({ decisionMemo: false });
        const loadSet = () => Promise.resolve(set);
        let seed = 7;
        const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
        const order = [...corpus, ...corpus, ...corpus].sort(() => random() - 0.5);
        const tally = new DecisionTally();
        for (const [i, r] of order.entries()) {
          const expected = await plain.authorize(T, 1, loadSet, r);
          const actual = await memo.authorize(T, 1, loadSet, r);
          assert.deepEqual(actual, expected, `request ${i}: ${r.action} ${r.principal.id} ${r.resource.id}`);
          tally.add(expected);
        }
        const { seen } = tally;
        assert.ok(
          seen.allowed > 50 && seen.denied > 50 && seen.byTenantRule > 10 && seen.errors > 10,
          JSON.stringify(seen),
        );
        const kept = memo.decisionMemoSize(T)!;
        assert.equal(plain.decisionMemoSize(T), 0);
        if (namesEntities) {
          // Users and credentials are named: each keeps its own decisions.
          assert.ok(kept > corpus.length / 2, `${kept} decisions kept for ${corpus.length} requests`);
        } else {
          // Requests alike up to their ids share a decision.
          assert.ok(kept > 0 && kept < corpus.length / 8, `${kept} decisions kept for ${corpus.length} requests`);
        }
      });
    }

    it('an error names the entity of the request asked, never one asked before', async () => {
      const memo = PolicyEngine.create();
      const totp = (id: string): PolicyEntity => ({
        type: 'Factor',
        id,
        tenantId: T,
        attrs: { owner: { type: 'User', id: 'u1' }, method_type: 'totp' },
      });
      for (const id of ['f-a', 'f-a', 'f-b', 'f-b']) {
        const decision = await memo.authorize(T, 1, load, request('verify_factor', user('u1'), totp(id)));
        assert.equal(decision.allowed, false);
        assert.match(decision.errors.join(' '), new RegExp(`"${id}"`));
      }
    });

    it('what a caller does to a decision does not change the next', async () => {
      const memo = PolicyEngine.create();
      const r = request('rename_factor', user('u1', ['admin']), factor('f1', 'u1'));
      const first = await memo.authorize(T, 1, load, r);
      // The first decision of a shape is checked by the schema, the second kept, the third a kept one.
      await memo.authorize(T, 1, load, r);
      const again = await memo.authorize(T, 1, load, r);
      assert.equal(again.allowed, false);
      again.determining[0].id = 'changed';
      again.determining.push({ id: 'x', source: 'tenant' });
      assert.deepEqual(await memo.authorize(T, 1, load, r), first);
    });
  });
});
