import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '#errors';
import { assembleRule } from './rule.assembler.js';
import { PolicyEngine } from './policy.engine.js';
import { readAnnotations } from './statement.splitter.js';

const engine = PolicyEngine.create();

describe('assembleRule', () => {
  it('builds a valid statement from fields', () => {
    const text = assembleRule({
      effect: 'forbid',
      principal: { is: 'User', in: { type: 'Tenant', id: 't-1' } },
      action: ['begin_enrollment', 'complete_enrollment'],
      conditions: [
        'principal.roles.contains("admin") || principal.roles.contains("ops")',
        'context.method_type == "totp"',
      ],
      notice: 'No TOTP for operators.',
    });
    assert.equal(
      text,
      '@notice("No TOTP for operators.")\nforbid (\n  principal is Tessera::User in Tessera::Tenant::"t-1",\n' +
        '  action in [Tessera::Action::"begin_enrollment", Tessera::Action::"complete_enrollment"],\n  resource\n)\n' +
        'when { (principal.roles.contains("admin") || principal.roles.contains("ops")) && (context.method_type == "totp") };',
    );
    assert.deepEqual(engine.validateRules([{ id: 'x', text }]), { ok: true });
  });

  it('escapes quotes, backslashes, newlines and control characters in the notice', () => {
    const notice = 'Say "no" to C:\\keys\\ here.\nSecond line\twith tab\r\u0001 and ü ✓ 🔑';
    const text = assembleRule({ effect: 'forbid', action: 'remove_factor', notice });
    assert.deepEqual(engine.validateRules([{ id: 'x', text }]), { ok: true });
    assert.equal(readAnnotations(text).notice, notice);
    assert.ok(!text.split('\n')[0].includes('\n'));
  });

  it('escapes entity ids', () => {
    const text = assembleRule({
      effect: 'permit',
      principal: { eq: { type: 'User', id: 'a"b\\c' } },
      action: 'rename_factor',
    });
    assert.match(text, /principal == Tessera::User::"a\\"b\\\\c"/);
    assert.deepEqual(engine.validateRules([{ id: 'x', text }]), { ok: true });
  });

  it('a condition that smuggles in a second statement fails validation', () => {
    const text = assembleRule({
      effect: 'forbid',
      conditions: ['true }; permit (principal, action, resource) when { true'],
    });
    assert.equal(engine.validateRules([{ id: 'x', text }]).ok, false);
  });

  it('rejects unknown types and actions with policy_invalid', () => {
    const isInvalid = (e: unknown) => e instanceof ApiError && e.code === 'policy_invalid';
    assert.throws(() => assembleRule({ effect: 'forbid', principal: { is: 'Admin' as never } }), isInvalid);
    assert.throws(() => assembleRule({ effect: 'forbid', action: 'delete_everything' as never }), isInvalid);
    assert.throws(() => assembleRule({ effect: 'allow' as never }), isInvalid);
  });
});
