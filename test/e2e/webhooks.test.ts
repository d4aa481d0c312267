import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DataSource } from 'typeorm';
import { AuditService } from '#audit';
import { Clock } from '#config';
import { WebhookDispatcher } from '#webhooks';
import { TcpProxy } from '../support/tcp-proxy.js';
import {
  PG_BASE_URL,
  dialects,
  scratchDatabase,
  startTestApp,
  type Dialect,
  type ScratchDatabase,
  type TestApp,
} from '../support/test-app.js';
import type { Tenant } from '../support/mfa-flows.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

/** Local receivers on 127.0.0.1 need private networks allowed; a fast poll and an immediate first retry keep the suite quick. */
const FAST = {
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  WEBHOOK_POLL_INTERVAL_MS: '100',
  WEBHOOK_FIRST_RETRY_SECONDS: '0',
  RATE_LIMIT_ENROLL_PER_MINUTE: '1000',
};

type Delivery = {
  id: string;
  event_id: string;
  event_type: string;
  status: string;
  attempts: number;
  last_response_code: number | null;
  last_error: string | null;
  next_attempt_at: string | null;
};

const admin = (tenant: Tenant) => ({ 'X-API-Key': tenant.apiKey, 'X-Tenant-ID': tenant.id });

async function createWebhook(t: TestApp, tenant: Tenant, url: string, events: string[] = ['*']) {
  const res = await t.request('POST', '/v1/webhooks', {
    headers: admin(tenant),
    json: { url, events, description: 'test receiver' },
  });
  assert.equal(res.status, 201, res.text);
  return res.body as { id: string; secret: string; url: string; events: string[]; enabled: boolean };
}

async function deliveries(t: TestApp, tenant: Tenant, webhookId: string): Promise<Delivery[]> {
  const res = await t.request('GET', `/v1/webhooks/${webhookId}/deliveries?limit=100`, { headers: admin(tenant) });
  assert.equal(res.status, 200, res.text);
  return res.body.data;
}

/** Polls the deliveries API until `predicate` holds (bounded). */
async function untilDeliveries(
  t: TestApp,
  tenant: Tenant,
  webhookId: string,
  predicate: (d: Delivery[]) => boolean,
  what: string,
): Promise<Delivery[]> {
  let list: Delivery[] = [];
  for (let i = 0; i < 300; i++) {
    list = await deliveries(t, tenant, webhookId);
    if (predicate(list)) return list;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`deliveries never reached: ${what}: ${JSON.stringify(list)}`);
}

/** A fault inside the enrollment transaction, after its factor.enrolled outbox row was written. */
async function injectOutboxFault(ds: DataSource, dialect: Dialect, user: string): Promise<() => Promise<void>> {
  if (dialect === 'postgres') {
    await ds.query(`CREATE OR REPLACE FUNCTION tessera_test_outbox_fault() RETURNS trigger AS $$
      BEGIN IF NEW.type = 'backup_codes.issued' AND NEW.data LIKE '%"user_id":"${user}"%' THEN RAISE EXCEPTION 'injected fault'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await ds.query(
      'CREATE TRIGGER tessera_test_outbox_fault BEFORE INSERT ON webhook_outbox FOR EACH ROW EXECUTE FUNCTION tessera_test_outbox_fault()',
    );
    return async () => void (await ds.query('DROP TRIGGER IF EXISTS tessera_test_outbox_fault ON webhook_outbox'));
  }
  await ds.query(`CREATE TRIGGER tessera_test_outbox_fault BEFORE INSERT ON webhook_outbox
    WHEN NEW.type = 'backup_codes.issued' AND NEW.data LIKE '%"user_id":"${user}"%' BEGIN SELECT RAISE(ABORT, 'injected fault'); END`);
  return async () => void (await ds.query('DROP TRIGGER IF EXISTS tessera_test_outbox_fault'));
}

for (const dialect of await dialects()) {
  describe(`Webhooks (${dialect})`, () => {
    let t: TestApp;
    let acme: Tenant;
    let globex: Tenant;
    const receiver = new WebhookReceiver();

    before(async () => {
      await receiver.start();
      t = await startTestApp(dialect, FAST);
      acme = await t.createTenant({ name: 'Acme' });
      globex = await t.createTenant({ name: 'Globex' });
    });
    after(async () => {
      await t?.close();
      await receiver.stop();
    });

    it('create, read, list, update, delete: secret shown once and stored sealed; audited; tenant-bound', async () => {
      const created = await createWebhook(t, acme, receiver.url, ['mfa.failed', 'factor.enrolled', 'mfa.failed']);
      assert.match(created.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
      assert.equal(Buffer.from(created.secret.slice(6), 'base64').length, 32);
      assert.deepEqual(created.events, ['factor.enrolled', 'mfa.failed']);
      assert.equal(created.enabled, true);

      const [stored] = await t.app
        .get(DataSource)
        .query(`SELECT secret_sealed FROM webhook_endpoints WHERE id = ${dialect === 'postgres' ? '$1' : '?'}`, [
          created.id,
        ]);
      assert.ok(!stored.secret_sealed.includes(created.secret.slice(6)), 'the secret is not stored in the clear');

      const got = await t.request('GET', `/v1/webhooks/${created.id}`, { headers: admin(acme) });
      assert.equal(got.status, 200);
      assert.equal(got.body.secret, undefined, 'never shown again');
      assert.deepEqual(Object.keys(got.body).sort(), [
        'created_at',
        'description',
        'disabled_reason',
        'enabled',
        'events',
        'id',
        'updated_at',
        'url',
      ]);

      const patched = await t.request('PATCH', `/v1/webhooks/${created.id}`, {
        headers: admin(acme),
        json: { events: ['*'], enabled: false },
      });
      assert.equal(patched.status, 200, patched.text);
      assert.deepEqual(
        [patched.body.events, patched.body.enabled, patched.body.disabled_reason],
        [['*'], false, 'admin'],
      );

      const second = await createWebhook(t, acme, receiver.url, ['api_key.created']);
      const page1 = await t.request('GET', '/v1/webhooks?limit=1', { headers: admin(acme) });
      assert.deepEqual(
        page1.body.data.map((w: { id: string }) => w.id),
        [second.id],
      );
      const page2 = await t.request('GET', `/v1/webhooks?limit=1&cursor=${page1.body.next_cursor}`, {
        headers: admin(acme),
      });
      assert.deepEqual(
        page2.body.data.map((w: { id: string }) => w.id),
        [created.id],
      );

      assert.equal(
        (await t.request('GET', `/v1/webhooks/${created.id}`, { headers: admin(globex) })).status,
        404,
        "another tenant's webhook is not found",
      );
      assert.equal((await t.request('DELETE', `/v1/webhooks/${created.id}`, { headers: admin(globex) })).status, 404);
      assert.equal((await t.request('DELETE', `/v1/webhooks/${created.id}`, { headers: admin(acme) })).status, 204);
      assert.equal((await t.request('DELETE', `/v1/webhooks/${second.id}`, { headers: admin(acme) })).status, 204);
      assert.equal((await t.request('GET', `/v1/webhooks/${created.id}`, { headers: admin(acme) })).status, 404);

      const log = await t.request('GET', '/v1/audit-log?resource_type=webhook&limit=100', { headers: admin(acme) });
      assert.deepEqual(log.body.data.map((e: { action: string }) => e.action).reverse(), [
        'webhook.created',
        'webhook.updated',
        'webhook.created',
        'webhook.deleted',
        'webhook.deleted',
      ]);
      assert.ok(!log.text.includes(created.secret.slice(6)), 'the audit log never holds the secret');
    });

    it('the OpenAPI document has every webhook and export route, with explicit operation ids and their statuses', async () => {
      const doc = (await t.request('GET', '/openapi.json')).body;
      const expect: [string, string, string, string[]][] = [
        ['/v1/webhooks', 'post', 'createWebhook', ['201', '400', '401', '403']],
        ['/v1/webhooks', 'get', 'listWebhooks', ['200', '400', '403']],
        ['/v1/webhooks/{id}', 'get', 'getWebhook', ['200', '403', '404']],
        ['/v1/webhooks/{id}', 'patch', 'updateWebhook', ['200', '400', '403', '404']],
        ['/v1/webhooks/{id}', 'delete', 'deleteWebhook', ['204', '403', '404']],
        ['/v1/webhooks/{id}/rotate-secret', 'post', 'rotateWebhookSecret', ['200', '403', '404']],
        ['/v1/webhooks/{id}/test', 'post', 'testWebhook', ['202', '403', '404']],
        ['/v1/webhooks/{id}/deliveries', 'get', 'listWebhookDeliveries', ['200', '403', '404']],
        ['/v1/audit-log/export', 'get', 'exportAuditLog', ['200', '400', '403']],
      ];
      for (const [path, method, operationId, statuses] of expect) {
        const op = doc.paths[path]?.[method];
        assert.ok(op, `${method} ${path}`);
        assert.equal(op.operationId, operationId);
        for (const status of statuses) assert.ok(op.responses[status], `${method} ${path} ${status}`);
      }
      assert.ok(doc.paths['/v1/audit-log/export'].get.responses['200'].content['application/x-ndjson'], 'NDJSON');
    });

    it('bad input is a 400 naming the field, and changes nothing', async () => {
      for (const [json, field] of [
        [{ url: 'ftp://hooks.example.com/x', events: ['*'] }, 'url'],
        [{ url: 'http://hooks.example.com/x', events: ['*'] }, 'url'],
        [{ url: 'https://user:pw@hooks.example.com/x', events: ['*'] }, 'url'],
        [{ url: 'not a url', events: ['*'] }, 'url'],
        [{ url: receiver.url, events: ['factor.exploded'] }, 'events'],
        [{ url: receiver.url, events: [] }, 'events'],
        [{ url: receiver.url }, 'events'],
      ] as const) {
        const res = await t.request('POST', '/v1/webhooks', { headers: admin(globex), json });
        assert.equal(res.status, 400, JSON.stringify(json));
        assert.equal(res.body.code, 'validation_failed');
        assert.ok(JSON.stringify(res.body.details).includes(field), `${JSON.stringify(json)} → ${res.text}`);
      }
      assert.equal((await t.request('GET', '/v1/webhooks', { headers: admin(globex) })).body.data.length, 0);
    });

    it('enroll → exactly one factor.enrolled delivery, signed, the same webhook-id on the retry after a 500', async () => {
      const hook = await createWebhook(t, acme, receiver.url, ['factor.enrolled']);
      receiver.secrets = [hook.secret];
      receiver.answer(500);
      const before = receiver.received.length;
      const headers = {
        ...(await t.userHeaders(acme.id, 'alice')),
        'X-Request-ID': 'req-enroll-alice',
        'User-Agent': 'webhook-test/1.0',
      };
      const begin = await t.request('POST', '/v1/users/me/mfa/webauthn/register?method_type=webauthn_passkey', {
        headers,
      });
      assert.equal(begin.status, 200, begin.text);
      const { SoftAuthenticator } = await import('../support/soft-authenticator.js');
      const credential = new SoftAuthenticator().createCredential(begin.body.options, {
        origin: 'https://app.tessera.test',
      });
      const done = await t.request('POST', '/v1/users/me/mfa/webauthn/register/complete', {
        headers,
        json: { credential, device_name: 'Key', method_type: 'webauthn_passkey' },
      });
      assert.equal(done.status, 200, done.text);

      await receiver.until(
        (r) => r.slice(before).some((x) => x.payload.type === 'factor.enrolled' && x.answered === 200),
        'a successful factor.enrolled',
      );
      const got = receiver.received.slice(before).filter((r) => r.payload.type === 'factor.enrolled');
      assert.deepEqual(
        got.map((r) => r.answered),
        [500, 200],
        'one failed attempt, one retry',
      );
      assert.equal(got[0].id, got[1].id, 'webhook-id is stable across retries');
      assert.equal(got[0].body, got[1].body, 'the same bytes are sent again');
      assert.ok(
        got.every((r) => r.verified),
        'signatures verify with the Standard Webhooks library',
      );
      assert.match(got[0].signature, /^v1,[A-Za-z0-9+/]+=*$/);
      assert.equal(got[0].contentType, 'application/json');
      assert.match(got[0].timestamp, /^\d{10}$/);

      const { payload } = got[0];
      assert.equal(payload.type, 'factor.enrolled');
      assert.ok(!Number.isNaN(Date.parse(payload.timestamp)) && payload.timestamp.endsWith('Z'), 'RFC 3339');
      assert.equal(payload.data['tenant_id'], acme.id);
      assert.equal(payload.data['user_id'], 'alice');
      assert.equal(payload.data['method_type'], 'webauthn_passkey');
      assert.equal(payload.data['request_id'], 'req-enroll-alice');
      assert.equal(payload.data['user_agent'], 'webhook-test/1.0');
      assert.equal(payload.data['ip'], '127.0.0.1');
      assert.equal(typeof payload.data['factor_id'], 'string');
      assert.ok(!JSON.stringify(payload).includes(done.body.codes[0]), 'never a backup code');

      // The audit event is the same event: its id is the webhook-id, and it carries the request facts.
      const audit = await t.request('GET', '/v1/audit-log?action=factor.enrolled&actor_id=alice', {
        headers: admin(acme),
      });
      assert.equal(audit.body.data.length, 1);
      assert.equal(audit.body.data[0].id, got[0].id);
      assert.deepEqual(
        [audit.body.data[0].request_id, audit.body.data[0].ip, audit.body.data[0].user_agent],
        ['req-enroll-alice', '127.0.0.1', 'webhook-test/1.0'],
      );

      const list = await untilDeliveries(t, acme, hook.id, (d) => d.some((x) => x.status === 'succeeded'), 'succeeded');
      assert.equal(list.length, 1, 'one delivery: only factor.enrolled is subscribed');
      assert.deepEqual(
        [list[0].event_id, list[0].status, list[0].attempts, list[0].last_response_code, list[0].next_attempt_at],
        [got[0].id, 'succeeded', 2, 200, null],
      );
      assert.equal(
        receiver.of('factor.enrolled').filter((r) => r.id === got[0].id && r.answered === 200).length,
        1,
        'delivered once',
      );
      await t.request('DELETE', `/v1/webhooks/${hook.id}`, { headers: admin(acme) });
    });

    it('a rolled-back enrollment (fault injected inside its transaction) delivers nothing', async () => {
      const hook = await createWebhook(t, globex, receiver.url, ['*']);
      receiver.secrets = [hook.secret];
      const ds = t.app.get(DataSource);
      const removeFault = await injectOutboxFault(ds, dialect, 'rolled-back');
      try {
        const headers = await t.userHeaders(globex.id, 'rolled-back');
        const begin = await t.request('POST', '/v1/users/me/mfa/webauthn/register?method_type=webauthn_passkey', {
          headers,
        });
        const { SoftAuthenticator } = await import('../support/soft-authenticator.js');
        const credential = new SoftAuthenticator().createCredential(begin.body.options, {
          origin: 'https://app.tessera.test',
        });
        const done = await t.request('POST', '/v1/users/me/mfa/webauthn/register/complete', {
          headers,
          json: { credential, device_name: 'Key', method_type: 'webauthn_passkey' },
        });
        assert.equal(done.status, 500, done.text);
        assert.ok(!/injected|trigger|outbox/i.test(done.text));
      } finally {
        await removeFault();
      }
      // A later event on the same endpoint is a barrier: the dispatcher works the outbox in order.
      const barrier = await t.request('POST', `/v1/webhooks/${hook.id}/test`, { headers: admin(globex) });
      assert.equal(barrier.status, 202, barrier.text);
      await receiver.until(
        (r) => r.some((x) => x.id === barrier.body.event_id && x.answered === 200),
        'the barrier event',
      );
      assert.ok(
        !receiver.received.some((r) => r.payload.data['user_id'] === 'rolled-back'),
        'nothing of the rolled-back enrollment was delivered',
      );
      const p = dialect === 'postgres' ? '$1' : '?';
      assert.equal((await ds.query(`SELECT id FROM audit_events WHERE actor_id = ${p}`, ['rolled-back'])).length, 0);
      assert.equal((await ds.query(`SELECT id FROM webhook_outbox WHERE data LIKE ${p}`, ['%rolled-back%'])).length, 0);
      assert.ok((await deliveries(t, globex, hook.id)).every((d) => d.event_type !== 'factor.enrolled'));
      await t.request('DELETE', `/v1/webhooks/${hook.id}`, { headers: admin(globex) });
    });

    it('a delivery failing past 24 h is failed; an endpoint failing for 3 days is disabled and audited', async () => {
      const failing = new WebhookReceiver();
      await failing.start();
      const clock = t.app.get(Clock);
      const realNow = clock.now.bind(clock);
      try {
        failing.answer(...Array(10).fill(500));
        const hook = await createWebhook(t, acme, failing.url, ['webhook.test']);
        const sent = await t.request('POST', `/v1/webhooks/${hook.id}/test`, { headers: admin(acme) });
        await untilDeliveries(
          t,
          acme,
          hook.id,
          (d) => d.some((x) => x.event_id === sent.body.event_id && x.attempts >= 1),
          'a first failure',
        );
        assert.equal(
          (await t.request('GET', `/v1/webhooks/${hook.id}`, { headers: admin(acme) })).body.enabled,
          true,
          'still enabled after a failure',
        );
        // Three days and a minute later (the dispatcher reads time from the same clock).
        clock.now = () => new Date(realNow().getTime() + 3 * 86_400_000 + 60_000);
        const list = await untilDeliveries(t, acme, hook.id, (d) => d.every((x) => x.status === 'failed'), 'given up');
        assert.ok(
          list.some((x) => x.last_error === 'http_status' && x.last_response_code === 500),
          JSON.stringify(list),
        );
        const endpoint = await t.request('GET', `/v1/webhooks/${hook.id}`, { headers: admin(acme) });
        assert.deepEqual([endpoint.body.enabled, endpoint.body.disabled_reason], [false, 'failing']);
        const log = await t.request('GET', `/v1/audit-log?action=webhook.disabled&resource_id=${hook.id}`, {
          headers: admin(acme),
        });
        assert.equal(log.body.data.length, 1);
        assert.deepEqual([log.body.data[0].actor_type, log.body.data[0].metadata.reason], ['system', 'failing']);
        // Re-enabling starts afresh.
        const enabled = await t.request('PATCH', `/v1/webhooks/${hook.id}`, {
          headers: admin(acme),
          json: { enabled: true },
        });
        assert.deepEqual([enabled.body.enabled, enabled.body.disabled_reason], [true, null]);
        await t.request('DELETE', `/v1/webhooks/${hook.id}`, { headers: admin(acme) });
      } finally {
        clock.now = realNow;
        await failing.stop();
      }
    });

    it('rotation: both signatures for 24 h, each verifies alone; test event and deliveries list', async () => {
      const hook = await createWebhook(t, acme, receiver.url, ['factor.removed']);
      const rotated = await t.request('POST', `/v1/webhooks/${hook.id}/rotate-secret`, { headers: admin(acme) });
      assert.equal(rotated.status, 200, rotated.text);
      assert.equal(rotated.headers.get('cache-control'), 'no-store');
      assert.match(rotated.body.secret, /^whsec_/);
      assert.notEqual(rotated.body.secret, hook.secret);
      const hours = (Date.parse(rotated.body.previous_secret_expires_at) - Date.now()) / 3_600_000;
      assert.ok(hours > 23.9 && hours <= 24, String(hours));

      receiver.secrets = [rotated.body.secret];
      const sent = await t.request('POST', `/v1/webhooks/${hook.id}/test`, { headers: admin(acme) });
      assert.equal(sent.status, 202, sent.text);
      await receiver.until((r) => r.some((x) => x.id === sent.body.event_id), 'the test event');
      const got = receiver.received.find((x) => x.id === sent.body.event_id)!;
      assert.equal(got.payload.type, 'webhook.test');
      assert.equal(got.signature.split(' ').length, 2, 'new and previous signature, space-separated');
      assert.ok(got.verified, 'verifies with the new secret');
      const { Webhook } = await import('standardwebhooks');
      const headers = { 'webhook-id': got.id, 'webhook-timestamp': got.timestamp, 'webhook-signature': got.signature };
      assert.doesNotThrow(() => new Webhook(hook.secret).verify(got.body, headers), 'and with the previous one');
      assert.throws(
        () => new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(got.body, headers),
        'not with any other',
      );

      const list = await untilDeliveries(
        t,
        acme,
        hook.id,
        (d) => d[0]?.status === 'succeeded',
        'the test delivery succeeded',
      );
      assert.deepEqual(
        [list[0].event_type, list[0].event_id, list[0].attempts],
        ['webhook.test', sent.body.event_id, 1],
      );
      await t.request('DELETE', `/v1/webhooks/${hook.id}`, { headers: admin(acme) });
    });
  });

  describe(`Webhook fan-out of a backlog (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let all: { id: string };
    let keysOnly: { id: string };
    const receiver = new WebhookReceiver();
    const p = (n: number) => (dialect === 'postgres' ? `$${n}` : '?');

    before(async () => {
      await receiver.start();
      // No dispatcher loop: each test runs its passes itself.
      t = await startTestApp(dialect, { ...FAST, WEBHOOK_DISPATCHER: 'false' });
      tenant = await t.createTenant({ name: 'Backlog' });
      all = await createWebhook(t, tenant, receiver.url, ['*']);
      keysOnly = await createWebhook(t, tenant, receiver.url, ['api_key.created']);
      receiver.secrets = [];
    });
    after(async () => {
      await t?.close();
      await receiver.stop();
    });

    /** Records `n` events named `${prefix}-i` (every third an api_key.revoked) and returns their ids, oldest first. */
    async function backlog(prefix: string, n: number): Promise<{ id: string; action: string }[]> {
      const audit = t.app.get(AuditService);
      for (let i = 0; i < n; i++)
        await audit.record(tenant.id, {
          actorType: 'system',
          actorId: 'backlog-test',
          action: i % 3 === 0 ? 'api_key.revoked' : 'api_key.created',
          resourceType: 'api_key',
          resourceId: `${prefix}-${i}`,
        });
      return t.app
        .get(DataSource)
        .query(`SELECT id, action FROM audit_events WHERE resource_id LIKE ${p(1)} ORDER BY id`, [`${prefix}-%`]);
    }

    async function deliveredEvents(endpointId: string): Promise<string[]> {
      const rows: { event_id: string }[] = await t.app
        .get(DataSource)
        .query(`SELECT event_id FROM webhook_deliveries WHERE endpoint_id = ${p(1)}`, [endpointId]);
      return rows.map((r) => r.event_id).sort();
    }

    it('one pass fans out 250 events in batches: each event once to each endpoint subscribed to it', async () => {
      const events = await backlog('burst', 250);
      assert.equal(events.length, 250);
      await t.app.get(WebhookDispatcher).runOnce();
      const ds = t.app.get(DataSource);
      assert.equal((await ds.query('SELECT id FROM webhook_outbox')).length, 0, 'the outbox is empty after one pass');
      const ids = new Set(events.map((e) => e.id));
      const toAll = (await deliveredEvents(all.id)).filter((id) => ids.has(id));
      assert.deepEqual(toAll, [...ids].sort(), 'every event once to the endpoint of every type');
      const created = events.filter((e) => e.action === 'api_key.created').map((e) => e.id);
      const toKeys = (await deliveredEvents(keysOnly.id)).filter((id) => ids.has(id));
      assert.deepEqual(toKeys, created.sort(), 'only api_key.created, once each, to the other');
    });

    it(
      'a batch another node took rows of is undone and taken one event at a time: nothing twice, nothing lost',
      { skip: dialect !== 'postgres' && 'a second node deleting outbox rows concurrently' },
      async () => {
        const events = await backlog('contended', 100);
        const ds = t.app.get(DataSource);
        const other = ds.createQueryRunner();
        await other.connect();
        try {
          // The "other node" takes the first ten and holds them, uncommitted, while this node's pass runs into them.
          await other.startTransaction();
          const stolen = events.slice(0, 10).map((e) => e.id);
          await other.query('DELETE FROM webhook_outbox WHERE id = ANY($1)', [stolen]);
          const pass = t.app.get(WebhookDispatcher).runOnce();
          for (let i = 0; ; i++) {
            const waiting = await ds.query(
              "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'DELETE FROM \"webhook_outbox\"%'",
            );
            if (waiting.length > 0) break;
            assert.ok(i < 200, 'the pass reached the rows the other node holds');
            await new Promise((r) => setTimeout(r, 25));
          }
          await other.commitTransaction();
          await pass;
          assert.equal((await ds.query('SELECT id FROM webhook_outbox')).length, 0);
          const mine = events.slice(10).map((e) => e.id);
          const ids = new Set(events.map((e) => e.id));
          const toAll = (await deliveredEvents(all.id)).filter((id) => ids.has(id));
          assert.deepEqual(toAll, mine.sort(), 'the ninety left, each once; none of the ten the other node took');
        } finally {
          if (other.isTransactionActive) await other.rollbackTransaction();
          await other.release();
        }
      },
    );
  });

  describe(`Webhooks across restarts and nodes (${dialect})`, () => {
    let db: ScratchDatabase;
    const receiver = new WebhookReceiver();

    before(async () => {
      await receiver.start();
      db = await scratchDatabase(dialect);
    });
    after(async () => {
      await receiver.stop();
      await db.drop();
    });

    it('a restart during the backoff still delivers the event, once, with the same webhook-id', async () => {
      // A first retry a second or two out, so the node can stop in between.
      let node = await startTestApp(dialect, { ...FAST, WEBHOOK_FIRST_RETRY_SECONDS: '2' }, {}, undefined, db);
      try {
        const tenant = await node.createTenant({ name: 'Restart' });
        const hook = await createWebhook(node, tenant, receiver.url, ['api_key.created']);
        receiver.secrets = [hook.secret];
        receiver.answer(500);
        const key = await node.request('POST', '/v1/api-keys', {
          headers: admin(tenant),
          json: { name: 'restart key' },
        });
        assert.equal(key.status, 201);
        await receiver.until((r) => r.some((x) => x.payload.data['resource_id'] === key.body.id), 'the first attempt');
        const first = await deliveries(node, tenant, hook.id);
        assert.equal(first[0].status, 'pending', 'waiting for its retry');
        await node.close();
        node = await startTestApp(dialect, FAST, {}, undefined, db);
        await receiver.until(
          (r) => r.some((x) => x.payload.data['resource_id'] === key.body.id && x.answered === 200),
          'the retry after the restart',
        );
        const attempts = receiver.received.filter((x) => x.payload.data['resource_id'] === key.body.id);
        assert.deepEqual(
          attempts.map((a) => a.answered),
          [500, 200],
        );
        assert.equal(new Set(attempts.map((a) => a.id)).size, 1);
        assert.ok(attempts.every((a) => a.verified));
        const list = await untilDeliveries(node, tenant, hook.id, (d) => d[0]?.status === 'succeeded', 'succeeded');
        assert.deepEqual([list.length, list[0].attempts], [1, 2]);
      } finally {
        await node.close();
      }
    });

    it(
      'a PostgreSQL outage during the backoff loses nothing: the retry goes out once the database is back',
      { skip: dialect !== 'postgres' && 'an outage of PostgreSQL' },
      async () => {
        const proxy = new TcpProxy(new URL(PG_BASE_URL).hostname, Number(new URL(PG_BASE_URL).port || 5432));
        const port = await proxy.start();
        const node = await startTestApp(
          dialect,
          { ...FAST, WEBHOOK_FIRST_RETRY_SECONDS: '4' },
          {},
          (url) => Object.assign(new URL(url), { port: String(port) }).toString(),
          db,
        );
        try {
          const tenant = await node.createTenant({ name: 'Outage' });
          const hook = await createWebhook(node, tenant, receiver.url, ['api_key.created']);
          receiver.secrets = [hook.secret];
          receiver.answer(503);
          const key = await node.request('POST', '/v1/api-keys', {
            headers: admin(tenant),
            json: { name: 'outage key' },
          });
          assert.equal(key.status, 201);
          await untilDeliveries(node, tenant, hook.id, (d) => d[0]?.attempts === 1, 'the first failure recorded');
          // Down within the backoff (2–4 s): passes fail, and nothing is claimed.
          await proxy.cut();
          await new Promise((r) => setTimeout(r, 1_000));
          await proxy.restore();
          await receiver.until(
            (r) => r.some((x) => x.payload.data['resource_id'] === key.body.id && x.answered === 200),
            'the retry after the outage',
          );
          const later = await node.request('POST', '/v1/api-keys', {
            headers: admin(tenant),
            json: { name: 'after the outage' },
          });
          await receiver.until(
            (r) => r.some((x) => x.payload.data['resource_id'] === later.body.id && x.answered === 200),
            'an event after the outage',
          );
          const attempts = receiver.received.filter((x) => x.payload.data['resource_id'] === key.body.id);
          assert.deepEqual(
            attempts.map((a) => a.answered),
            [503, 200],
          );
          assert.equal(new Set(attempts.map((a) => a.id)).size, 1);
        } finally {
          await proxy.restore();
          await node.close();
          await proxy.stop();
        }
      },
    );

    it(
      'two nodes with dispatchers on one database deliver each event once',
      { skip: dialect !== 'postgres' && 'two processes on one SQLite file are not a deployment' },
      async () => {
        const a = await startTestApp(dialect, FAST, {}, undefined, db);
        const b = await startTestApp(dialect, FAST, {}, undefined, db);
        try {
          const tenant = await a.createTenant({ name: 'Two nodes' });
          const hook = await createWebhook(a, tenant, receiver.url, ['api_key.created']);
          receiver.secrets = [hook.secret];
          const ids: string[] = [];
          for (let i = 0; i < 10; i++) {
            const node = i % 2 === 0 ? a : b;
            const res = await node.request('POST', '/v1/api-keys', { headers: admin(tenant), json: { name: `k${i}` } });
            assert.equal(res.status, 201);
            ids.push(res.body.id);
          }
          await receiver.until(
            (r) => ids.every((id) => r.some((x) => x.payload.data['resource_id'] === id)),
            'all ten events',
          );
          const list = await untilDeliveries(
            a,
            tenant,
            hook.id,
            (d) => d.length === 10 && d.every((x) => x.status === 'succeeded'),
            'ten successes',
          );
          assert.ok(
            list.every((d) => d.attempts === 1),
            'each attempt made by one node only',
          );
          const got = receiver.received.filter((x) => ids.includes(String(x.payload.data['resource_id'])));
          assert.equal(got.length, 10, 'no event twice');
          assert.equal(new Set(got.map((g) => g.id)).size, 10);
        } finally {
          await a.close();
          await b.close();
        }
      },
    );
  });
}

describe('Webhook egress: private networks refused (sqlite)', () => {
  let db: ScratchDatabase;
  const receiver = new WebhookReceiver();
  before(async () => {
    await receiver.start();
    db = await scratchDatabase('sqlite');
  });
  after(async () => {
    await receiver.stop();
    await db.drop();
  });

  it('at creation: loopback, private, link-local and metadata addresses', async () => {
    const t = await startTestApp('sqlite', { WEBHOOK_POLL_INTERVAL_MS: '100' }, {}, undefined, db);
    try {
      const tenant = await t.createTenant();
      for (const url of [
        receiver.url,
        'http://localhost:9/x',
        'https://10.1.2.3/x',
        'https://192.168.0.10/x',
        'https://169.254.169.254/latest/meta-data',
        'https://[::1]/x',
        'https://[fd00::1]/x',
        'https://[::ffff:127.0.0.1]/x',
        'https://100.64.0.1/x',
      ]) {
        const res = await t.request('POST', '/v1/webhooks', { headers: admin(tenant), json: { url, events: ['*'] } });
        assert.equal(res.status, 400, url);
        assert.equal(res.body.code, 'validation_failed', url);
        assert.equal(res.body.details.fields[0].field, 'url', url);
      }
    } finally {
      await t.close();
    }
  });

  it('at connect time: an endpoint that now points to a private address gets no request', async () => {
    // Created where private networks were allowed (or when its name resolved elsewhere) …
    const allowing = await startTestApp(
      'sqlite',
      { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_DISPATCHER: 'false' },
      {},
      undefined,
      db,
    );
    let tenant: Tenant;
    let hookId: string;
    try {
      tenant = await allowing.createTenant({ name: 'Egress' });
      hookId = (await createWebhook(allowing, tenant, receiver.url, ['*'])).id;
    } finally {
      await allowing.close();
    }
    // … then delivered by a node that refuses them.
    const t = await startTestApp(
      'sqlite',
      { WEBHOOK_POLL_INTERVAL_MS: '100', WEBHOOK_FIRST_RETRY_SECONDS: '0' },
      {},
      undefined,
      db,
    );
    try {
      const sent = await t.request('POST', `/v1/webhooks/${hookId}/test`, { headers: admin(tenant) });
      assert.equal(sent.status, 202);
      const list = await untilDeliveries(
        t,
        tenant,
        hookId,
        (d) => d.some((x) => x.event_id === sent.body.event_id && x.attempts >= 2),
        'two refused attempts',
      );
      const test = list.find((x) => x.event_id === sent.body.event_id)!;
      assert.deepEqual([test.status, test.last_error, test.last_response_code], ['pending', 'address_refused', null]);
      assert.equal(receiver.received.length, 0, 'the receiver saw nothing');
    } finally {
      await t.close();
    }
  });
});
