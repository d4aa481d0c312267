import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_TENANT_ID } from '../../apps/api/src/demo-tenant.js';
import { TEST_JWT_SECRET, TEST_PLATFORM_KEY } from '../support/test-app.js';
import { freePort, startServerProcess, type ServerProcess } from '../support/server-process.js';

/**
 * Development mode fails closed: the built server started as an operator would, with NODE_ENV
 * unset. Auth settings without NODE_ENV look like a deployment, so no dev-only feature runs.
 */
describe('development mode (the built server, NODE_ENV unset)', () => {
  const dirs: string[] = [];
  const servers: ServerProcess[] = [];
  after(async () => {
    for (const s of servers) await s.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function start(
    env: Record<string, string>,
  ): Promise<{ server: ServerProcess; base: string; warnings: string[]; listening: { host: string } }> {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-devmode-'));
    dirs.push(dir);
    const port = await freePort();
    // No HOST: the development default is under test.
    const server = await startServerProcess({
      PORT: String(port),
      DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
      PLATFORM_API_KEY: TEST_PLATFORM_KEY,
      LOG_LEVEL: 'info',
      METRICS_PORT: '0',
      ...env,
    });
    servers.push(server);
    const lines = server
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg: string; host?: string });
    return {
      server,
      base: `http://127.0.0.1:${port}`,
      warnings: lines.filter((l) => l.level === 40).map((l) => l.msg),
      listening: lines.find((l) => l.msg === 'listening') as { host: string },
    };
  }

  async function demoTenantExists(base: string): Promise<boolean> {
    const res = await fetch(`${base}/v1/tenants/${DEMO_TENANT_ID}`, { headers: { 'X-API-Key': TEST_PLATFORM_KEY } });
    assert.ok(res.status === 200 || res.status === 404, String(res.status));
    return res.status === 200;
  }

  it('with AUTH_JWT_SECRET: no demo page, no /demo/session, no demo tenant, no dev token; on 127.0.0.1; one warning line', async () => {
    const { server, base, warnings, listening } = await start({ AUTH_JWT_SECRET: TEST_JWT_SECRET });
    assert.equal(listening.host, '127.0.0.1');
    assert.equal(warnings.length, 1, JSON.stringify(warnings));
    assert.match(
      warnings[0],
      /^Development mode \(NODE_ENV is not set\)\. AUTH_JWT_SECRET or AUTH_JWKS_URL is set, so dev-only features are off/,
    );
    assert.equal((await fetch(`${base}/demo/session`)).status, 404);
    assert.equal((await fetch(`${base}/demo`)).status, 404);
    assert.equal(await demoTenantExists(base), false, 'no demo tenant');
    assert.doesNotMatch(server.output(), /Dev token|Bearer ey/);
  });

  it('with AUTH_JWKS_URL and DEMO_TENANT=true: the demo tenant only, still no demo session and no dev token', async () => {
    const { server, base, warnings } = await start({
      AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks.json',
      DEMO_TENANT: 'true',
    });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /dev-only features are off.*Enabled: the demo tenant/);
    assert.equal(await demoTenantExists(base), true, 'the demo tenant, asked for explicitly');
    assert.equal((await fetch(`${base}/demo/session`)).status, 404);
    assert.doesNotMatch(server.output(), /Dev token|Bearer ey/);
  });

  it('with no auth settings (the quick start): demo page, session, demo tenant and dev token, on 127.0.0.1, named in the warning', async () => {
    const { server, base, warnings, listening } = await start({});
    assert.equal(listening.host, '127.0.0.1');
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0],
      /^Development mode \(NODE_ENV is not set\)\. Enabled: the demo page \(\/demo, \/demo\/session\), dev tokens .*the demo tenant.*listening on 127\.0\.0\.1/,
    );
    const session = await fetch(`${base}/demo/session`);
    assert.equal(session.status, 200);
    const { token } = (await session.json()) as { token: string };
    const me = await fetch(`${base}/v1/users/me/mfa`, {
      headers: { Authorization: `Bearer ${token}`, 'X-Tenant-ID': DEMO_TENANT_ID },
    });
    assert.equal(me.status, 200, 'the dev token verifies');
    assert.match(server.output(), /Dev token for user "demo-user"/);
  });
});
