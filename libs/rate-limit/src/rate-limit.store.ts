/** The outcome of counting one event in a fixed window. */
export interface WindowCount {
  /** Events in the current window, including this one. */
  count: number;
  /** Milliseconds until the window resets. */
  resetInMs: number;
}

/**
 * Fixed-window counters. Memory for one node; Redis so every node behind a load balancer
 * shares the same counts.
 */
export interface RateLimitStore {
  /** Counts one event under `key` and returns the window's total. */
  increment(key: string, windowMs: number): Promise<WindowCount>;
  /** The window's total without counting. */
  peek(key: string, windowMs: number): Promise<WindowCount>;
  reset(key: string): Promise<void>;
  close(): Promise<void>;
}
