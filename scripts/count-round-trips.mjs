#!/usr/bin/env node
// Database round trips per HTTP call of each ceremony, on PostgreSQL: boots the built service
// in-process on a scratch database, counts the statements the pg driver sends for each call and
// the Cedar decisions it asks, and prints them (SHOW=1 also prints each statement's start). Deterministic, unlike CPU timings on a
// shared machine. `npm run build && node scripts/count-round-trips.mjs`
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { SignJWT } from 'jose';

const root = new URL('..', import.meta.url).pathname;
const { loadConfig } = await import(`${root}dist/libs/config/src/index.js`);
const { createApp } = await import(`${root}dist/apps/api/src/create-app.js`);
const { SoftAuthenticator } = await import(`${root}dist/test/support/soft-authenticator.js`);
const { PolicyEngine } = await import(`${root}dist/libs/policy/src/index.js`);
const BASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ORIGIN = 'https://app.bench.test';

const sent = [];
let decisions = 0;
const authorize = PolicyEngine.prototype.authorize;
PolicyEngine.prototype.authorize = function (...args) {
  decisions++;
  return authorize.apply(this, args);
};
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (...args) {
  sent.push(typeof args[0] === 'string' ? args[0] : (args[0]?.text ?? String(args[0])));
  return query.apply(this, args);
};

const name = `tessera_round_trips_${process.pid}`;
const admin = new pg.Client({ connectionString: BASE_URL });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const url = new URL(BASE_URL);
url.pathname = `/${name}`;
const secret = randomBytes(32).toString('hex');
const platformKey = randomBytes(24).toString('hex');
const config = loadConfig({
  NODE_ENV: 'production',
  LOG_LEVEL: 'silent',
  DATABASE_URL: url.toString(),
  AUTH_JWT_SECRET: secret,
  PLATFORM_API_KEY: platformKey,
  MFA_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
  HOST: '127.0.0.1',
  PORT: '0',
  METRICS_PORT: '0',
  MIGRATE_ON_START: 'true',
});
const { app } = await createApp(config);
try {
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${app.getHttpServer().address().port}`;
  const call = async (label, method, path, headers, body) => {
    sent.length = 0;
    decisions = 0;
    const res = await fetch(base + path, {
      method,
      headers: body ? { ...headers, 'content-type': 'application/json' } : headers,
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await res.json().catch(() => null);
    if (label) {
      console.log(`${String(sent.length).padStart(3)} ${String(decisions).padStart(6)}  ${label} (${res.status})`);
      if (process.env.SHOW) for (const s of sent) console.log(`       ${s.replace(/\s+/g, ' ').slice(0, 110)}`);
    }
    return json;
  };
  const tenant = await call(
    '',
    'POST',
    '/v1/tenants',
    { 'x-api-key': platformKey },
    { name: 'Round trips', webauthn: { rp_id: 'bench.test', rp_name: 'Round trips', origins: [ORIGIN] } },
  );
  const now = Math.floor(Date.now() / 1000);
  const bearer = await new SignJWT({ tenant_id: tenant.id, auth_time: now, amr: ['pwd', 'mfa'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('user-1')
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(new TextEncoder().encode(secret));
  const user = { authorization: `Bearer ${bearer}`, 'x-tenant-id': tenant.id };
  const passkey = new SoftAuthenticator();
  const register = async (auth) => {
    const path = '/v1/users/me/mfa/webauthn/register?method_type=webauthn_passkey';
    const options = await call('registration: options', 'POST', path, user);
    const credential = auth.createCredential(options.options, { origin: ORIGIN });
    const body = { credential, device_name: 'Key', method_type: 'webauthn_passkey' };
    await call('registration: complete', 'POST', '/v1/users/me/mfa/webauthn/register/complete', user, body);
  };
  const assert = async (kind, challengeId) => {
    const begin = await call(
      `${kind}: webauthn begin`,
      'POST',
      '/v1/auth/mfa/webauthn/begin',
      {},
      { challenge_id: challengeId },
    );
    const credential = passkey.getAssertion(begin.options, { origin: ORIGIN });
    const body = { challenge_id: challengeId, credential };
    await call(`${kind}: webauthn complete`, 'POST', '/v1/auth/mfa/webauthn/complete', {}, body);
  };
  // The first pass warms the caches (tenant, policy set, signing key); the second is what a ceremony costs.
  console.log('statements, Cedar decisions, call');
  for (const pass of ['first (cold caches)', 'second']) {
    console.log(`--- ${pass}`);
    await register(pass.startsWith('first') ? passkey : new SoftAuthenticator());
    const apiKey = { 'x-api-key': tenant.api_key, 'x-tenant-id': tenant.id };
    const signIn = await call('sign-in: open challenge', 'POST', '/v1/mfa/challenges', apiKey, { user_id: 'user-1' });
    await assert('sign-in', signIn.challenge_id);
    const stepUp = await call('step-up: open challenge', 'POST', '/v1/users/me/mfa/challenges', user, {});
    await assert('step-up', stepUp.challenge_id);
  }
} finally {
  await app.close();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
