import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DataSource } from 'typeorm';
import { Clock } from '#config';
import { ExpiredRecordsPurger } from '#mfa';
import { postgresAvailable, startTestApp, TEST_ORIGIN, type TestApp } from '../support/test-app.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const REGISTER = '/v1/users/me/mfa/webauthn/register?method_type=webauthn_passkey';
const COMPLETE = '/v1/users/me/mfa/webauthn/register/complete';

const pgUp = await postgresAvailable();

describe('reliability on PostgreSQL', { skip: !pgUp && 'PostgreSQL is not reachable' }, () => {
  let t: TestApp;
  let tenantId: string;

  before(async () => {
    t = await startTestApp('postgres', { RATE_LIMIT_ENROLL_PER_MINUTE: '1000' });
    tenantId = (await t.createTenant()).id;
  });
  after(async () => {
    await t?.close();
  });

  async function optionsAndCredential(user: string) {
    const headers = await t.userHeaders(tenantId, user);
    const opts = await t.request('POST', REGISTER, { headers });
    assert.equal(opts.status, 200, opts.text);
    const credential = new SoftAuthenticator().createCredential(opts.body.options, { origin: TEST_ORIGIN });
    return { headers, body: { credential, device_name: 'k', method_type: 'webauthn_passkey' } };
  }

  const count = async (table: string, user: string) =>
    Number(
      (
        await t.app
          .get(DataSource)
          .query(`SELECT COUNT(*) AS n FROM ${table} WHERE tenant_id = $1 AND user_id = $2`, [tenantId, user])
      )[0].n,
    );

  it('50 parallel completions of one pending enrollment: exactly one 200, one credential, one code set', async () => {
    const { headers, body } = await optionsAndCredential('racer');
    const results = await Promise.all(
      Array.from({ length: 50 }, () => t.request('POST', COMPLETE, { headers, json: body })),
    );
    const ok = results.filter((r) => r.status === 200);
    assert.equal(ok.length, 1, results.map((r) => r.status).join(','));
    assert.ok(results.every((r) => r.status === 200 || (r.status === 404 && r.body.code === 'not_found')));
    assert.equal(await count('webauthn_credentials', 'racer'), 1);
    assert.equal(await count('backup_codes', 'racer'), 10);
    assert.equal(ok[0].body.codes.length, 10);
  });

  it('a fault between the credential insert and the backup-code insert leaves nothing behind', async () => {
    const ds = t.app.get(DataSource);
    // A real database error inside the transaction, raised by the server for one user only.
    await ds.query(`CREATE OR REPLACE FUNCTION tessera_test_fault() RETURNS trigger AS $$
      BEGIN IF NEW.user_id = 'faulty' THEN RAISE EXCEPTION 'injected fault'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await ds.query(
      `CREATE TRIGGER tessera_test_fault BEFORE INSERT ON backup_codes FOR EACH ROW EXECUTE FUNCTION tessera_test_fault()`,
    );
    try {
      const { headers, body } = await optionsAndCredential('faulty');
      const res = await t.request('POST', COMPLETE, { headers, json: body });
      assert.equal(res.status, 500);
      assert.equal(res.body.code, 'internal');
      assert.ok(res.body.details.request_id);
      assert.ok(!/injected|trigger|backup_codes|INSERT/i.test(res.text), `no internals: ${res.text}`);
      assert.equal(await count('webauthn_credentials', 'faulty'), 0);
      assert.equal(await count('backup_codes', 'faulty'), 0);
      const audits = await ds.query(
        `SELECT COUNT(*) AS n FROM audit_events WHERE tenant_id = $1 AND actor_id = 'faulty' AND action = 'factor.enrolled'`,
        [tenantId],
      );
      assert.equal(Number(audits[0].n), 0);
    } finally {
      await ds.query('DROP TRIGGER IF EXISTS tessera_test_fault ON backup_codes');
    }
    // The same user enrolls fine once the fault is gone.
    const { headers, body } = await optionsAndCredential('faulty');
    assert.equal((await t.request('POST', COMPLETE, { headers, json: body })).status, 200);
  });

  it('a fault in the audit insert of a second enrollment (no codes issued) leaves no credential behind', async () => {
    const ds = t.app.get(DataSource);
    const first = await optionsAndCredential('audit-faulty');
    assert.equal((await t.request('POST', COMPLETE, { headers: first.headers, json: first.body })).status, 200);
    await ds.query(`CREATE OR REPLACE FUNCTION tessera_test_audit_fault() RETURNS trigger AS $$
      BEGIN IF NEW.actor_id = 'audit-faulty' THEN RAISE EXCEPTION 'injected fault'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await ds.query(
      `CREATE TRIGGER tessera_test_audit_fault BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION tessera_test_audit_fault()`,
    );
    try {
      const second = await optionsAndCredential('audit-faulty');
      const res = await t.request('POST', COMPLETE, { headers: second.headers, json: second.body });
      assert.equal(res.status, 500);
      assert.equal(res.body.code, 'internal');
      assert.equal(await count('webauthn_credentials', 'audit-faulty'), 1, 'the second credential was not kept');
    } finally {
      await ds.query('DROP TRIGGER IF EXISTS tessera_test_audit_fault ON audit_events');
    }
  });

  it('expired pending enrollments are purged; live ones stay', async () => {
    await optionsAndCredential('purge-live');
    await optionsAndCredential('purge-dead');
    const purger = t.app.get(ExpiredRecordsPurger);
    const clock = t.app.get(Clock);
    const ds = t.app.get(DataSource);
    // Make one of them old.
    await ds.query(`UPDATE pending_enrollments SET expires_at = $1 WHERE user_id = 'purge-dead'`, [
      new Date(Date.now() - 1000),
    ]);
    void clock;
    const deleted = await purger.purge();
    assert.ok(deleted >= 1);
    assert.equal(await count('pending_enrollments', 'purge-dead'), 0);
    assert.equal(await count('pending_enrollments', 'purge-live'), 1);
  });

  it('enrollment calls are limited per (tenant, user): 429 with Retry-After, other users and tenants unaffected', async () => {
    const limited = await startTestApp('postgres', { RATE_LIMIT_ENROLL_PER_MINUTE: '5' });
    try {
      const a = (await limited.createTenant()).id;
      const b = (await limited.createTenant()).id;
      const headers = await limited.userHeaders(a, 'flooder');
      const statuses: number[] = [];
      let last;
      for (let i = 0; i < 7; i++) {
        last = await limited.request('POST', REGISTER, { headers });
        statuses.push(last.status);
      }
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
      assert.ok(last);
      assert.equal(last.body.code, 'rate_limited');
      const retryAfter = Number(last.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 60, String(retryAfter));
      // Same user id in another tenant, and another user in the same tenant: not limited.
      assert.equal(
        (await limited.request('POST', REGISTER, { headers: await limited.userHeaders(b, 'flooder') })).status,
        200,
      );
      assert.equal(
        (await limited.request('POST', REGISTER, { headers: await limited.userHeaders(a, 'neighbour') })).status,
        200,
      );
    } finally {
      await limited.close();
    }
  });
});

describe('database outage', { skip: !pgUp && 'PostgreSQL is not reachable' }, () => {
  it('answers 503 service_unavailable with Retry-After while PostgreSQL is unreachable, and recovers by itself', async () => {
    const proxy = new TcpProxy('127.0.0.1', 5432);
    const port = await proxy.start();
    const t = await startTestApp('postgres', {}, {}, (url) => {
      const u = new URL(url);
      u.port = String(port);
      return u.toString();
    });
    try {
      const tenantId = (await t.createTenant()).id;
      const headers = await t.userHeaders(tenantId, 'outage');
      assert.equal((await t.request('POST', REGISTER, { headers })).status, 200);
      assert.equal((await t.request('GET', '/readyz')).status, 200);

      await proxy.cut();
      // Past the tenant cache, so the request needs the database.
      await new Promise((r) => setTimeout(r, 600));
      const started = Date.now();
      const down = await t.request('POST', REGISTER, { headers });
      const ready = await t.request('GET', '/readyz');
      assert.ok(Date.now() - started < 15_000, 'bounded');
      assert.equal(down.status, 503, down.text);
      assert.equal(down.body.code, 'service_unavailable');
      assert.ok(Number(down.headers.get('retry-after')) > 0);
      assert.equal(ready.status, 503);
      assert.equal(ready.body.code, 'service_unavailable');
      assert.equal((await t.request('GET', '/healthz')).status, 200, 'the process itself is alive');

      await proxy.restore();
      let recovered = 0;
      for (let i = 0; i < 50 && recovered !== 200; i++) {
        recovered = (await t.request('POST', REGISTER, { headers })).status;
        if (recovered !== 200) await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(recovered, 200);
      assert.equal((await t.request('GET', '/readyz')).status, 200);
    } finally {
      await proxy.restore();
      await t.close();
      await proxy.stop();
    }
  });
});
