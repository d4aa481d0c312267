import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DELIVERY_WINDOW_MS, nextAttemptAt } from './retry-schedule.js';

const created = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(created.getTime() + ms);

describe('webhook retry schedule', () => {
  it('first retry within the configured ≤ 10 s, then about 1 min, 5 min, 30 min, 2 h, 5 h, with jitter', () => {
    for (const r of [0, 0.5, 0.999]) {
      const first = nextAttemptAt(1, created, created, 10_000, () => r)!.getTime() - created.getTime();
      assert.ok(first >= 5_000 && first <= 10_000, String(first));
    }
    const expected = [60_000, 300_000, 1_800_000, 7_200_000, 18_000_000];
    expected.forEach((base, i) => {
      const low = nextAttemptAt(i + 2, created, created, 5_000, () => 0)!.getTime() - created.getTime();
      const high = nextAttemptAt(i + 2, created, created, 5_000, () => 0.9999)!.getTime() - created.getTime();
      assert.ok(low >= base * 0.8 && high <= base * 1.2 && low < high, `${i}: ${low}..${high}`);
    });
  });

  it('never past the 24 h window: the last attempt is at its end, then the delivery has failed', () => {
    const late = at(DELIVERY_WINDOW_MS - 60_000);
    assert.equal(nextAttemptAt(7, created, late, 5_000, () => 0.5)!.getTime(), created.getTime() + DELIVERY_WINDOW_MS);
    assert.equal(nextAttemptAt(8, created, at(DELIVERY_WINDOW_MS), 5_000), null);
  });

  it('a first retry of 0 retries on the next pass', () => {
    assert.equal(nextAttemptAt(1, created, created, 0)!.getTime(), created.getTime());
  });
});
