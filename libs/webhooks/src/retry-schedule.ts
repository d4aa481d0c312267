/** Retries after the first: about 1 min, 5 min, 30 min, 2 h, 5 h, then every 10 h, each with jitter. */
const LATER_DELAYS_MS = [60_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000];

/** A delivery is retried for this long after the event; then it is marked failed. */
export const DELIVERY_WINDOW_MS = 24 * 3_600_000;

/** An endpoint whose attempts have failed for this long, with no success between, is disabled. */
export const ENDPOINT_FAILURE_DISABLE_MS = 3 * 24 * 3_600_000;

/**
 * When to try again after `attempts` failed attempts, or null when the delivery has failed for
 * good. The first retry comes after `firstRetryMs` (at most 10 s); jitter (±20 %, the first retry
 * only downwards) spreads the retries of many deliveries that failed together. The last attempt
 * is made at the end of the window rather than skipped.
 */
export function nextAttemptAt(
  attempts: number,
  createdAt: Date,
  now: Date,
  firstRetryMs: number,
  random: () => number = Math.random,
): Date | null {
  const deadline = createdAt.getTime() + DELIVERY_WINDOW_MS;
  if (now.getTime() >= deadline) return null;
  const delay =
    attempts <= 1
      ? firstRetryMs * (0.5 + 0.5 * random())
      : LATER_DELAYS_MS[Math.min(attempts - 2, LATER_DELAYS_MS.length - 1)] * (0.8 + 0.4 * random());
  return new Date(Math.min(now.getTime() + Math.round(delay), deadline));
}
