import { randomBytes, scryptSync } from 'node:crypto';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BACKUP_CODE_SCRYPT,
  CROCKFORD_ALPHABET,
  backupCodeLookup,
  formatBackupCode,
  generateBackupCodeSet,
  hashBackupCode,
  hashBackupCodeSet,
  normalizeBackupCode,
  verifyBackupCode,
  verifyBackupCodeDummy,
} from './backup-code.js';
import { ApiError } from '#errors';

const DISPLAY = /^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]$/;

describe('generateBackupCodeSet', () => {
  it('returns 10 codes in the display format by default', () => {
    const codes = generateBackupCodeSet();
    assert.equal(codes.length, 10);
    for (const code of codes) assert.match(code, DISPLAY);
  });

  it('honours count and rejects nonsense counts', () => {
    assert.equal(generateBackupCodeSet(1).length, 1);
    assert.equal(generateBackupCodeSet(16).length, 16);
    for (const bad of [0, -1, 1.5, 101, Number.NaN]) {
      assert.throws(() => generateBackupCodeSet(bad), ApiError, String(bad));
    }
  });

  it('draws uniformly over all 13 positions and never repeats across many sets', () => {
    const sets = 2000;
    const seen = new Set<string>();
    const counts = Array.from({ length: 13 }, () => new Array<number>(32).fill(0));
    for (let s = 0; s < sets; s++) {
      const set = generateBackupCodeSet();
      const lookups = new Set(set.map((c) => backupCodeLookup(c)));
      assert.equal(lookups.size, set.length, 'lookups are distinct within a set');
      for (const code of set) {
        const canonical = normalizeBackupCode(code);
        assert.ok(canonical);
        assert.equal(seen.has(canonical), false, 'duplicate code');
        seen.add(canonical);
        [...canonical].forEach((ch, pos) => counts[pos][CROCKFORD_ALPHABET.indexOf(ch)]++);
      }
    }
    // 20 000 codes → 625 expected per symbol and position; σ ≈ 24.6, so ±8σ never flakes
    // but a stuck or biased bit (e.g. only 64 bits used, last character from 4 bits) fails.
    const expected = (sets * 10) / 32;
    for (const [pos, row] of counts.entries()) {
      for (const [sym, n] of row.entries()) {
        assert.ok(Math.abs(n - expected) < 200, `position ${pos} symbol ${CROCKFORD_ALPHABET[sym]}: ${n}`);
      }
    }
  });
});

describe('normalizeBackupCode', () => {
  const table: [unknown, string | null][] = [
    ['abcd-efgh-jkmn-p', 'ABCDEFGHJKMNP'],
    ['ABCDEFGHJKMNP', 'ABCDEFGHJKMNP'],
    ['  abcd efgh jkmn p  ', 'ABCDEFGHJKMNP'],
    ['abcd--efgh-jkmn-p', 'ABCDEFGHJKMNP'],
    ['a-b-c-d-e-f-g-h-j-k-m-n-p', 'ABCDEFGHJKMNP'],
    ['aBcD-eFgH-jKmN-p', 'ABCDEFGHJKMNP'],
    ['abcd\tefgh\njkmn p', 'ABCDEFGHJKMNP'],
    ['oOiI-lL00-1111-0', '0011110011110'],
    ['0123-4567-89xy-z', '0123456789XYZ'],
    ['', null],
    ['abcd-efgh-jkmn', null], // too short
    ['abcd-efgh-jkmn-pq', null], // too long
    ['abcd-efgh-jkmn-u', null], // U is not in the alphabet
    ['abcd-efgh-jkmn-*', null],
    ['abcd_efgh_jkmn_p', null], // only hyphens and whitespace are separators
    ['abcd-efgh-jkmn-\u0131', null], // dotless ı upper-cases to I; non-ASCII is rejected
    ['ａbcd-efgh-jkmn-p', null], // full-width letter
    ['-'.repeat(100) + 'abcdefghjkmnp', null], // absurdly long input
    [null, null],
    [1234567890123, null],
    [undefined, null],
  ];
  for (const [input, expected] of table) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => {
      assert.equal(normalizeBackupCode(input), expected);
    });
  }

  it('round-trips with formatBackupCode', () => {
    for (const code of generateBackupCodeSet()) {
      assert.equal(formatBackupCode(normalizeBackupCode(code)!), code);
    }
    assert.throws(() => formatBackupCode('nope'), ApiError);
  });
});

describe('hashBackupCode / verifyBackupCode', () => {
  it('stores a lookup of 3 characters and a self-describing scrypt hash', async () => {
    const [code] = generateBackupCodeSet(1);
    const stored = await hashBackupCode(code);
    const canonical = normalizeBackupCode(code)!;
    assert.equal(stored.lookup, canonical.slice(0, 3));
    assert.equal(backupCodeLookup(code.toUpperCase()), stored.lookup);
    const { N, r, p } = BACKUP_CODE_SCRYPT;
    assert.match(stored.hash, new RegExp(`^scrypt\\$${N}\\$${r}\\$${p}\\$[A-Za-z0-9_-]{22}\\$[A-Za-z0-9_-]{43}$`));
    assert.equal(stored.hash.includes(canonical), false);
  });

  it('verifies the right code in any accepted spelling and rejects wrong ones', async () => {
    const [code, other] = generateBackupCodeSet(2);
    const { hash } = await hashBackupCode(code);
    const canonical = normalizeBackupCode(code)!;
    assert.equal(await verifyBackupCode(code, hash), true);
    assert.equal(await verifyBackupCode(canonical, hash), true);
    assert.equal(await verifyBackupCode(` ${code.toUpperCase().replace(/-/g, ' ')} `, hash), true);
    assert.equal(await verifyBackupCode(other, hash), false);
    // one character off, at the start (lookup part) and at the end (secret part)
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === '2' ? '3' : '2') + s.slice(i + 1);
    assert.equal(await verifyBackupCode(flip(canonical, 0), hash), false);
    assert.equal(await verifyBackupCode(flip(canonical, 12), hash), false);
    assert.equal(await verifyBackupCode('not a code', hash), false);
    assert.equal(await verifyBackupCode(undefined, hash), false);
  });

  it('salts every hash', async () => {
    const [code] = generateBackupCodeSet(1);
    const [a, b] = await Promise.all([hashBackupCode(code), hashBackupCode(code)]);
    assert.notEqual(a.hash, b.hash);
    assert.equal(await verifyBackupCode(code, a.hash), true);
    assert.equal(await verifyBackupCode(code, b.hash), true);
  });

  it('rejects tampered or foreign stored strings', async () => {
    const [code, other] = generateBackupCodeSet(2);
    const { hash } = await hashBackupCode(code);
    const { hash: otherHash } = await hashBackupCode(other);
    const [, n, r, p, salt, key] = hash.split('$');
    const [, , , , otherSalt, otherKey] = otherHash.split('$');
    const tampered: [string, string][] = [
      ['weaker N', `scrypt$2$${r}$${p}$${salt}$${key}`],
      ['costlier N', `scrypt$1048576$${r}$${p}$${salt}$${key}`],
      ['other r', `scrypt$${n}$4$${p}$${salt}$${key}`],
      ['other p', `scrypt$${n}$${r}$2$${salt}$${key}`],
      ['leading zero', `scrypt$0${n}$${r}$${p}$${salt}$${key}`],
      ['other scheme', `bcrypt$${n}$${r}$${p}$${salt}$${key}`],
      ['swapped salt', `scrypt$${n}$${r}$${p}$${otherSalt}$${key}`],
      ['swapped hash', `scrypt$${n}$${r}$${p}$${salt}$${otherKey}`],
      ['truncated hash', hash.slice(0, -1)],
      ['short salt', `scrypt$${n}$${r}$${p}$${salt.slice(0, 20)}$${key}`],
      ['padded base64', `${hash}=`],
      ['non-base64url character', `scrypt$${n}$${r}$${p}$${salt}$${key.slice(0, -1)}+`],
      ['extra field', `${hash}$x`],
      ['missing field', `scrypt$${n}$${r}$${salt}$${key}`],
      ['empty', ''],
    ];
    for (const [name, stored] of tampered) {
      assert.equal(await verifyBackupCode(code, stored), false, name);
    }
    assert.equal(await verifyBackupCode(code, hash), true, 'control');
  });

  it('rejects a correct hash made with parameters outside the accepted set', async () => {
    const [code] = generateBackupCodeSet(1);
    const salt = randomBytes(16);
    const weak = scryptSync(normalizeBackupCode(code)!, salt, 32, { N: 2, r: 1, p: 1 });
    const stored = `scrypt$2$1$1$${salt.toString('base64url')}$${weak.toString('base64url')}`;
    assert.equal(await verifyBackupCode(code, stored), false);
  });

  it('offers a dummy verification for lookups that match nothing', async () => {
    assert.equal(await verifyBackupCodeDummy('abcd-efgh-jkmn-p'), false);
    assert.equal(await verifyBackupCodeDummy('garbage'), false);
  });

  it('refuses to hash something that is not a code', async () => {
    await assert.rejects(hashBackupCode('hunter2'), ApiError);
  });
});

describe('hashBackupCodeSet', () => {
  it('hashes a set in order, concurrently, and reports the cost', async (t) => {
    const codes = generateBackupCodeSet();
    await hashBackupCodeSet(codes); // warm up the thread pool and scrypt
    const cpuBefore = process.cpuUsage();
    const wallBefore = performance.now();
    const stored = await hashBackupCodeSet(codes);
    const wallMs = performance.now() - wallBefore;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const { N, r, p } = BACKUP_CODE_SCRYPT;
    t.diagnostic(`scrypt N=${N} r=${r} p=${p}: 10 codes cost ${cpuMs.toFixed(1)} ms CPU, ${wallMs.toFixed(1)} ms wall`);

    assert.equal(stored.length, codes.length);
    for (const [i, code] of codes.entries()) {
      assert.equal(stored[i].lookup, backupCodeLookup(code));
      assert.equal(await verifyBackupCode(code, stored[i].hash), true);
    }
    assert.equal(new Set(stored.map((s) => s.lookup)).size, codes.length);
  });
});
