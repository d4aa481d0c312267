import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DataSource } from 'typeorm';
import { dialects, startTestApp, type TestApp } from '../support/test-app.js';

type Tenant = { id: string; apiKey: string };
type Event = {
  id: string;
  actor_id: string;
  actor_type: string;
  action: string;
  resource_type: string;
  resource_id: string | null;
  metadata: Record<string, unknown>;
  request_id: string | null;
  ip: string | null;
  user_agent: string | null;
  created_at: string;
};

for (const dialect of await dialects()) {
  describe(`Audit log (${dialect})`, () => {
    let t: TestApp;
    let acme: Tenant;
    let globex: Tenant;
    const keyIds: string[] = [];
    const admin = (tenant: Tenant) => ({ 'X-API-Key': tenant.apiKey, 'X-Tenant-ID': tenant.id });

    before(async () => {
      t = await startTestApp(dialect);
      acme = await t.createTenant({ name: 'Acme' });
      globex = await t.createTenant({ name: 'Globex' });
      for (let i = 0; i < 7; i++) {
        const res = await t.request('POST', '/v1/api-keys', { headers: admin(acme), json: { name: `key ${i}` } });
        assert.equal(res.status, 201, res.text);
        keyIds.push(res.body.id);
      }
      await t.request('POST', '/v1/api-keys', { headers: admin(globex), json: { name: 'globex key' } });
    });
    after(async () => {
      await t?.close();
    });

    async function read(
      tenant: Tenant,
      query = '',
    ): Promise<{
      status: number;
      body: { data: Event[]; next_cursor: string | null; has_more: boolean; code?: string };
    }> {
      return t.request('GET', `/v1/audit-log${query ? `?${query}` : ''}`, { headers: admin(tenant) });
    }

    async function walk(tenant: Tenant, query: string, limit: number): Promise<Event[]> {
      const out: Event[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 100; page++) {
        const res = await read(
          tenant,
          [query, `limit=${limit}`, cursor ? `cursor=${cursor}` : ''].filter(Boolean).join('&'),
        );
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.ok(res.body.data.length <= limit);
        out.push(...res.body.data);
        cursor = res.body.next_cursor;
        if (!cursor) return out;
      }
      assert.fail('the cursor walk did not end');
    }

    it('a cursor walk visits every event of the tenant once, newest first', async () => {
      const events = await walk(acme, '', 3);
      const ids = events.map((e) => e.id);
      assert.equal(new Set(ids).size, ids.length, 'no event twice');
      assert.deepEqual(ids, [...ids].sort().reverse(), 'newest first (UUIDv7 order)');
      const stored = await t.app
        .get(DataSource)
        .query(`SELECT id FROM audit_events WHERE tenant_id = ${dialect === 'postgres' ? '$1' : '?'}`, [acme.id]);
      assert.deepEqual(
        [...ids].sort(),
        stored.map((r: { id: string }) => r.id).sort(),
        'every event, and only this tenant’s',
      );
      assert.ok(ids.length >= 9);
      for (const e of events) {
        assert.deepEqual(Object.keys(e).sort(), [
          'action',
          'actor_id',
          'actor_type',
          'created_at',
          'id',
          'ip',
          'metadata',
          'request_id',
          'resource_id',
          'resource_type',
          'user_agent',
        ]);
        assert.ok(!Number.isNaN(Date.parse(e.created_at)));
      }
      const times = events.map((e) => Date.parse(e.created_at));
      assert.deepEqual(
        times,
        [...times].sort((a, b) => b - a),
      );
      const first = await read(acme, 'limit=100');
      assert.equal(first.body.has_more, false);
      assert.equal(first.body.next_cursor, null);
    });

    it('filters by action, actor, resource and time', async () => {
      const created = await walk(acme, 'action=api_key.created', 2);
      assert.equal(created.length, 8, 'the initial key and the seven made in before()');
      assert.ok(created.every((e) => e.action === 'api_key.created' && e.resource_type === 'api_key'));

      const byActor = await read(
        acme,
        `actor_id=${created.find((e) => e.actor_type === 'api_key')!.actor_id}&limit=100`,
      );
      assert.equal(byActor.body.data.length, 7);
      assert.ok(byActor.body.data.every((e) => e.actor_type === 'api_key'));

      const one = await read(acme, `resource_type=api_key&resource_id=${keyIds[3]}`);
      assert.deepEqual(
        one.body.data.map((e) => [e.action, e.resource_id, e.metadata['name']]),
        [['api_key.created', keyIds[3], 'key 3']],
      );

      const platform = await read(acme, 'actor_id=platform&limit=100');
      assert.deepEqual(platform.body.data.map((e) => e.action).sort(), ['api_key.created', 'tenant.created']);

      const future = new Date(Date.now() + 3_600_000).toISOString();
      const past = new Date(Date.now() - 3_600_000).toISOString();
      assert.equal((await read(acme, `from=${encodeURIComponent(future)}`)).body.data.length, 0);
      assert.equal((await read(acme, `to=${encodeURIComponent(past)}`)).body.data.length, 0);
      const within = await read(acme, `from=${encodeURIComponent(past)}&to=${encodeURIComponent(future)}&limit=100`);
      assert.ok(within.body.data.length >= 9);
      const middle = created[3].created_at;
      const upTo = await read(acme, `action=api_key.created&to=${encodeURIComponent(middle)}&limit=100`);
      assert.ok(upTo.body.data.every((e) => e.created_at <= middle));
      assert.ok(
        upTo.body.data.some((e) => e.id === created[3].id),
        '`to` is inclusive',
      );
      assert.ok(upTo.body.data.length < created.length);

      for (const q of [
        `from=${encodeURIComponent(future)}&to=${encodeURIComponent(past)}`,
        'from=yesterday',
        'limit=0',
        'cursor=abc',
        'unknown=1',
      ]) {
        const res = await read(acme, q);
        assert.equal(res.status, 400, q);
        assert.equal(res.body.code, 'validation_failed');
      }
    });

    it('events written during a request carry its request id, client address and user agent', async () => {
      const res = await t.request('POST', '/v1/api-keys', {
        headers: { ...admin(acme), 'X-Request-ID': 'siem-req-1', 'User-Agent': 'audit-test/2' },
        json: { name: 'facts' },
      });
      assert.equal(res.status, 201);
      const [event] = (await read(acme, `resource_id=${res.body.id}`)).body.data;
      assert.deepEqual(
        [event.action, event.request_id, event.ip, event.user_agent],
        ['api_key.created', 'siem-req-1', '127.0.0.1', 'audit-test/2'],
      );
      const generated = await t.request('POST', '/v1/api-keys', { headers: admin(acme), json: { name: 'facts 2' } });
      const [second] = (await read(acme, `resource_id=${generated.body.id}`)).body.data;
      assert.equal(second.request_id, generated.headers.get('x-request-id'), 'the id the response carried');
    });

    it('limit up to 1000; export streams NDJSON for a time range, oldest first', async () => {
      assert.equal((await read(acme, 'limit=1000')).status, 200);
      assert.equal((await read(acme, 'limit=1001')).status, 400);
      const all = await walk(acme, '', 1000);
      const exported = await t.request('GET', '/v1/audit-log/export', { headers: admin(acme) });
      assert.equal(exported.status, 200, exported.text);
      assert.match(exported.headers.get('content-type') ?? '', /^application\/x-ndjson/);
      const lines = exported.text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Event);
      assert.deepEqual(
        lines.map((e) => e.id),
        all.map((e) => e.id).reverse(),
        'every event once, oldest first',
      );
      assert.deepEqual(lines[0], [...all].reverse()[0], 'the same fields as the list');

      const middle = lines[Math.floor(lines.length / 2)].created_at;
      const ranged = await t.request(
        'GET',
        `/v1/audit-log/export?from=${encodeURIComponent(middle)}&to=${encodeURIComponent(new Date().toISOString())}`,
        { headers: admin(acme) },
      );
      const inRange = ranged.text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Event);
      assert.ok(inRange.length > 0 && inRange.length < lines.length);
      assert.ok(inRange.every((e) => e.created_at >= middle));
      const empty = await t.request(
        'GET',
        `/v1/audit-log/export?from=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`,
        { headers: admin(acme) },
      );
      assert.deepEqual([empty.status, empty.text], [200, '']);
      for (const q of [
        'from=yesterday',
        `from=${encodeURIComponent(new Date().toISOString())}&to=${encodeURIComponent(new Date(0).toISOString())}`,
        'limit=5',
      ]) {
        const bad = await t.request('GET', `/v1/audit-log/export?${q}`, { headers: admin(acme) });
        assert.equal(bad.status, 400, q);
        assert.equal(bad.body.code, 'validation_failed');
      }
      const foreign = await t.request('GET', '/v1/audit-log/export', { headers: admin(globex) });
      assert.ok(!lines.some((e) => foreign.text.includes(e.id)), "another tenant's export has none of these");
    });

    it("one tenant's log never shows another's events", async () => {
      const g = await walk(globex, '', 100);
      const a = new Set((await walk(acme, '', 100)).map((e) => e.id));
      assert.ok(g.length >= 3);
      assert.ok(g.every((e) => !a.has(e.id)));
      assert.ok(!g.some((e) => keyIds.includes(e.resource_id ?? '')));
      const foreign = await read(globex, `resource_id=${keyIds[0]}`);
      assert.deepEqual(foreign.body.data, []);
    });
  });
}
