import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_NOTICE_LENGTH, PERMIT_REFUSED, statementOffsets, tenantStatementErrors } from './tenant-rule.checks.js';

describe('tenantStatementErrors', () => {
  it('accepts a forbid', () => {
    assert.deepEqual(tenantStatementErrors({ text: '@notice("No.") forbid (principal, action, resource);' }), []);
  });

  it('refuses a permit, naming the rule and pointing at the keyword', () => {
    const text = '@notice("x")\npermit (principal, action, resource);';
    assert.deepEqual(tenantStatementErrors({ text, ruleId: 'r1' }), [
      { rule_id: 'r1', message: PERMIT_REFUSED, position: { offset: 13, line: 2, column: 1 } },
    ]);
  });

  it('positions a permit inside a larger source', () => {
    const source = 'forbid (principal, action, resource);\n\n  permit (principal, action, resource);';
    const statements = ['forbid (principal, action, resource);', 'permit (principal, action, resource);'];
    const offsets = statementOffsets(source, statements);
    assert.deepEqual(offsets, [0, 41]);
    const errors = tenantStatementErrors({ text: statements[1], statement: 1, source, offset: offsets[1] });
    assert.deepEqual(errors, [{ statement: 1, message: PERMIT_REFUSED, position: { offset: 41, line: 3, column: 3 } }]);
  });

  it('refuses an @notice longer than a notice may be', () => {
    const ok = `@notice("${'a'.repeat(MAX_NOTICE_LENGTH)}") forbid (principal, action, resource);`;
    const long = `@notice("${'a'.repeat(MAX_NOTICE_LENGTH + 1)}") forbid (principal, action, resource);`;
    assert.deepEqual(tenantStatementErrors({ text: ok }), []);
    const errors = tenantStatementErrors({ text: long });
    assert.equal(errors.length, 1);
    assert.match(errors[0].message, /longer than 500/);
    assert.equal(errors[0].position?.offset, 0);
  });
});

describe('statementOffsets', () => {
  it('finds repeated statements in order', () => {
    const s = 'forbid (principal, action, resource);';
    assert.deepEqual(statementOffsets(`${s} // x\n${s}`, [s, s]), [0, s.length + 6]);
  });
});
