import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per app instance (tests run several apps in one process). */
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
  }
}
