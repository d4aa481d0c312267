import type { RateLimitStore, WindowCount } from './rate-limit.store.js';

/** In-process counters; expired windows are swept so memory stays bounded by active keys. */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), 30_000);
    this.sweeper.unref();
  }

  // The store interface is asynchronous (Redis); this one answers at once.
  increment(key: string, windowMs: number): Promise<WindowCount> {
    const now = this.now();
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + windowMs };
      this.windows.set(key, w);
    }
    w.count += 1;
    return Promise.resolve({ count: w.count, resetInMs: w.resetAt - now });
  }

  peek(key: string, windowMs: number): Promise<WindowCount> {
    const now = this.now();
    const w = this.windows.get(key);
    if (!w || w.resetAt <= now) return Promise.resolve({ count: 0, resetInMs: windowMs });
    return Promise.resolve({ count: w.count, resetInMs: w.resetAt - now });
  }

  reset(key: string): Promise<void> {
    this.windows.delete(key);
    return Promise.resolve();
  }

  close(): Promise<void> {
    clearInterval(this.sweeper);
    return Promise.resolve();
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, w] of this.windows) if (w.resetAt <= now) this.windows.delete(key);
  }
}
