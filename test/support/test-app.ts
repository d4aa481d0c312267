import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { SignJWT } from 'jose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfig, type AppConfig } from '#config';
import { createApp, type CreateAppOptions } from '../../apps/api/src/create-app.js';
import { MetricsServer } from '#observability';

export const TEST_JWT_SECRET = 'test-secret-0123456789abcdefghijklmnopqrstuvwxyz';
export const TEST_PLATFORM_KEY = 'test-platform-key-0123456789abcdef';
export const PG_BASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type Dialect = 'sqlite' | 'postgres';

/** A scratch database per test file: a SQLite file in a temp dir, or a fresh PostgreSQL database. */
export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function scratchDatabase(dialect: Dialect): Promise<ScratchDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-test-'));
    return {
      url: `sqlite:${join(dir, 'test.sqlite')}`,
      drop: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
    };
  }
  const name = `tessera_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_BASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_BASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_BASE_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

let pgAvailable: Promise<boolean> | undefined;
/** PostgreSQL suites run when the server answers; under CI=true a missing server is a failure. */
export function postgresAvailable(): Promise<boolean> {
  pgAvailable ??= (async () => {
    const c = new pg.Client({ connectionString: PG_BASE_URL, connectionTimeoutMillis: 2000 });
    try {
      await c.connect();
      await c.end();
      return true;
    } catch {
      if (process.env.CI === 'true') throw new Error(`CI=true but PostgreSQL is not reachable at ${PG_BASE_URL}`);
      return false;
    }
  })();
  return pgAvailable;
}

/** The dialects to run an e2e suite on: SQLite always, PostgreSQL when available. */
export async function dialects(): Promise<Dialect[]> {
  return (await postgresAvailable()) ? ['sqlite', 'postgres'] : ['sqlite'];
}

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  baseUrl: string;
  /** The Prometheus listener (its own ephemeral port): `${metricsUrl}/metrics`. */
  metricsUrl: string;
  db: ScratchDatabase;
  close(): Promise<void>;
  /** fetch against the app; JSON body when `json` is given. */
  request(
    method: string,
    path: string,
    init?: { headers?: Record<string, string>; json?: unknown; body?: string },
  ): Promise<TestResponse>;
  createTenant(opts?: {
    name?: string;
    webauthn?: { rp_id: string; rp_name: string; origins: string[] } | null;
    require_mfa?: boolean;
  }): Promise<{ id: string; apiKey: string }>;
  userToken(tenantId: string, sub: string, claims?: Record<string, unknown>): Promise<string>;
  userHeaders(tenantId: string, sub: string, claims?: Record<string, unknown>): Promise<Record<string, string>>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export const TEST_ORIGIN = 'https://app.tessera.test';
export const TEST_RP_ID = 'tessera.test';

/**
 * Boots the whole app on a scratch database, listening on 127.0.0.1 with an ephemeral port.
 * `options` passes a logger or test-only modules (probe routes) to createApp.
 */
export async function startTestApp(
  dialect: Dialect,
  env: Record<string, string> = {},
  options: CreateAppOptions = {},
  /** Rewrites the scratch database's URL for the app (e.g. through a proxy the test controls). */
  databaseUrlFor: (url: string) => string = (url) => url,
  /** Another node, or a restart: run on this database, and leave it to its owner to drop. */
  shared?: ScratchDatabase,
): Promise<TestApp> {
  const db = shared ?? (await scratchDatabase(dialect));
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrlFor(db.url),
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    PLATFORM_API_KEY: TEST_PLATFORM_KEY,
    PORT: '0',
    HOST: '127.0.0.1',
    METRICS_PORT: '0',
    METRICS_HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...env,
  });
  const { app } = await createApp(config, options);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const metricsUrl = `http://127.0.0.1:${app.get(MetricsServer).port()}`;

  const request: TestApp['request'] = async (method, path, init = {}) => {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    let body = init.body;
    if (init.json !== undefined) {
      headers['Content-Type'] ??= 'application/json';
      body = JSON.stringify(init.json);
    }
    const res = await fetch(baseUrl + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  };

  // A test session's IdP asserts fresh MFA by default (a step-up proof for factor changes); suites
  // about the step-up rule pass `amr: ['pwd']` for a password-only session.
  const userToken: TestApp['userToken'] = async (tenantId, sub, claims = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ tenant_id: tenantId, auth_time: now, amr: ['pwd', 'mfa'], ...claims })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
  };

  return {
    app,
    config,
    baseUrl,
    metricsUrl,
    db,
    request,
    userToken,
    async userHeaders(tenantId, sub, claims) {
      return { Authorization: `Bearer ${await userToken(tenantId, sub, claims)}`, 'X-Tenant-ID': tenantId };
    },
    async createTenant(opts = {}) {
      const res = await request('POST', '/v1/tenants', {
        headers: { 'X-API-Key': TEST_PLATFORM_KEY },
        json: {
          name: opts.name ?? 'Test tenant',
          webauthn:
            opts.webauthn === undefined
              ? { rp_id: TEST_RP_ID, rp_name: 'Tessera test', origins: [TEST_ORIGIN] }
              : (opts.webauthn ?? undefined),
          require_mfa: opts.require_mfa,
        },
      });
      if (res.status !== 201) throw new Error(`createTenant failed: ${res.status} ${res.text}`);
      return { id: res.body.id, apiKey: res.body.api_key };
    },
    async close() {
      await app.close();
      if (!shared) await db.drop();
    },
  };
}
