import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import { createLogger } from './logger.js';
import { Metrics } from './metrics.js';
import { bindRequestLogFields, currentRequestLogger, requestLogging } from './request-logging.middleware.js';

type Line = Record<string, unknown>;

describe('request logging', () => {
  const lines: Line[] = [];
  const metrics = new Metrics(false);
  let server: Server;
  let base: string;

  before(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const text of String(chunk).split('\n')) if (text) lines.push(JSON.parse(text) as Line);
        done();
      },
    });
    const app = express();
    app.use(requestLogging(createLogger('info', sink), metrics));
    app.get('/quiet/:id', (_req, res) => {
      bindRequestLogFields({ tenant_id: 't-1', user_id: 'alice', api_key_id: undefined });
      res.json({ ok: true });
    });
    app.get('/chatty', (_req, res) => {
      bindRequestLogFields({ tenant_id: 't-2' });
      currentRequestLogger()?.info({ headers: { authorization: 'Bearer secret' } }, 'service line');
      bindRequestLogFields({ user_id: 'bob' });
      currentRequestLogger()?.warn('after binding');
      res.locals['errorCode'] = 'policy_denied';
      res.status(403).json({ code: 'policy_denied' });
    });
    app.get('/broken', (_req, res) => {
      res.status(500).json({ code: 'internal' });
    });
    app.get('/hang', (req) => {
      // Never answers: the client gives up and the connection closes first.
      req.on('close', () => undefined);
    });
    await new Promise<void>((resolve) => {
      server = app.listen(0, '127.0.0.1', () => resolve());
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    lines.length = 0;
  });

  const completions = (id: string) => lines.filter((l) => l['msg'] === 'request' && l['request_id'] === id);

  it('echoes a well-formed X-Request-ID and writes one completion line with the fields bound during the request', async () => {
    const res = await fetch(`${base}/quiet/42`, { headers: { 'X-Request-ID': 'req-quiet-1' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-request-id'), 'req-quiet-1');
    await res.arrayBuffer();
    const [line, ...more] = completions('req-quiet-1');
    assert.equal(more.length, 0, 'one line per request');
    assert.ok(line, JSON.stringify(lines));
    const { time, duration_ms, ...rest } = line;
    assert.equal(typeof time, 'string');
    assert.equal(typeof duration_ms, 'number');
    assert.deepEqual(rest, {
      level: 30,
      service: 'tessera',
      request_id: 'req-quiet-1',
      tenant_id: 't-1',
      user_id: 'alice',
      method: 'GET',
      route: '/quiet/:id',
      status: 200,
      msg: 'request',
    });
    assert.deepEqual(Object.keys(line).slice(0, 6), ['level', 'time', 'service', 'request_id', 'tenant_id', 'user_id']);
    assert.equal(lines.length, 1, 'nothing else was logged');
  });

  it('replaces a malformed X-Request-ID with a fresh uuid', async () => {
    const res = await fetch(`${base}/quiet/1`, { headers: { 'X-Request-ID': 'bad id with spaces' } });
    await res.arrayBuffer();
    const id = res.headers.get('x-request-id') ?? '';
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(completions(id).length, 1);
  });

  it("a service's lines carry the fields bound before and after its first line, and are still redacted", async () => {
    const res = await fetch(`${base}/chatty`, { headers: { 'X-Request-ID': 'req-chatty-1' } });
    assert.equal(res.status, 403);
    await res.arrayBuffer();
    const service = lines.find((l) => l['msg'] === 'service line');
    assert.deepEqual(
      { request_id: service?.['request_id'], tenant_id: service?.['tenant_id'], user_id: service?.['user_id'] },
      { request_id: 'req-chatty-1', tenant_id: 't-2', user_id: undefined },
    );
    assert.deepEqual(service?.['headers'], { authorization: '[redacted]' });
    const later = lines.find((l) => l['msg'] === 'after binding');
    assert.equal(later?.['user_id'], 'bob');
    assert.equal(later?.['tenant_id'], 't-2');
    const [done] = completions('req-chatty-1');
    assert.deepEqual(
      [done?.['level'], done?.['status'], done?.['error_code'], done?.['tenant_id'], done?.['user_id']],
      [30, 403, 'policy_denied', 't-2', 'bob'],
    );
    assert.ok(!JSON.stringify(lines).includes('Bearer secret'));
  });

  it('a 5xx answer is logged at error level', async () => {
    const res = await fetch(`${base}/broken`, { headers: { 'X-Request-ID': 'req-broken-1' } });
    await res.arrayBuffer();
    const [done] = completions('req-broken-1');
    assert.equal(done?.['level'], 50);
    assert.equal(done?.['status'], 500);
  });

  it('counts answered requests by route pattern, never by raw path', async () => {
    const before = await metrics.registry.getSingleMetricAsString('tessera_http_requests_total');
    const count = (text: string) => Number(/route="\/quiet\/:id",status="200"} (\d+)/.exec(text)?.[1] ?? '0');
    for (const id of ['a', 'b', 'c']) await (await fetch(`${base}/quiet/${id}`)).arrayBuffer();
    const now = await metrics.registry.getSingleMetricAsString('tessera_http_requests_total');
    assert.equal(count(now) - count(before), 3);
    assert.ok(!now.includes('/quiet/a'));
  });

  it('a connection closed before the answer still gets its one line, and no request metric', async () => {
    const before = await metrics.registry.getSingleMetricAsString('tessera_http_requests_total');
    const aborted = new AbortController();
    const pending = fetch(`${base}/hang`, { headers: { 'X-Request-ID': 'req-hang-1' }, signal: aborted.signal });
    setTimeout(() => aborted.abort(), 100);
    await assert.rejects(pending);
    await waitFor(() => completions('req-hang-1').length === 1);
    const [done] = completions('req-hang-1');
    assert.equal(done?.['route'], '/hang');
    const now = await metrics.registry.getSingleMetricAsString('tessera_http_requests_total');
    assert.equal(now.includes('route="/hang"'), false);
    assert.equal(now, before);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(condition(), 'condition never held');
}
