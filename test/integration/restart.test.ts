import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { SignJWT } from 'jose';
import {
  postgresAvailable,
  scratchDatabase,
  TEST_JWT_SECRET,
  TEST_ORIGIN,
  TEST_PLATFORM_KEY,
  TEST_RP_ID,
} from '../support/test-app.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';

const MAIN = new URL('../../apps/api/src/main.js', import.meta.url).pathname;
const COMPLETE = '/v1/users/me/mfa/webauthn/register/complete';

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

async function startServer(databaseUrl: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: '127.0.0.1',
      METRICS_PORT: '0',
      DATABASE_URL: databaseUrl,
      MIGRATE_ON_START: 'true',
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      PLATFORM_API_KEY: TEST_PLATFORM_KEY,
      MFA_ENCRYPTION_KEY: '11'.repeat(32),
      DEMO_TENANT: 'false',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // Up to 60 s: a loaded 2-core machine can take well over 15 s to boot a node.
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return child;
    } catch {
      /* starting */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('server did not start');
}

async function token(tenantId: string, sub: string) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ tenant_id: tenantId, auth_time: now })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(new TextEncoder().encode(TEST_JWT_SECRET));
}

const targets = ['sqlite', ...((await postgresAvailable()) ? ['postgres' as const] : [])] as const;

for (const dialect of targets) {
  describe(`SIGTERM during load and restart (${dialect})`, () => {
    it('in-flight completions finish, nothing is half-written, and everything is there after a restart', async () => {
      const db = await scratchDatabase(dialect);
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      let child = await startServer(db.url, port);
      try {
        const tenant = (await (
          await fetch(`${base}/v1/tenants`, {
            method: 'POST',
            headers: { 'X-API-Key': TEST_PLATFORM_KEY, 'Content-Type': 'application/json' },
            body: JSON.stringify({
              name: 'Restart',
              webauthn: { rp_id: TEST_RP_ID, rp_name: 'Restart', origins: [TEST_ORIGIN] },
            }),
          })
        ).json()) as { id: string };

        // 24 users with options in hand, then all completions at once and SIGTERM while they run.
        const users = await Promise.all(
          Array.from({ length: 24 }, async (_, i) => {
            const headers = {
              Authorization: `Bearer ${await token(tenant.id, `user-${i}`)}`,
              'X-Tenant-ID': tenant.id,
            };
            const opts = (await (
              await fetch(`${base}/v1/users/me/mfa/webauthn/register?method_type=webauthn_passkey`, {
                method: 'POST',
                headers,
              })
            ).json()) as { options: never };
            const credential = new SoftAuthenticator().createCredential(opts.options, { origin: TEST_ORIGIN });
            return {
              id: `user-${i}`,
              headers,
              body: JSON.stringify({ credential, device_name: 'k', method_type: 'webauthn_passkey' }),
            };
          }),
        );
        const inFlight = users.map((u) =>
          fetch(base + COMPLETE, {
            method: 'POST',
            headers: { ...u.headers, 'Content-Type': 'application/json' },
            body: u.body,
            signal: AbortSignal.timeout(20_000),
          }).then(
            async (res) => ({ user: u, status: res.status, body: (await res.json()) as { codes?: string[] } }),
            (): { user: typeof u; status: number; body: { codes?: string[] } } => ({ user: u, status: 0, body: {} }),
          ),
        );
        await new Promise((r) => setTimeout(r, 15));
        child.kill('SIGTERM');
        const results = await Promise.all(inFlight);
        const [code] = (await once(child, 'exit')) as [number | null];
        assert.equal(code, 0, 'clean exit after draining');
        const succeeded = results.filter((r) => r.status === 200);
        assert.ok(succeeded.length > 0, 'requests in flight at SIGTERM completed');
        for (const r of results)
          assert.ok(r.status === 200 || r.status === 0, `an in-flight request failed with ${r.status}`);
        for (const r of succeeded) assert.equal(r.body.codes?.length, 10);

        // Restart on the same database: every acknowledged enrollment is there, whole.
        child = await startServer(db.url, port);
        for (const r of results) {
          const list = (await (await fetch(`${base}/v1/users/me/mfa`, { headers: r.user.headers })).json()) as {
            methods: unknown[];
          };
          const codes = (await (
            await fetch(`${base}/v1/users/me/mfa/backup-codes`, { headers: r.user.headers })
          ).json()) as { remaining: number };
          if (r.status === 200) {
            assert.equal(list.methods.length, 1, `${r.user.id}: acknowledged enrollment survives the restart`);
            assert.equal(codes.remaining, 10);
          } else {
            // Never acknowledged: all of it or none of it.
            assert.ok(
              (list.methods.length === 0 && codes.remaining === 0) ||
                (list.methods.length === 1 && codes.remaining === 10),
              `${r.user.id}: half-written`,
            );
          }
        }
      } finally {
        if (child.exitCode === null) {
          child.kill('SIGTERM');
          await once(child, 'exit');
        }
        await db.drop();
      }
    });
  });
}
