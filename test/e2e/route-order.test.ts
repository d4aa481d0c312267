import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
}

/**
 * Express tries routes one by one in the order Nest registered them, module by module. The
 * ceremonies' routes come first, so the requests made most often pass the fewest routes; and the
 * `/v1/users/me/mfa…` routes come before `/v1/users/:user_id/mfa…`, which would otherwise take
 * `me` for a user id.
 */
const CEREMONIES = [
  'post /v1/mfa/challenges',
  'post /v1/auth/mfa/webauthn/begin',
  'post /v1/auth/mfa/webauthn/complete',
  'post /v1/users/me/mfa/challenges',
  'post /v1/users/me/mfa/webauthn/register',
  'post /v1/users/me/mfa/webauthn/register/complete',
];

describe('the order Express matches routes in', () => {
  let t: TestApp;
  let routes: string[];

  before(async () => {
    t = await startTestApp('sqlite');
    const express = t.app.getHttpAdapter().getInstance() as { router: { stack: Layer[] } };
    routes = express.router.stack
      .filter((l) => l.route)
      .flatMap((l) => Object.keys(l.route!.methods).map((m) => `${m} ${l.route!.path}`));
  });

  after(() => t?.close());

  it('has the ceremonies’ routes before every other route but the health probes', () => {
    const positions = CEREMONIES.map((r) => routes.indexOf(r));
    assert.ok(
      positions.every((p) => p >= 0),
      `every ceremony route is registered: ${CEREMONIES.filter((_, i) => positions[i] < 0).join(', ')}`,
    );
    const firstOther = routes.findIndex(
      (r) => !/^get \/(healthz|readyz|openapi\.json|docs)/.test(r) && !r.includes('/mfa'),
    );
    assert.ok(Math.max(...positions) < firstOther, `ceremonies before ${routes[firstOther]}`);
  });

  it('matches /v1/users/me/mfa before /v1/users/:user_id/mfa', async () => {
    assert.ok(routes.indexOf('get /v1/users/me/mfa') < routes.indexOf('get /v1/users/:user_id/mfa'));
    const tenant = await t.createTenant();
    const listed = await t.request('GET', '/v1/users/me/mfa', { headers: await t.userHeaders(tenant.id, 'alice') });
    assert.equal(listed.status, 200);
  });
});
