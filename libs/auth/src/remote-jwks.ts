import {
  createLocalJWKSet,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWSHeaderParameters,
  type JWTVerifyGetKey,
} from 'jose';
import type { Clock } from '#config';

export interface RemoteJwksOptions {
  url: URL;
  clock: Clock;
  /** How long the last key set fetched successfully keeps verifying while refetches fail. */
  staleSeconds: number;
  /** Age after which the key set is refetched (in the background). */
  cacheMaxAgeMs?: number;
  /** At most one fetch per this interval: unknown-kid refetches, and retries while failing. */
  cooldownMs?: number;
  timeoutMs?: number;
  /** Called at most once per cooldown while tokens are verified with keys older than cacheMaxAgeMs. */
  onStale?: (ageSeconds: number, reason: string) => void;
  /** Called on every verification with whether the keys in use are stale and their age. */
  onState?: (stale: boolean, ageSeconds: number) => void;
}

type LocalSet = ReturnType<typeof createLocalJWKSet>;

/**
 * The identity provider's JWKS, held so that an outage of the provider does not lock every
 * user out: the last key set fetched successfully keeps verifying for `staleSeconds` while
 * refetches fail. Fetches are single-flight (one request in flight at most, every concurrent
 * caller shares it) and at most one per cooldown, so a failing provider sees one request a
 * minute however many tokens arrive. Refreshing an aged set happens in the background; only an
 * unknown `kid` (a rotated key) waits for a fetch.
 */
export class RemoteJwks {
  private keys?: LocalSet;
  private fetchedAtMs?: number;
  private lastAttemptMs?: number;
  private lastStaleWarningMs?: number;
  private lastError = '';
  private inFlight?: Promise<boolean>;
  private readonly cacheMaxAgeMs: number;
  private readonly cooldownMs: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: RemoteJwksOptions) {
    this.cacheMaxAgeMs = options.cacheMaxAgeMs ?? 10 * 60_000;
    this.cooldownMs = options.cooldownMs ?? 60_000;
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  /** The key resolver for jose's jwtVerify. */
  readonly getKey: JWTVerifyGetKey = (header, token) => this.resolve(header, token);

  /** Resolves once no fetch is in flight (tests, shutdown). */
  async settled(): Promise<void> {
    await this.inFlight;
  }

  private async resolve(header: JWSHeaderParameters, token: FlattenedJWSInput) {
    const now = this.nowMs();
    if (!this.keys) await this.refresh(now);
    else if (now - this.fetchedAtMs! >= this.cacheMaxAgeMs) {
      const refreshed = this.refresh(now);
      // Keys past every limit: wait for the fetch rather than refuse while one may succeed.
      if (now - this.fetchedAtMs! > this.usableForMs()) await refreshed;
    }
    const keys = this.usableKeys(now);
    try {
      return await keys(header, token);
    } catch (err) {
      // A key the provider rotated in: wait for a fetch (shared, at most one per cooldown) and retry once.
      if ((err as { code?: string }).code !== 'ERR_JWKS_NO_MATCHING_KEY' || !(await this.refresh(now))) throw err;
      return this.usableKeys(this.nowMs())(header, token);
    }
  }

  /** The keys in hand, unless there are none or they are older than the stale limit. */
  private usableKeys(now: number): LocalSet {
    if (!this.keys || this.fetchedAtMs === undefined) throw new JwksUnavailable('no key set has been fetched yet');
    const ageMs = now - this.fetchedAtMs;
    // Stale: past its cache lifetime, and the last refetch failed.
    const stale = ageMs >= this.cacheMaxAgeMs && this.lastError !== '';
    this.options.onState?.(stale, Math.max(0, Math.floor(ageMs / 1000)));
    if (ageMs > this.usableForMs()) throw new JwksUnavailable(`the last key set is ${Math.floor(ageMs / 1000)} s old`);
    if (stale && (this.lastStaleWarningMs === undefined || now - this.lastStaleWarningMs >= this.cooldownMs)) {
      this.lastStaleWarningMs = now;
      this.options.onStale?.(Math.floor(ageMs / 1000), this.lastError);
    }
    return this.keys;
  }

  /** Starts a fetch unless one is in flight or the cooldown has not passed; true when keys were replaced. */
  private refresh(now: number): Promise<boolean> {
    if (this.inFlight) return this.inFlight;
    if (this.lastAttemptMs !== undefined && now - this.lastAttemptMs < this.cooldownMs) return Promise.resolve(false);
    this.lastAttemptMs = now;
    this.inFlight = this.fetchSet()
      .then((set) => {
        this.keys = set;
        this.fetchedAtMs = this.nowMs();
        this.lastError = '';
        this.lastStaleWarningMs = undefined;
        return true;
      })
      .catch((err: unknown) => {
        this.lastError = err instanceof Error ? err.message : String(err);
        return false;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }

  private async fetchSet(): Promise<LocalSet> {
    const res = await fetch(this.options.url, {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (res.status !== 200) throw new Error(`JWKS answered ${res.status}`);
    const body = (await res.json()) as JSONWebKeySet;
    if (!body || !Array.isArray(body.keys)) throw new Error('JWKS has no keys array');
    // Rejects a malformed set before it replaces the one in hand.
    return createLocalJWKSet(body);
  }

  /** How long after its fetch a key set may verify: its cache lifetime, or the stale limit when longer. */
  private usableForMs(): number {
    return Math.max(this.cacheMaxAgeMs, this.options.staleSeconds * 1000);
  }

  private nowMs(): number {
    return this.options.clock.now().getTime();
  }
}

export class JwksUnavailable extends Error {
  readonly code = 'ERR_JWKS_UNAVAILABLE';
}
