import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { dialects, startTestApp, TEST_ORIGIN, type TestApp } from '../support/test-app.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';

const COMPLETE = '/v1/users/me/mfa/webauthn/register/complete';
const REGISTER = '/v1/users/me/mfa/webauthn/register?method_type=webauthn_fido';
const TABLES = ['tenants', 'api_keys', 'webauthn_credentials', 'backup_codes', 'policies', 'policy_rules', 'user_handles'];
const ERROR_CODE_RE = /^[a-z_]+$/;

// Property-based hostile input: random and mutated bodies, headers and credentials on every
// route. Never a 500, never a hang, never a row written, always the error model.
const dialect = (await dialects()).includes('postgres') ? 'postgres' : 'sqlite';

describe(`hostile input (${dialect})`, () => {
  let t: TestApp;
  let tenantId: string;
  let bearer: Record<string, string>;
  let routes: { method: string; path: string }[];

  before(async () => {
    t = await startTestApp(dialect, { RATE_LIMIT_ENROLL_PER_MINUTE: '0' });
    tenantId = (await t.createTenant()).id;
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

  async function counts(): Promise<Record<string, number>> {
    const ds = t.app.get(DataSource);
    const out: Record<string, number> = {};
    for (const table of TABLES) out[table] = Number((await ds.query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
    return out;
  }

  /** Sends a raw request with a hard deadline and checks the error model. */
  async function send(method: string, path: string, headers: Record<string, string>, body?: string) {
    const res = await fetch(t.baseUrl + path, { method, headers, body, signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    assert.ok(res.status < 500 || res.status === 501, `${method} ${path} → ${res.status} ${text.slice(0, 300)}`);
    if (res.status >= 400 && method !== 'HEAD') {
      const parsed = JSON.parse(text);
      assert.match(parsed.code, ERROR_CODE_RE);
      assert.equal(typeof parsed.message, 'string');
      assert.ok(!/\bat \w+ \(|node_modules|QueryFailedError|SELECT |INSERT /.test(text), `internals leaked: ${text.slice(0, 300)}`);
    }
    return { status: res.status, text };
  }

  const jsonValue = fc.jsonValue({ maxDepth: 4 });
  const nastyString = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.constantFrom('\u0000', '\uD800', '\uDFFF', '\u202E', '💥'.repeat(60), 'a'.repeat(5000), '../../etc/passwd', "' OR 1=1 --", '%00', '{{7*7}}'),
  );
  const encode = (s: string) => Buffer.from(s, 'utf8').toString('hex').replace(/(..)/g, '%$1').slice(0, 300);
  const pathId = fc.oneof(fc.uuid(), nastyString.map(encode), fc.constant(''));

  it('random bodies, headers and ids on every route', async () => {
    const before = await counts();
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        pathId,
        fc.oneof(jsonValue.map((v) => JSON.stringify(v)), nastyString, fc.constant('{"a":1,"a":2}'), fc.constant('')),
        fc.record({
          auth: fc.constantFrom('valid', 'garbage', 'none', 'api-key'),
          tenant: fc.oneof(fc.constant(tenantId), fc.constant(tenantId.toUpperCase()), fc.uuid(), nastyString),
          contentType: fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-16', 'application/x-www-form-urlencoded', ''),
        }),
        async (routeIndex, id, body, h) => {
          const route = routes[routeIndex % routes.length]!;
          // Routes whose valid call needs no body (regenerate codes, start TOTP, open a challenge) may legitimately write: fuzz them unauthenticated.
          if (h.auth === 'valid' && route.method === 'POST' && /backup-codes$|totp$|challenges$/.test(route.path)) h.auth = 'garbage';
          const path = route.path.replace(/\{[^}]+\}/g, id || 'x') + (route.path.includes('register') ? `?method_type=${encode(String(body).slice(0, 20))}` : '');
          const headers: Record<string, string> = {};
          if (h.auth === 'valid') headers.Authorization = bearer.Authorization!;
          if (h.auth === 'garbage') headers.Authorization = `Bearer ${Buffer.from(String(body)).toString('base64url').slice(0, 400)}.x.y`;
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

  it('mutated real credentials on the seed endpoint never register and never fail with a 500', async () => {
    // Options are a legitimate write (the user's WebAuthn handle): take them once before counting.
    assert.equal((await t.request('POST', REGISTER, { headers: bearer })).status, 200);
    const before = await counts();
    const mutate = fc.oneof(
      fc.record({ field: fc.constantFrom('id', 'rawId', 'clientDataJSON', 'attestationObject'), at: fc.nat(), char: fc.constantFrom('A', '_', '-', '!', '=', '.', ' ') }).map((m) => ({ kind: 'char' as const, ...m })),
      fc.record({ field: fc.constantFrom('clientDataJSON', 'attestationObject'), keep: fc.double({ min: 0, max: 0.99, noNaN: true }) }).map((m) => ({ kind: 'truncate' as const, ...m })),
      fc.record({ field: fc.constantFrom('id', 'rawId', 'type', 'response', 'clientDataJSON', 'attestationObject'), value: jsonValue }).map((m) => ({ kind: 'replace' as const, ...m })),
      fc.nat({ max: 5_000 }).map((depth) => ({ kind: 'nest' as const, depth })),
    );
    await fc.assert(
      fc.asyncProperty(mutate, async (m) => {
        const opts = await t.request('POST', REGISTER, { headers: bearer });
        assert.equal(opts.status, 200, opts.text);
        const auth = new SoftAuthenticator({ attestation: 'packed', residentKey: false });
        const credential = auth.createCredential(opts.body.options, { origin: TEST_ORIGIN }) as unknown as Record<string, any>;
        const target = (f: string) => (['clientDataJSON', 'attestationObject', 'transports'].includes(f) ? credential.response : credential);
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
        assert.ok([400, 404, 413].includes(res.status) && !(m.kind === 'nest' && m.depth > 40 && res.status !== 400 && res.status !== 413), `${JSON.stringify(m).slice(0, 120)} → ${res.status} ${res.text.slice(0, 200)}`);
      }),
      { numRuns: 120, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
    );
    assert.deepEqual(await counts(), before, 'no rows written');
  });

  it('oversized, deeply nested and duplicate-key bodies', async () => {
    const headers = { ...bearer, 'Content-Type': 'application/json' };
    const big = await send('POST', COMPLETE, headers, JSON.stringify({ credential: { id: 'x'.repeat(1_048_576) }, device_name: 'a', method_type: 'webauthn_fido' }));
    assert.equal(big.status, 413);
    const nested = await send('POST', COMPLETE, headers, '['.repeat(30_000) + ']'.repeat(30_000));
    assert.equal(nested.status, 400);
    const nestedObject = await send('POST', COMPLETE, headers, `{"credential":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)},"device_name":"a","method_type":"webauthn_fido"}`);
    assert.equal(nestedObject.status, 400);
    const dup = await send('POST', COMPLETE, headers, '{"device_name":"a","device_name":"b","method_type":"webauthn_fido","method_type":"x","credential":{}}');
    assert.equal(dup.status, 400);
    const huge = await send('POST', '/v1/tenants', { 'Content-Type': 'application/json' }, 'x'.repeat(2_000_000));
    assert.ok([401, 413].includes(huge.status));
  });
});
