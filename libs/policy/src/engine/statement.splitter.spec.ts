import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readAnnotations, splitStatements } from './statement.splitter.js';

describe('splitStatements', () => {
  it('returns statements in source order beyond 10 (Cedar sorts policy10 before policy2)', () => {
    const text = Array.from({ length: 23 }, (_, i) => `@id("s${i}")\nforbid (principal, action, resource);`).join('\n\n');
    const split = splitStatements(text);
    assert.ok(split.ok);
    assert.deepEqual(split.statements.map((s) => readAnnotations(s).id), Array.from({ length: 23 }, (_, i) => `s${i}`));
  });

  it('refuses templates', () => {
    const split = splitStatements('permit (principal == ?principal, action, resource);');
    assert.equal(split.ok, false);
  });

  it('reads @notice, treating a bare @notice as absent', () => {
    assert.deepEqual(readAnnotations('@id("x") @notice("Why.") permit (principal, action, resource);'), { id: 'x', notice: 'Why.' });
    assert.deepEqual(readAnnotations('@notice permit (principal, action, resource);'), {});
  });
});
