import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '#config';
import { createApp } from '../create-app.js';
import { DEMO_TENANT_ID, ensureDemoTenant } from '../demo-tenant.js';
import { loadDemoAssets } from './demo-assets.js';

/** Boots the app on a scratch SQLite file and returns the status and body of each GET. */
async function get(
  env: Record<string, string>,
  paths: string[],
  seedDemo: boolean,
): Promise<Array<{ status: number; text: string }>> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-demo-spec-'));
  const config = loadConfig({
    DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
    MIGRATE_ON_START: 'true',
    PORT: '0',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const { app } = await createApp(config);
  try {
    await app.listen(0, '127.0.0.1');
    const port = (app.getHttpServer().address() as { port: number }).port;
    if (seedDemo) await ensureDemoTenant(app, { ...config, port });
    const out: Array<{ status: number; text: string }> = [];
    for (const path of paths) {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      out.push({ status: res.status, text: await res.text() });
    }
    return out;
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const PATHS = ['/demo', '/demo/session', '/demo/assets/demo.js'];

describe('demo module', () => {
  it('is absent in production: every /demo path is a 404', async () => {
    const production = {
      NODE_ENV: 'production',
      AUTH_JWT_SECRET: randomBytes(32).toString('hex'),
      MFA_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    };
    assert.deepEqual(
      (await get(production, PATHS, false)).map((r) => r.status),
      [404, 404, 404],
    );
  });

  it('is served in dev mode, with a session for the demo tenant', async () => {
    const built = loadDemoAssets().size > 0;
    const [page, session, script] = await get({ NODE_ENV: 'test' }, PATHS, true);
    assert.equal(session.status, 200);
    const body = JSON.parse(session.text) as { tenant_id: string; token: string };
    assert.equal(body.tenant_id, DEMO_TENANT_ID);
    assert.equal(body.token.split('.').length, 3);
    // The page itself comes from `npm run build` (apps/demo-web/build.mjs); a bare tsc build answers 404 with a hint.
    assert.equal(page.status, built ? 200 : 404);
    assert.equal(script.status, built ? 200 : 404);
    if (!built) assert.match(page.text, /npm run build/);
  });

  it('says what is missing when the demo tenant is not seeded', async () => {
    const [session] = await get({ NODE_ENV: 'test', DEMO_TENANT: 'false' }, ['/demo/session'], false);
    assert.equal(session.status, 404);
    assert.match(session.text, /demo tenant does not exist/);
  });

  it('never signs a demo session with an operator-provided secret', async () => {
    const [session] = await get(
      { NODE_ENV: 'development', AUTH_JWT_SECRET: randomBytes(32).toString('hex') },
      ['/demo/session'],
      true,
    );
    assert.equal(session.status, 501);
    assert.match(session.text, /dev tokens, which are unavailable when AUTH_JWT_SECRET or AUTH_JWKS_URL is set/);
    // NODE_ENV unset with a secret: dev mode fails closed, the module is not mounted at all.
    const [closed] = await get({ AUTH_JWT_SECRET: randomBytes(32).toString('hex') }, ['/demo/session'], false);
    assert.equal(closed.status, 404);
  });

  it('loads assets by relative path only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-demo-assets-'));
    try {
      assert.equal(loadDemoAssets(join(dir, 'missing')).size, 0);
      const assets = loadDemoAssets();
      for (const key of assets.keys()) {
        assert.ok(!key.startsWith('/') && !key.includes('..') && !key.includes('\\'), key);
      }
      if (assets.size > 0) {
        assert.ok(assets.has('index.html'));
        assert.ok(assets.has('vendor/simplewebauthn/index.js'));
        assert.ok(assets.has('vendor/tessera-sdk/browser.js'));
        assert.ok(assets.has('vendor/openapi-fetch/index.js'));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
