import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { dialects, startTestApp, TEST_ORIGIN, TEST_PLATFORM_KEY, type TestApp } from '../support/test-app.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { rowCounts } from '../support/row-counts.js';

const COMPLETE = '/v1/users/me/mfa/webauthn/register/complete';
const REGISTER = '/v1/users/me/mfa/webauthn/register?method_type=webauthn_fido';
const TABLES = [
  'tenants',
  'api_keys',
  'webauthn_credentials',
  'backup_codes',
  'policies',
  'policy_rules',
  'user_handles',
];
const ERROR_CODE_RE = /^[a-z_]+$/;

// Property-based hostile input: random and mutated bodies, headers and credentials on every
// route. Never a 500, never a hang, never a row written, always the error model.
const dialect = (await dialects()).includes('postgres') ? 'postgres' : 'sqlite';

describe(`hostile input (${dialect})`, () => {
  let t: TestApp;
  let tenantId: string;
  let adminKey: string;
  let bearer: Record<string, string>;
  let routes: { method: string; path: string }[];

  before(async () => {
    t = await startTestApp(dialect, { RATE_LIMIT_ENROLL_PER_MINUTE: '0' });
    ({ id: tenantId, apiKey: adminKey } = await t.createTenant());
    bearer = await t.userHeaders(tenantId, 'fuzz-user');
    const doc = (await t.request('GET', '/openapi.json')).body;
    routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => ['get', 'post', 'patch', 'put', 'delete'].includes(m))
        .map((method) => ({ method: method.toUpperCase(), path })),
    );
    assert.ok(routes.length >= 8, `routes from the OpenAPI document: ${routes.length}`);
  });
  after(async () => {
    await t?.close();
  });

  const counts = () => rowCounts(t, TABLES);

  /** Sends a raw request with a hard deadline and checks the error model. */
  async function send(method: string, path: string, headers: Record<string, string>, body?: string) {
    const res = await fetch(t.baseUrl + path, { method, headers, body, signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    assert.ok(res.status < 500 || res.status === 501, `${method} ${path} → ${res.status} ${text.slice(0, 300)}`);
    if (res.status >= 400 && method !== 'HEAD') {
      const parsed = JSON.parse(text);
      assert.match(parsed.code, ERROR_CODE_RE);
      assert.equal(typeof parsed.message, 'string');
      assert.ok(
        !/\bat \w+ \(|node_modules|QueryFailedError|SELECT |INSERT /.test(text),
        `internals leaked: ${text.slice(0, 300)}`,
      );
    }
    return { status: res.status, text };
  }

  const jsonValue = fc.jsonValue({ maxDepth: 4 });
  // Any UTF-16 code unit in keys and strings: U+0000 and lone surrogates included.
  const binaryJsonValue = fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' });
  const nastyString = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.constantFrom(
      '\u0000',
      '\uD800',
      '\uDFFF',
      '\u202E',
      '💥'.repeat(60),
      'a'.repeat(5000),
      '../../etc/passwd',
      "' OR 1=1 --",
      '%00',
      '{{7*7}}',
    ),
  );
  const encode = (s: string) => Buffer.from(s, 'utf8').toString('hex').replace(/(..)/g, '%$1').slice(0, 300);
  const pathId = fc.oneof(fc.uuid(), nastyString.map(encode), fc.constant(''));

  it('random bodies, headers and ids on every route', async () => {
    const before = await counts();
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        pathId,
        fc.oneof(
          jsonValue.map((v) => JSON.stringify(v)),
          binaryJsonValue.map((v) => JSON.stringify(v)),
          nastyString,
          fc.constant('{"a":1,"a":2}'),
          fc.constant(''),
        ),
        fc.record({
          auth: fc.constantFrom('valid', 'garbage', 'none', 'api-key'),
          tenant: fc.oneof(fc.constant(tenantId), fc.constant(tenantId.toUpperCase()), fc.uuid(), nastyString),
          contentType: fc.constantFrom(
            'application/json',
            'text/plain',
            'application/json; charset=utf-16',
            'application/x-www-form-urlencoded',
            '',
          ),
        }),
        async (routeIndex, id, body, h) => {
          const route = routes[routeIndex % routes.length];
          // Routes whose valid call needs no body (regenerate codes, start TOTP, open a challenge) may legitimately write: fuzz them unauthenticated.
          if (h.auth === 'valid' && route.method === 'POST' && /backup-codes$|totp$|challenges$/.test(route.path))
            h.auth = 'garbage';
          const path =
            route.path.replace(/\{[^}]+\}/g, id || 'x') +
            (route.path.includes('register') ? `?method_type=${encode(String(body).slice(0, 20))}` : '');
          const headers: Record<string, string> = {};
          if (h.auth === 'valid') headers.Authorization = bearer.Authorization!;
          if (h.auth === 'garbage')
            headers.Authorization = `Bearer ${Buffer.from(String(body)).toString('base64url').slice(0, 400)}.x.y`;
          if (h.auth === 'api-key') headers['X-API-Key'] = 'tsk_000000000000_' + 'A'.repeat(43);
          if (/^[\x20-\x7e]*$/.test(h.tenant)) headers['X-Tenant-ID'] = h.tenant;
          if (h.contentType) headers['Content-Type'] = h.contentType;
          const withBody = route.method !== 'GET' && route.method !== 'DELETE';
          await send(route.method, path, headers, withBody ? body : undefined);
        },
      ),
      { numRuns: 250, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
    );
    assert.deepEqual(await counts(), before, 'no rows written');
  });

  it('U+0000 and lone surrogates in bodies, queries, paths and token claims: 400 naming the field (401 for claims), nothing written', async () => {
    const before = await counts();
    const unsafeUnit = fc.constantFrom('\u0000', '\uD800', '\uDBFF', '\uDC00', '\uDFFF');
    const around = fc.string({ maxLength: 12 });
    // Bodies and claims carry any of them; a URL can carry only U+0000 (a lone surrogate has no UTF-8).
    const unsafe = fc.tuple(around, unsafeUnit, around).map(([a, c, b]) => a + c + b);
    const nul = fc.tuple(around, around).map(([a, b]) => `${a}\u0000${b}`);
    const url = (v: string) => Buffer.from(v, 'utf8').toString('hex').replace(/(..)/g, '%$1');
    const admin = { 'X-API-Key': adminKey, 'X-Tenant-ID': tenantId, 'Content-Type': 'application/json' };
    const platform = { 'X-API-Key': TEST_PLATFORM_KEY, 'Content-Type': 'application/json' };
    type Case = { method: string; path: string; headers: Record<string, string>; body?: unknown; field?: string };
    const cases = fc.oneof(
      unsafe.map((v): Case => ({
        method: 'POST',
        path: '/v1/tenants',
        headers: platform,
        body: { name: v },
        field: 'name',
      })),
      unsafe.map((v): Case => ({
        method: 'PATCH',
        path: `/v1/tenants/${tenantId}`,
        headers: platform,
        body: { webauthn: { rp_id: 'tessera.test', rp_name: v, origins: [TEST_ORIGIN] } },
        field: 'webauthn.rp_name',
      })),
      unsafe.map((v): Case => ({
        method: 'POST',
        path: '/v1/api-keys',
        headers: admin,
        body: { name: v },
        field: 'name',
      })),
      unsafe.map((v): Case => ({
        method: 'POST',
        path: '/v1/policies',
        headers: admin,
        body: { name: 'p', description: v, enabled: true },
        field: 'description',
      })),
      unsafe.map((v): Case => ({
        method: 'PATCH',
        path: '/v1/users/me/mfa/00000000-0000-4000-8000-000000000000',
        headers: { ...bearer, 'Content-Type': 'application/json' },
        body: { device_name: v },
        field: 'device_name',
      })),
      unsafe.map((v): Case => ({
        method: 'POST',
        path: '/v1/tenants',
        headers: platform,
        body: { name: 'n', [v]: 1 },
        field: v,
      })),
      fc
        .tuple(fc.constantFrom('actor_id', 'resource_type', 'resource_id', 'action', 'cursor'), nul)
        .map(([q, v]): Case => ({ method: 'GET', path: `/v1/audit-log?${q}=${url(v)}`, headers: admin, field: q })),
      nul.map((v): Case => ({ method: 'GET', path: `/v1/policies/${url(v) || '%00'}`, headers: admin, field: 'id' })),
      nul.map((v): Case => ({ method: 'GET', path: `/v1/users/${url(v)}/mfa`, headers: admin, field: 'user_id' })),
      nul.map((v): Case => ({
        method: 'POST',
        path: `/v1/users/me/mfa/webauthn/register?method_type=${url(v)}`,
        headers: bearer,
        field: 'method_type',
      })),
      unsafe.map((v): Case => ({ method: 'GET', path: '/v1/users/me/mfa', headers: { sub: v } })),
    );
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        let headers = c.headers;
        if ('sub' in headers) headers = await t.userHeaders(tenantId, headers.sub);
        const res = await send(c.method, c.path, headers, c.body === undefined ? undefined : JSON.stringify(c.body));
        const body = JSON.parse(res.text);
        if (c.field === undefined) {
          assert.deepEqual([res.status, body.code], [401, 'unauthenticated'], res.text);
        } else {
          assert.deepEqual(
            [res.status, body.code, body.details?.fields?.[0]?.field],
            [400, 'validation_failed', c.field],
            res.text,
          );
        }
      }),
      { numRuns: 150, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
    );
    assert.deepEqual(await counts(), before, 'no rows written');
  });

  it('mutated real credentials on the seed endpoint never register and never fail with a 500', async () => {
    // Options are a legitimate write (the user's WebAuthn handle): take them once before counting.
    assert.equal((await t.request('POST', REGISTER, { headers: bearer })).status, 200);
    const before = await counts();
    const mutate = fc.oneof(
      fc
        .record({
          field: fc.constantFrom('id', 'rawId', 'clientDataJSON', 'attestationObject'),
          at: fc.nat(),
          char: fc.constantFrom('A', '_', '-', '!', '=', '.', ' '),
        })
        .map((m) => ({ kind: 'char' as const, ...m })),
      fc
        .record({
          field: fc.constantFrom('clientDataJSON', 'attestationObject'),
          keep: fc.double({ min: 0, max: 0.99, noNaN: true }),
        })
        .map((m) => ({ kind: 'truncate' as const, ...m })),
      fc
        .record({
          field: fc.constantFrom('id', 'rawId', 'type', 'response', 'clientDataJSON', 'attestationObject'),
          value: jsonValue,
        })
        .map((m) => ({ kind: 'replace' as const, ...m })),
      fc.nat({ max: 5_000 }).map((depth) => ({ kind: 'nest' as const, depth })),
    );
    await fc.assert(
      fc.asyncProperty(mutate, async (m) => {
        const opts = await t.request('POST', REGISTER, { headers: bearer });
        assert.equal(opts.status, 200, opts.text);
        const auth = new SoftAuthenticator({ attestation: 'packed', residentKey: false });
        const credential = auth.createCredential(opts.body.options, { origin: TEST_ORIGIN }) as unknown as Record<
          string,
          any
        >;
        const target = (f: string) =>
          ['clientDataJSON', 'attestationObject', 'transports'].includes(f) ? credential.response : credential;
        if (m.kind === 'char') {
          const obj = target(m.field);
          const s: string = obj[m.field];
          const i = m.at % s.length;
          const next = s.slice(0, i) + m.char + s.slice(i + 1);
          if (next === s) return; // no change: not a mutation
          obj[m.field] = next;
        } else if (m.kind === 'truncate') {
          const obj = target(m.field);
          obj[m.field] = obj[m.field].slice(0, Math.floor(obj[m.field].length * m.keep));
        } else if (m.kind === 'replace') {
          target(m.field)[m.field] = m.value;
        } else {
          // Deep nesting inside the credential (as raw text: the test's own JSON.stringify would overflow).
          credential.clientExtensionResults = '__DEEP__';
          credential.response.attestationObject = credential.response.attestationObject.slice(1);
        }
        let body = JSON.stringify({ credential, device_name: 'fuzz', method_type: 'webauthn_fido' });
        if (m.kind === 'nest') body = body.replace('"__DEEP__"', `${'{"a":'.repeat(m.depth)}{}${'}'.repeat(m.depth)}`);
        const res = await send('POST', COMPLETE, { ...bearer, 'Content-Type': 'application/json' }, body);
        assert.ok(
          [400, 404, 413].includes(res.status) &&
            !(m.kind === 'nest' && m.depth > 40 && res.status !== 400 && res.status !== 413),
          `${JSON.stringify(m).slice(0, 120)} → ${res.status} ${res.text.slice(0, 200)}`,
        );
      }),
      { numRuns: 120, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
    );
    assert.deepEqual(await counts(), before, 'no rows written');
  });

  it('oversized, deeply nested and duplicate-key bodies', async () => {
    const headers = { ...bearer, 'Content-Type': 'application/json' };
    const big = await send(
      'POST',
      COMPLETE,
      headers,
      JSON.stringify({ credential: { id: 'x'.repeat(1_048_576) }, device_name: 'a', method_type: 'webauthn_fido' }),
    );
    assert.equal(big.status, 413);
    const nested = await send('POST', COMPLETE, headers, '['.repeat(30_000) + ']'.repeat(30_000));
    assert.equal(nested.status, 400);
    const nestedObject = await send(
      'POST',
      COMPLETE,
      headers,
      `{"credential":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)},"device_name":"a","method_type":"webauthn_fido"}`,
    );
    assert.equal(nestedObject.status, 400);
    const dup = await send(
      'POST',
      COMPLETE,
      headers,
      '{"device_name":"a","device_name":"b","method_type":"webauthn_fido","method_type":"x","credential":{}}',
    );
    assert.equal(dup.status, 400);
    const huge = await send('POST', '/v1/tenants', { 'Content-Type': 'application/json' }, 'x'.repeat(2_000_000));
    assert.ok([401, 413].includes(huge.status));
  });
});
