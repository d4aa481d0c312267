import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newId, newTimeOrderedId } from './ids.js';
import { isConnectionError, isUniqueViolation } from './database-errors.js';

describe('ids', () => {
  it('newId is a random UUIDv4', () => {
    assert.match(newId(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(newId(), newId());
  });

  it('newTimeOrderedId is a UUIDv7 that sorts by creation time', () => {
    const ids = [1_700_000_000_000, 1_700_000_000_001, 1_800_000_000_000].map((t) => newTimeOrderedId(t));
    for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(newTimeOrderedId(1_700_000_000_000).slice(0, 13), ids[0].slice(0, 13), 'the timestamp is the prefix');
  });
});

describe('database error classification', () => {
  it('recognises unique violations on both drivers', () => {
    assert.equal(isUniqueViolation({ driverError: { code: '23505' } }), true);
    assert.equal(isUniqueViolation({ code: 'SQLITE_CONSTRAINT_UNIQUE' }), true);
    assert.equal(isUniqueViolation({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' }), true);
    assert.equal(isUniqueViolation({ code: '23503' }), false);
    assert.equal(isUniqueViolation(null), false);
  });

  it('recognises an unreachable database (503), not ordinary SQL errors (500)', () => {
    assert.equal(isConnectionError({ code: 'ECONNREFUSED' }), true);
    assert.equal(isConnectionError({ driverError: { code: '57P01' } }), true);
    assert.equal(isConnectionError(new Error('timeout exceeded when trying to connect')), true);
    assert.equal(isConnectionError(new Error('Connection terminated unexpectedly')), true);
    assert.equal(isConnectionError({ code: '42P01', message: 'relation "x" does not exist' }), false);
    assert.equal(isConnectionError(new Error('boom')), false);
  });
});
