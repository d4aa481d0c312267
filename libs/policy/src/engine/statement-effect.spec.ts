import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { effectKeywordOffset, statementEffect } from './statement-effect.js';

describe('statementEffect', () => {
  it('reads the effect from Cedar and points at the keyword after comments and annotations', () => {
    const text =
      '// permit( in a comment\n@id("permit)") @notice("say \\"forbid\\" (ok)")\n  permit (principal, action, resource);';
    assert.deepEqual(statementEffect(text), { effect: 'permit', offset: text.indexOf('permit (') });
    const forbid = '@flag\nforbid(principal, action, resource);';
    assert.deepEqual(statementEffect(forbid), { effect: 'forbid', offset: 6 });
  });

  it('is undefined for text that does not parse as one statement', () => {
    assert.equal(statementEffect('permit (principal, action, resource'), undefined);
    assert.equal(
      statementEffect('forbid (principal, action, resource); forbid (principal, action, resource);'),
      undefined,
    );
  });

  it('does not take an identifier that starts with the keyword for the keyword', () => {
    assert.equal(effectKeywordOffset('permits (principal, action, resource);'), undefined);
    assert.equal(effectKeywordOffset('@notice("x" forbid (principal, action, resource);'), undefined);
  });
});
