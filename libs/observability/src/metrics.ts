import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ApiError } from '#errors';

/** A ceremony: enrolling a factor, or proving one at sign-in / step-up. */
export type CeremonyKind = 'registration' | 'authentication';

/** What a component reports to the metrics without knowing prom-client. */
export interface FidoMetadataState {
  /** When the BLOB in use was verified and taken into use; undefined without a BLOB. */
  loadedAt?: Date;
  /** The outcome of the last load or refresh attempt. */
  lastRefresh: 'none' | 'success' | 'not_newer' | 'failure';
}

export interface DatabasePoolState {
  inUse: number;
  waiting: number;
}

export const FIDO_REFRESH_OUTCOMES = ['none', 'success', 'not_newer', 'failure'] as const;

/**
 * One registry per app instance (tests run several apps in one process). Served on its own
 * listener (METRICS_PORT), never on the API port. Label values are bounded: methods, error codes
 * from the one catalogue, Cedar actions, limit names.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'tessera_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'tessera_http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly policyDecisions = new Counter({
    name: 'tessera_policy_decisions_total',
    help: 'Cedar decisions by action and outcome',
    labelNames: ['action', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly policyDecisionDuration = new Histogram({
    name: 'tessera_policy_decision_duration_seconds',
    help: 'Time to a Cedar decision (rules loaded when the policy version changed, entities built, evaluated) by action',
    labelNames: ['action'] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    registers: [this.registry],
  });
  readonly ceremoniesStarted = new Counter({
    name: 'tessera_ceremonies_started_total',
    help: 'Ceremonies started (registration options, sign-in/step-up begin) by ceremony and method',
    labelNames: ['ceremony', 'method'] as const,
    registers: [this.registry],
  });
  readonly ceremoniesCompleted = new Counter({
    name: 'tessera_ceremonies_completed_total',
    help: 'Ceremonies completed successfully by ceremony and method',
    labelNames: ['ceremony', 'method'] as const,
    registers: [this.registry],
  });
  readonly ceremoniesFailed = new Counter({
    name: 'tessera_ceremonies_failed_total',
    help: 'Ceremonies that failed, by ceremony, method and reason (the error code answered)',
    labelNames: ['ceremony', 'method', 'reason'] as const,
    registers: [this.registry],
  });
  readonly mfaVerifications = new Counter({
    name: 'tessera_mfa_verifications_total',
    help: 'MFA verifications (sign-in and step-up answers) by method and outcome (success, or the error code answered)',
    labelNames: ['method', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly stepUpRequired = new Counter({
    name: 'tessera_step_up_required_total',
    help: 'Requests answered 403 step_up_required, by Cedar action',
    labelNames: ['action'] as const,
    registers: [this.registry],
  });
  readonly rateLimitHits = new Counter({
    name: 'tessera_rate_limit_hits_total',
    help: 'Requests refused with 429 rate_limited, by limit',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });
  readonly rateLimitMemoryFallback = new Gauge({
    name: 'tessera_rate_limit_memory_fallback',
    help: "1 while rate limits are counted in this node's memory because the shared store (Redis) failed, else 0",
    registers: [this.registry],
  });
  private fidoMetadata: () => FidoMetadataState = () => ({ lastRefresh: 'none' });
  private databasePool: () => DatabasePoolState | undefined = () => undefined;

  readonly jwksStale = new Gauge({
    name: 'tessera_auth_jwks_stale',
    help: '1 while bearer tokens are verified with a JWKS older than its cache lifetime because refetches fail, else 0',
    registers: [this.registry],
  });
  readonly jwksAge = new Gauge({
    name: 'tessera_auth_jwks_age_seconds',
    help: 'Age of the JWKS bearer tokens are verified with (since its last successful fetch)',
    registers: [this.registry],
  });

  constructor(collectProcessMetrics = true) {
    if (collectProcessMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'tessera_' });
    this.rateLimitMemoryFallback.set(0);
    const sampled = (name: string, help: string, read: () => number | undefined) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        // No sample while there is nothing to measure (no BLOB, or SQLite): absent, not zero.
        collect() {
          const value = read();
          this.reset();
          if (value !== undefined) this.set(value);
        },
      });
    sampled(
      'tessera_fido_metadata_blob_age_seconds',
      'Seconds since the FIDO metadata BLOB in use was verified and loaded (no sample without a BLOB)',
      () => {
        const { loadedAt } = this.fidoMetadata();
        return loadedAt ? (Date.now() - loadedAt.getTime()) / 1000 : undefined;
      },
    );
    const fidoMetadata = () => this.fidoMetadata();
    new Gauge({
      name: 'tessera_fido_metadata_last_refresh',
      help: 'Outcome of the last FIDO metadata load or refresh: 1 for the outcome that happened, 0 for the others',
      labelNames: ['outcome'] as const,
      registers: [this.registry],
      collect() {
        const { lastRefresh } = fidoMetadata();
        for (const outcome of FIDO_REFRESH_OUTCOMES) this.set({ outcome }, outcome === lastRefresh ? 1 : 0);
      },
    });
    sampled(
      'tessera_db_pool_connections_in_use',
      'Database pool connections checked out by queries (PostgreSQL; no sample on SQLite)',
      () => this.databasePool()?.inUse,
    );
    sampled(
      'tessera_db_pool_waiting_requests',
      'Queries waiting for a free database pool connection (PostgreSQL; no sample on SQLite)',
      () => this.databasePool()?.waiting,
    );
  }

  /** The FIDO metadata service reports its state here (read at every scrape). */
  observeFidoMetadata(read: () => FidoMetadataState): void {
    this.fidoMetadata = read;
  }

  /** The persistence layer reports its pool here (read at every scrape). */
  observeDatabasePool(read: () => DatabasePoolState | undefined): void {
    this.databasePool = read;
  }

  /**
   * Counts one ceremony step: `start` (registration options, TOTP enrollment, WebAuthn begin)
   * counts a start; `finish` (the completion) a completion; `answer` is both at once, for the
   * answers that have no begin step (a TOTP or backup code at sign-in). A failing step counts a
   * failure, with the error code answered as its reason.
   */
  async ceremony<T>(
    ceremony: CeremonyKind,
    method: string,
    step: 'start' | 'finish' | 'answer',
    work: () => Promise<T>,
  ): Promise<T> {
    if (step === 'answer') this.ceremoniesStarted.inc({ ceremony, method });
    try {
      const result = await work();
      if (step === 'start') this.ceremoniesStarted.inc({ ceremony, method });
      else this.ceremoniesCompleted.inc({ ceremony, method });
      return result;
    } catch (err) {
      this.ceremoniesFailed.inc({ ceremony, method, reason: errorCodeOf(err) });
      throw err;
    }
  }

  /** An answer to an MFA challenge: a verification (success or the error code) that completes an authentication ceremony. */
  async verification<T>(
    method: 'webauthn' | 'totp' | 'backup_code',
    step: 'finish' | 'answer',
    work: () => Promise<T>,
  ): Promise<T> {
    try {
      const result = await this.ceremony('authentication', method, step, work);
      this.mfaVerifications.inc({ method, outcome: 'success' });
      return result;
    } catch (err) {
      this.mfaVerifications.inc({ method, outcome: errorCodeOf(err) });
      throw err;
    }
  }
}

/** The catalogue code the error answers with (bounded label values), else `internal`. */
export function errorCodeOf(err: unknown): string {
  return err instanceof ApiError ? err.code : 'internal';
}
