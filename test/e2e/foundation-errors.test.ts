import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { pino } from 'pino';
import { startTestApp, TEST_PLATFORM_KEY, type TestApp, type TestResponse } from '../support/test-app.js';
import { PROBE_SECRET_TEXT, ProbeModule } from './foundation-probe.module.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Every non-2xx body is exactly {code, message, details?, notices?}. */
function assertErrorBody(res: TestResponse, status: number, code: string): void {
  assert.equal(res.status, status, res.text);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(res.body?.code, code, res.text);
  assert.equal(typeof res.body.message, 'string');
  assert.ok(res.body.message.length > 0);
  for (const key of Object.keys(res.body))
    assert.ok(['code', 'message', 'details', 'notices'].includes(key), `unexpected key ${key}`);
}

// The error model lives in the HTTP layer, above the database: one dialect is enough here
// (the tenancy and platform suites run on both).
describe('one error model (HTTP)', () => {
  let t: TestApp;
  const logLines: string[] = [];
  const platform = { 'X-API-Key': TEST_PLATFORM_KEY };

  before(async () => {
    const logger = pino({ level: 'error' }, { write: (line: string) => void logLines.push(line) });
    t = await startTestApp('sqlite', {}, { modules: [ProbeModule], logger });
  });
  after(async () => {
    await t.close();
  });

  it('unknown route → 404 not_found, with a generated X-Request-ID', async () => {
    const res = await t.request('GET', '/v1/does-not-exist');
    assertErrorBody(res, 404, 'not_found');
    assert.match(res.headers.get('x-request-id') ?? '', UUID_RE);
  });

  it('echoes a well-formed X-Request-ID and replaces a malformed one', async () => {
    const echoed = await t.request('GET', '/healthz', { headers: { 'X-Request-ID': 'req-abc.123:x' } });
    assert.equal(echoed.status, 200);
    assert.equal(echoed.headers.get('x-request-id'), 'req-abc.123:x');
    const replaced = await t.request('GET', '/healthz', { headers: { 'X-Request-ID': 'bad id with spaces' } });
    assert.match(replaced.headers.get('x-request-id') ?? '', UUID_RE);
    const onError = await t.request('GET', '/nope', { headers: { 'X-Request-ID': 'err-req-1' } });
    assert.equal(onError.headers.get('x-request-id'), 'err-req-1');
  });

  it('known path, wrong method → 405 method_not_allowed with Allow', async () => {
    const res = await t.request('DELETE', '/v1/tenants/2489E9AD-2EE2-8E00-8EC9-32D5F69181C0', { headers: platform });
    assertErrorBody(res, 405, 'method_not_allowed');
    assert.equal(res.headers.get('allow'), 'GET, PATCH');
    const health = await t.request('POST', '/healthz');
    assertErrorBody(health, 405, 'method_not_allowed');
    assert.equal(health.headers.get('allow'), 'GET');
  });

  it('body over 64 KiB → 413 payload_too_large', async () => {
    const res = await t.request('POST', '/v1/tenants', {
      headers: platform,
      json: { name: 'x', padding: 'a'.repeat(64 * 1024) },
    });
    assertErrorBody(res, 413, 'payload_too_large');
    // Just under the limit is parsed (and then refused by validation, not by size).
    const under = await t.request('POST', '/v1/tenants', {
      headers: platform,
      json: { name: 'x', padding: 'a'.repeat(60 * 1024) },
    });
    assertErrorBody(under, 400, 'validation_failed');
  });

  it("headers over Node's limit → 431 headers_too_large in the error model, and the server keeps serving", async () => {
    const res = await t.request('GET', '/healthz', { headers: { 'X-Padding': 'a'.repeat(20 * 1024) } });
    assertErrorBody(res, 431, 'headers_too_large');
    // Many headers that add up to over the limit, over a raw socket: the same answer.
    const raw = await rawRequest(
      t.baseUrl,
      `GET /healthz HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 400 }, (_, i) => `X-H${i}: ${'b'.repeat(60)}\r\n`).join('')}\r\n`,
    );
    assert.match(raw, /^HTTP\/1\.1 431 /);
    assert.equal(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)).code, 'headers_too_large');
    assert.equal((await t.request('GET', '/healthz')).status, 200);
  });

  it('a body that is not JSON → 415 unsupported_media_type', async () => {
    const res = await t.request('POST', '/v1/tenants', {
      headers: { ...platform, 'Content-Type': 'text/plain' },
      body: 'name=x',
    });
    assertErrorBody(res, 415, 'unsupported_media_type');
    const form = await t.request('POST', '/v1/tenants', {
      headers: { ...platform, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'name=x',
    });
    assertErrorBody(form, 415, 'unsupported_media_type');
  });

  it('malformed JSON → 400 invalid_json', async () => {
    const res = await t.request('POST', '/v1/tenants', {
      headers: { ...platform, 'Content-Type': 'application/json' },
      body: '{"name": "x",',
    });
    assertErrorBody(res, 400, 'invalid_json');
    assert.ok(!/Unexpected|position|SyntaxError/i.test(res.text), res.text);
  });

  it('validation → 400 validation_failed listing each bad field', async () => {
    const res = await t.request('POST', '/__probe/echo', {
      json: { name: 'far too long a name', count: 9, extra: true },
    });
    assertErrorBody(res, 400, 'validation_failed');
    const fields = res.body.details.fields as { field: string; reason: string }[];
    assert.deepEqual([...new Set(fields.map((f) => f.field))].sort(), ['count', 'extra', 'name']);
    assert.ok(fields.every((f) => typeof f.reason === 'string' && f.reason.length > 0));
    assert.deepEqual(
      fields.find((f) => f.field === 'extra'),
      { field: 'extra', reason: 'is not an accepted field' },
    );
    const ok = await t.request('POST', '/__probe/echo', { json: { name: 'ok', count: 2 } });
    assert.equal(ok.status, 201);
    assert.deepEqual(ok.body, { name: 'ok', count: 2 });
  });

  it('unexpected error → 500 internal with details.request_id, no internals, logged in full', async () => {
    const res = await t.request('GET', '/__probe/boom', { headers: { 'X-Request-ID': 'boom-req-1' } });
    assertErrorBody(res, 500, 'internal');
    assert.deepEqual(res.body, {
      code: 'internal',
      message: 'An unexpected error occurred.',
      details: { request_id: 'boom-req-1' },
    });
    assert.ok(
      !res.text.includes('internal_table') && !res.text.includes('42P01') && !/\bat .*\.js:\d+/.test(res.text),
      res.text,
    );
    const logged = logLines
      .map((l) => JSON.parse(l) as { request_id?: string; err?: { message?: string; stack?: string } })
      .find((l) => l.request_id === 'boom-req-1');
    assert.ok(logged, 'the unexpected error is logged with its request id');
    assert.ok(logged.err?.message?.includes(PROBE_SECRET_TEXT));
    assert.match(logged.err?.stack ?? '', /foundation-probe\.module/);
  });

  it('a route that declares no access is refused (deny by default)', async () => {
    const res = await t.request('GET', '/__probe/undeclared');
    assertErrorBody(res, 401, 'unauthenticated');
  });
});

/** Sends raw bytes and collects the whole answer (the server closes the connection). */
function rawRequest(baseUrl: string, text: string): Promise<string> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.end(text));
    let out = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (out += chunk));
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer')));
  });
}
