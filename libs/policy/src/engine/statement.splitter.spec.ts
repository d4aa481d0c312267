import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { annotationProblems, readAnnotations, splitStatements } from './statement.splitter.js';

describe('splitStatements', () => {
  it('returns statements in source order beyond 10 (Cedar sorts policy10 before policy2)', () => {
    const text = Array.from({ length: 23 }, (_, i) => `@id("s${i}")\nforbid (principal, action, resource);`).join(
      '\n\n',
    );
    const split = splitStatements(text);
    assert.ok(split.ok);
    assert.deepEqual(
      split.statements.map((s) => readAnnotations(s).id),
      Array.from({ length: 23 }, (_, i) => `s${i}`),
    );
  });

  it('refuses templates', () => {
    const split = splitStatements('permit (principal == ?principal, action, resource);');
    assert.equal(split.ok, false);
  });

  it('reads @notice, treating a bare @notice as absent', () => {
    assert.deepEqual(readAnnotations('@id("x") @notice("Why.") permit (principal, action, resource);'), {
      id: 'x',
      notice: 'Why.',
      all: { id: 'x', notice: 'Why.' },
    });
    assert.deepEqual(readAnnotations('@notice permit (principal, action, resource);'), { all: { notice: null } });
  });

  it('reads translations by language, and names the problems of annotations', () => {
    const a = readAnnotations(
      '@notice("Why.") @notice_de("Warum.") @notice_pt("") @author("me") forbid (principal, action, resource);',
    );
    assert.equal(a.notice, 'Why.');
    assert.deepEqual(a.translations, { de: 'Warum.' });
    assert.deepEqual(
      annotationProblems(a, 500).map((p) => p.annotation),
      ['author'],
    );
    assert.deepEqual(
      annotationProblems(
        readAnnotations('@notice("x") @notice_de("abcdef") forbid (principal, action, resource);'),
        5,
      ).map((p) => p.annotation),
      ['notice_de'],
    );
    assert.deepEqual(
      annotationProblems(readAnnotations('@notice_de("nur") forbid (principal, action, resource);'), 500).map(
        (p) => p.message,
      ),
      ['A translated notice needs a default @notice("…") too.'],
    );
  });
});
