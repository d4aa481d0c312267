import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_USER_NAME_LENGTH, userNamesFromClaims } from './user-names.js';

const DEFAULT_NAME = ['preferred_username', 'email'];
const DEFAULT_DISPLAY = ['name'];

describe('userNamesFromClaims', () => {
  it('takes preferred_username, then email, then sub; the display name is name, then the user name', () => {
    assert.deepEqual(
      userNamesFromClaims(
        { preferred_username: 'alice', email: 'a@x.example', name: 'Alice' },
        'sub-1',
        DEFAULT_NAME,
        DEFAULT_DISPLAY,
      ),
      { name: 'alice', displayName: 'Alice' },
    );
    assert.deepEqual(userNamesFromClaims({ email: 'a@x.example' }, 'sub-1', DEFAULT_NAME, DEFAULT_DISPLAY), {
      name: 'a@x.example',
      displayName: 'a@x.example',
    });
    assert.deepEqual(userNamesFromClaims({}, 'sub-1', DEFAULT_NAME, DEFAULT_DISPLAY), {
      name: 'sub-1',
      displayName: 'sub-1',
    });
  });

  it('skips values that are not usable names: not strings, empty, control or bidi-override characters', () => {
    const claims = { preferred_username: 42, email: '  ', name: 'Mallory\u202Egnp.exe' };
    assert.deepEqual(userNamesFromClaims(claims, 'sub-2', DEFAULT_NAME, DEFAULT_DISPLAY), {
      name: 'sub-2',
      displayName: 'sub-2',
    });
    assert.equal(
      userNamesFromClaims(
        { preferred_username: 'line\nbreak', email: 'e@x.example' },
        's',
        DEFAULT_NAME,
        DEFAULT_DISPLAY,
      ).name,
      'e@x.example',
    );
  });

  it('normalises to NFC, trims and cuts to 64 code points (never in the middle of a surrogate pair)', () => {
    const long = `  ${'😀'.repeat(70)}  `;
    const { name } = userNamesFromClaims({ preferred_username: long }, 's', DEFAULT_NAME, DEFAULT_DISPLAY);
    assert.equal([...name].length, MAX_USER_NAME_LENGTH);
    assert.equal(name, '😀'.repeat(64));
    assert.equal(userNamesFromClaims({ name: 'Cafe\u0301' }, 's', DEFAULT_NAME, DEFAULT_DISPLAY).displayName, 'Café');
  });

  it('follows configured claims in order', () => {
    const names = userNamesFromClaims(
      { upn: 'alice@corp', given: 'Alice', preferred_username: 'ignored' },
      's',
      ['upn'],
      ['given', 'name'],
    );
    assert.deepEqual(names, { name: 'alice@corp', displayName: 'Alice' });
  });

  it('a subject with forbidden characters is cleaned rather than refused', () => {
    assert.equal(userNamesFromClaims({}, 'evil\u202Euser', DEFAULT_NAME, DEFAULT_DISPLAY).name, 'eviluser');
  });
});
