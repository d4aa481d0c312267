import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PolicyEngine } from './policy.engine.js';
import { findPoliciesDir } from './policy-files.loader.js';
import { readAnnotations } from './statement.splitter.js';

const engine = PolicyEngine.create();

describe('validateRules', () => {
  it('accepts a valid rule', () => {
    assert.deepEqual(
      engine.validateRules([
        {
          id: 'a',
          text: 'forbid (principal, action == Tessera::Action::"complete_enrollment", resource is Tessera::Authenticator) when { resource.backed_up };',
        },
      ]),
      { ok: true },
    );
  });

  it('reports a parse error with its line and column', () => {
    const text = 'forbid (principal, action, resource)\nwhen { context.factor_count > };';
    const result = engine.validateRules([{ id: 'r1', text }]);
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.errors.length, 1);
    const [err] = result.errors;
    assert.equal(err.rule_id, 'r1');
    assert.deepEqual(err.position, { offset: text.indexOf('};'), line: 2, column: 31 });
  });

  it('counts columns in characters when the text has non-ASCII characters', () => {
    const text = '// Sécurité: clés ✓\nforbid (principal, action, resource) when { context.nope };';
    const result = engine.validateRules([{ id: 'r1', text }]);
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.errors[0].position?.offset, text.indexOf('context.nope'));
    assert.equal(result.errors[0].position?.line, 2);
    assert.match(result.errors[0].message, /nope/);
  });

  it('reports schema errors per rule, deduplicated', () => {
    const result = engine.validateRules([
      { id: 'good', text: 'forbid (principal, action, resource) when { context has ip };' },
      {
        id: 'bad',
        text: 'forbid (principal is Tessera::User, action == Tessera::Action::"complete_enrollment", resource is Tessera::Authenticator) when { resource.colour == "red" };',
      },
      {
        id: 'optional',
        text: 'forbid (principal, action == Tessera::Action::"complete_enrollment", resource is Tessera::Authenticator) when { resource.model == "x" };',
      },
    ]);
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.deepEqual([...new Set(result.errors.map((e) => e.rule_id))], ['bad', 'optional']);
    assert.ok(result.errors.every((e) => e.position?.line === 1 && e.position.column! > 1));
    assert.equal(new Set(result.errors.map((e) => e.message)).size, result.errors.length);
  });

  it('reports a mistake once, not once per action it could apply to', () => {
    const text = 'forbid (principal, action, resource) when { context.nope };';
    const result = engine.validateRules([{ id: 'r', text }]);
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.errors.length, 1);
    assert.doesNotMatch(result.errors[0].message, /Tessera::Action/);
    assert.equal(result.errors[0].position?.offset, text.indexOf('context.nope'));
  });

  it('validates a multi-statement text with statement indexes and positions in the whole text', () => {
    const text =
      '// first\nforbid (principal, action, resource);\n\nforbid (principal, action, resource)\n  when { resource.colour };';
    const result = engine.validatePolicySet(text);
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.statements?.length, 2);
    assert.ok(result.errors.length >= 1);
    for (const e of result.errors) {
      assert.equal(e.statement, 1);
      assert.equal(e.rule_id, undefined);
      assert.deepEqual(e.position, { offset: text.indexOf('resource.colour'), line: 5, column: 10 });
    }
    const ok = engine.validatePolicySet(
      'forbid (principal, action, resource);\n@notice("n") forbid (principal, action, resource) when { context has ip };',
    );
    assert.deepEqual(ok, {
      ok: true,
      statements: [
        'forbid (principal, action, resource);',
        '@notice("n") forbid (principal, action, resource) when { context has ip };',
      ],
    });
  });

  it('a policy-set text that does not parse is positioned in the whole text', () => {
    const text = 'forbid (principal, action, resource);\nforbid (principal, action, resource) when { 1 + };';
    const result = engine.validatePolicySet(text);
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.errors[0].position?.line, 2);
    assert.equal(engine.validatePolicySet('// nothing').ok, false);
  });

  it('requires exactly one statement per rule', () => {
    const result = engine.validateRules([
      { id: 'two', text: 'permit (principal, action, resource);\nforbid (principal, action, resource);' },
      { id: 'none', text: '// nothing' },
    ]);
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.deepEqual(
      result.errors.map((e) => e.rule_id),
      ['two', 'none'],
    );
  });

  it('rejects duplicate rule ids', () => {
    const text = 'forbid (principal, action, resource) when { context has ip };';
    const result = engine.validateRules([
      { id: 'x', text },
      { id: 'x', text },
    ]);
    assert.equal(result.ok, false);
  });

  it('every example in policies/examples validates, with @id and @notice', () => {
    const dir = join(findPoliciesDir(), 'examples');
    const files = readdirSync(dir).filter((f) => f.endsWith('.cedar'));
    assert.ok(files.length >= 4);
    for (const file of files) {
      const text = readFileSync(join(dir, file), 'utf8');
      assert.deepEqual(engine.validateRules([{ id: file, text }]), { ok: true }, file);
      const { id, notice } = readAnnotations(text);
      assert.ok(id && notice, `${file} has @id and @notice`);
    }
  });

  it('every baseline rule has an id and every forbid a notice', () => {
    const rules = engine.baselineRules();
    assert.ok(rules.length >= 9);
    assert.ok(rules.every((r) => r.id.startsWith('baseline.')));
    const forbids = [
      'baseline.max_authenticators',
      'baseline.passkey_user_verification',
      'baseline.recent_sign_in_to_add_factor',
      'baseline.keep_last_factor',
    ];
    for (const id of forbids) assert.ok(rules.find((r) => r.id === id)?.notice, id);
  });
});
