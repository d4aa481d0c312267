import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#config';
import { ApiError } from '#errors';
import { Metrics } from '#observability';
import type { RateLimitStore, WindowCount } from './rate-limit.store.js';
import { MemoryRateLimitStore } from './memory-rate-limit.store.js';

export const RATE_LIMIT_STORE = Symbol('RATE_LIMIT_STORE');

const MINUTE = 60_000;
const MFA_FAILURE_WINDOW = 15 * MINUTE;

/**
 * Limits keyed by tenant and user (one tenant's flood never limits another tenant) and,
 * optionally, by client IP. If the shared store fails, counting falls back to this node's
 * memory rather than failing requests.
 */
@Injectable()
export class RateLimitService implements OnApplicationShutdown {
  private readonly logger = new Logger(RateLimitService.name);
  private readonly fallback = new MemoryRateLimitStore();
  private warned = false;

  constructor(
    @Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  /** Registration options and completions: RATE_LIMIT_ENROLL_PER_MINUTE per (tenant, user). */
  async hitEnrollment(tenantId: string, userId: string): Promise<void> {
    const limit = this.config.rateLimits.enrollPerMinute;
    if (limit === 0) return;
    const w = await this.count('increment', `enroll:${tenantId}:${userId}`, MINUTE);
    if (w.count > limit) throw this.limited('enroll', w, 'Too many enrollment requests. Try again later.');
  }

  /** Refuses while (tenant, user) has reached RATE_LIMIT_MFA_FAILURES failures in 15 minutes. */
  async assertMfaAllowed(tenantId: string, userId: string): Promise<void> {
    const limit = this.config.rateLimits.mfaFailures;
    if (limit === 0) return;
    const w = await this.count('peek', `mfa-fail:${tenantId}:${userId}`, MFA_FAILURE_WINDOW);
    if (w.count >= limit)
      throw this.limited('mfa_failures', w, 'Too many failed verification attempts. Try again later.');
  }

  /** Counts a failure; true when this one reached the limit (the user is locked out from now on). */
  async recordMfaFailure(tenantId: string, userId: string): Promise<boolean> {
    const limit = this.config.rateLimits.mfaFailures;
    if (limit === 0) return false;
    const w = await this.count('increment', `mfa-fail:${tenantId}:${userId}`, MFA_FAILURE_WINDOW);
    return w.count === limit;
  }

  /** RATE_LIMIT_IP_PER_MINUTE per client address; off by default. */
  async hitIp(ip: string): Promise<void> {
    const limit = this.config.rateLimits.ipPerMinute;
    if (limit === 0 || !ip) return;
    const w = await this.count('increment', `ip:${ip}`, MINUTE);
    if (w.count > limit) throw this.limited('ip', w, 'Too many requests from this address. Try again later.');
  }

  private async count(op: 'increment' | 'peek', key: string, windowMs: number): Promise<WindowCount> {
    try {
      const counted = await this.store[op](key, windowMs);
      this.metrics.rateLimitMemoryFallback.set(0);
      return counted;
    } catch (err) {
      this.metrics.rateLimitMemoryFallback.set(1);
      if (!this.warned) {
        this.warned = true;
        this.logger.warn(`rate-limit store unavailable, counting in memory on this node: ${(err as Error).message}`);
      }
      return this.fallback[op](key, windowMs);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.store.close(), this.fallback.close()]);
  }

  private limited(limit: 'enroll' | 'mfa_failures' | 'ip', w: WindowCount, message: string): ApiError {
    this.metrics.rateLimitHits.inc({ limit });
    return limited(w, message);
  }
}

function limited(w: WindowCount, message: string): ApiError {
  const retryAfter = Math.max(1, Math.ceil(w.resetInMs / 1000));
  return new ApiError('rate_limited', message, {
    headers: { 'Retry-After': String(retryAfter) },
    details: { retry_after_seconds: retryAfter },
  });
}
