import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '#errors';
import { decodeCursor, encodeCursor, toPage } from './page-cursor.js';

const ID = '01a22273-2c28-78cc-9873-0105e233ae85';

describe('page cursors', () => {
  it('round-trips an id and is opaque', () => {
    const cursor = encodeCursor(ID);
    assert.doesNotMatch(cursor, /01a22273/);
    assert.equal(decodeCursor(cursor), ID);
  });

  it('refuses cursors it did not issue as validation_failed on `cursor`', () => {
    for (const bad of [
      ID,
      'not base64!',
      Buffer.from(`c1.${ID}'--`).toString('base64url'),
      Buffer.from(`c2.${ID}`).toString('base64url'),
      '',
    ]) {
      assert.throws(
        () => decodeCursor(bad),
        (e: unknown) =>
          e instanceof ApiError && e.code === 'validation_failed' && JSON.stringify(e.details).includes('cursor'),
        bad,
      );
    }
  });

  it('toPage keeps `limit` rows and points the cursor at the last one shown', () => {
    const rows = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
    assert.deepEqual(
      toPage(rows, 2, (r) => r.id),
      { data: ['a', 'b'], next_cursor: encodeCursor('b'), has_more: true },
    );
    assert.deepEqual(
      toPage(rows, 3, (r) => r.id),
      { data: ['a', 'b', 'c'], next_cursor: null, has_more: false },
    );
  });
});
