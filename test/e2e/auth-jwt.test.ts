import { after, before, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { Clock } from '#config';
import { JwtVerifierService } from '#auth';
import { startTestApp, TEST_JWT_SECRET, type TestApp, type TestResponse } from '../support/test-app.js';
import { MfaFlows } from '../support/mfa-flows.js';
import { ProbeModule } from './foundation-probe.module.js';

const ISSUER = 'https://idp.tessera.test/';
const AUDIENCE = 'tessera-api';

interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function signingKey(kid: string, alg: 'RS256' | 'ES256' | 'EdDSA' | 'ES384'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
  });
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** A JWKS served from 127.0.0.1, counting fetches. */
class JwksServer {
  readonly keys: JWK[] = [];
  fetches = 0;
  /** `fail`: the provider is down (503). */
  mode: 'answer' | 'fail' = 'answer';
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      if (req.url !== '/jwks.json') {
        res.writeHead(404).end();
        return;
      }
      this.fetches += 1;
      if (this.mode === 'fail') {
        res.writeHead(503).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: this.keys }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/jwks.json`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.server?.close((err) => (err ? reject(err) : resolve())));
  }
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('bearer JWT authentication (HS256 secret and JWKS)', () => {
  const jwks = new JwksServer();
  let t: TestApp;
  let tenantId: string;
  let rs: SigningKey;
  let es: SigningKey;
  let ed: SigningKey;
  let late: SigningKey;
  const hsSecret = new TextEncoder().encode(TEST_JWT_SECRET);

  before(async () => {
    [rs, es, ed, late] = await Promise.all([
      signingKey('rs-1', 'RS256'),
      signingKey('es-1', 'ES256'),
      signingKey('ed-1', 'EdDSA'),
      signingKey('rs-late', 'RS256'),
    ]);
    jwks.keys.push(rs.jwk, es.jwk, ed.jwk);
    const url = await jwks.start();
    t = await startTestApp(
      'sqlite',
      { AUTH_JWKS_URL: url, AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE },
      { modules: [ProbeModule] },
    );
    tenantId = (await t.createTenant()).id;
  });
  after(async () => {
    await t.close();
    await jwks.stop();
  });

  /** Claims that pass, with overrides; `undefined` removes a claim. */
  function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const now = Math.floor(Date.now() / 1000);
    const base: Record<string, unknown> = {
      sub: 'alice',
      tenant_id: tenantId,
      iss: ISSUER,
      aud: AUDIENCE,
      iat: now,
      exp: now + 300,
      roles: ['admin'],
      amr: ['pwd', 'hwk'],
      ...overrides,
    };
    for (const [k, v] of Object.entries(base)) if (v === undefined) delete base[k];
    return base;
  }
  const sign = (
    key: SigningKey | { kid?: string; alg: string; privateKey: CryptoKey | Uint8Array },
    overrides: Record<string, unknown> = {},
  ) =>
    new SignJWT(claims(overrides))
      .setProtectedHeader({ alg: key.alg, ...('kid' in key && key.kid ? { kid: key.kid } : {}) })
      .sign(key.privateKey);
  const hs = { alg: 'HS256', privateKey: hsSecret };
  const call = (token: string | null, headers: Record<string, string> = {}) =>
    t.request('GET', '/__probe/user', {
      headers: { 'X-Tenant-ID': tenantId, ...(token === null ? {} : { Authorization: `Bearer ${token}` }), ...headers },
    });

  function assertUnauthenticated(res: TestResponse, message?: RegExp): void {
    assert.equal(res.status, 401, res.text);
    assert.equal(res.body.code, 'unauthenticated');
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer\b/);
    if (message) assert.match(res.body.message, message);
  }

  it('accepts an HS256 token signed with AUTH_JWT_SECRET and builds the principal', async () => {
    const res = await call(await sign(hs));
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { user_id: 'alice', tenant_id: tenantId, roles: ['admin'], amr: ['pwd', 'hwk'] });
  });

  it('accepts RS256, ES256 and EdDSA tokens verified against the JWKS, fetched once and cached', async () => {
    for (const key of [rs, es, ed]) {
      const res = await call(await sign(key));
      assert.equal(res.status, 200, `${key.alg}: ${res.text}`);
      assert.equal(res.body.user_id, 'alice');
    }
    assert.equal(jwks.fetches, 1);
  });

  it('no token, another scheme, or a malformed token → 401 with WWW-Authenticate: Bearer', async () => {
    assertUnauthenticated(await call(null));
    assertUnauthenticated(await call(null, { Authorization: `Basic ${Buffer.from('alice:pw').toString('base64')}` }));
    assertUnauthenticated(await call('not.a.jwt'));
    assertUnauthenticated(await call('garbage'));
  });

  it('a bad signature → 401', async () => {
    assertUnauthenticated(
      await sign({ alg: 'HS256', privateKey: new TextEncoder().encode('another-secret-0123456789abcdefghij') }).then(
        call,
      ),
    );
    const forged = (await sign(rs)).split('.');
    const other = (await sign(rs, { sub: 'mallory' })).split('.');
    assertUnauthenticated(await call(`${forged[0]}.${other[1]}.${forged[2]}`));
  });

  it('expired beyond the leeway → 401; within the leeway → accepted; nbf in the future → 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    assertUnauthenticated(await call(await sign(hs, { exp: now - 61, iat: now - 600 })), /expired/);
    assertUnauthenticated(await call(await sign(rs, { exp: now - 3600, iat: now - 7200 })), /expired/);
    assert.equal((await call(await sign(hs, { exp: now - 5 }))).status, 200);
    assertUnauthenticated(await call(await sign(hs, { nbf: now + 120 })));
  });

  it('algorithms outside the allowlist → 401 (HS512, ES384)', async () => {
    assertUnauthenticated(
      await call(await sign({ alg: 'HS512', privateKey: new TextEncoder().encode(TEST_JWT_SECRET.repeat(2)) })),
      /algorithm/,
    );
    const es384 = await signingKey('es384-1', 'ES384');
    jwks.keys.push(es384.jwk);
    assertUnauthenticated(await call(await sign(es384)), /algorithm/);
  });

  it('alg "none" → 401', async () => {
    const unsigned = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims())}.`;
    assertUnauthenticated(await call(unsigned));
    assertUnauthenticated(await call(`${b64url({ alg: 'None' })}.${b64url(claims())}.`));
  });

  it('no HS/RS confusion: an HS256 token keyed with the JWKS public key → 401', async () => {
    const { importJWK } = await import('jose');
    const pem = await exportSPKI((await importJWK(rs.jwk, 'RS256')) as CryptoKey);
    for (const secret of [pem, JSON.stringify(rs.jwk), rs.jwk.n!]) {
      const token = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'HS256', kid: rs.kid })
        .sign(new TextEncoder().encode(secret));
      assertUnauthenticated(await call(token));
    }
  });

  it('iss and aud must match when configured', async () => {
    assertUnauthenticated(await call(await sign(rs, { iss: 'https://evil.test/' })));
    assertUnauthenticated(await call(await sign(rs, { iss: undefined })));
    assertUnauthenticated(await call(await sign(hs, { aud: 'someone-else' })));
    assertUnauthenticated(await call(await sign(hs, { aud: undefined })));
    assert.equal((await call(await sign(hs, { aud: ['other', AUDIENCE] }))).status, 200);
  });

  it('a token without sub, exp or a UUID tenant claim → 401', async () => {
    assertUnauthenticated(await call(await sign(hs, { sub: undefined })));
    assertUnauthenticated(await call(await sign(hs, { exp: undefined })));
    assertUnauthenticated(await call(await sign(hs, { tenant_id: undefined })), /tenant/);
    assertUnauthenticated(await call(await sign(hs, { tenant_id: 'acme' }), { 'X-Tenant-ID': tenantId }), /tenant/);
  });

  it('an unknown kid refetches the JWKS at most once a minute', async () => {
    assert.equal(jwks.fetches, 1);
    // Within a minute of the last fetch: no refetch, even once the key is published.
    assertUnauthenticated(await call(await sign(late)));
    assert.equal(jwks.fetches, 1);
    jwks.keys.push(late.jwk);
    assertUnauthenticated(await call(await sign(late)));
    assert.equal(jwks.fetches, 1);
    // A minute later the unknown kid triggers one refetch, and the new key verifies.
    mock.timers.enable({ apis: ['Date'], now: Date.now() + 61_000 });
    try {
      const res = await call(await sign(late));
      assert.equal(res.status, 200, res.text);
      assert.equal(jwks.fetches, 2);
      const ghost = { ...(await signingKey('rs-ghost', 'RS256')) };
      assertUnauthenticated(await call(await sign(ghost)));
      assertUnauthenticated(await call(await sign(ghost)));
      assert.equal(jwks.fetches, 2);
    } finally {
      mock.timers.reset();
    }
  });

  it('iat or auth_time in the future beyond the clock tolerance → 401; within it → accepted', async () => {
    const now = Math.floor(Date.now() / 1000);
    assertUnauthenticated(await call(await sign(rs, { iat: now + 120, exp: now + 600 })), /iat is in the future/);
    assertUnauthenticated(await call(await sign(hs, { auth_time: now + 120 })), /auth_time is in the future/);
    assertUnauthenticated(await call(await sign(hs, { auth_time: 'yesterday' })));
    assert.equal(
      (await call(await sign(hs, { iat: now + 20, auth_time: now + 20 }))).status,
      200,
      'within the 30 s tolerance',
    );
  });

  it('a lifetime (exp − iat) over AUTH_MAX_TOKEN_LIFETIME_SECONDS (86400) → 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    assertUnauthenticated(await call(await sign(rs, { iat: now - 10, exp: now - 10 + 86_401 })), /lifetime/);
    assert.equal((await call(await sign(rs, { iat: now - 10, exp: now - 10 + 86_400 }))).status, 200);
    // Without iat, what is left of the lifetime must be within the bound.
    assertUnauthenticated(await call(await sign(hs, { iat: undefined, exp: now + 86_500 })), /lifetime/);
    assert.equal((await call(await sign(hs, { iat: undefined, exp: now + 3600 }))).status, 200);
  });

  it('a token typed mfa+jwt, or with the MFA token issuer, → 401 even when its signature verifies', async () => {
    for (const typ of ['mfa+jwt', 'MFA+JWT', 'application/mfa+jwt']) {
      const typed = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'RS256', kid: rs.kid, typ })
        .sign(rs.privateKey);
      assertUnauthenticated(await call(typed), /MFA token/);
    }
    assertUnauthenticated(await call(await sign(hs, { iss: 'tessera' })), /MFA token/);
  });

  it('JWKS outage: the last key set keeps verifying (stale, with a metric) until AUTH_JWKS_STALE_SECONDS, fetched at most once a minute', async () => {
    const clock = t.app.get(Clock);
    const verifier = t.app.get(JwtVerifierService);
    const realNow = clock.now.bind(clock);
    const base = Date.now();
    const at = (ms: number) => (clock.now = () => new Date(base + ms));
    // Tokens issued at the moved clock's time.
    const fresh = (key: SigningKey) => {
      const iat = Math.floor(clock.now().getTime() / 1000);
      return sign(key, { iat, exp: iat + 300 });
    };
    const metric = async (name: string) =>
      Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(await (await fetch(`${t.metricsUrl}/metrics`)).text())?.[1]);
    jwks.mode = 'fail';
    try {
      const before = jwks.fetches;
      const T0 = 13 * 60_000; // past the 10-minute cache lifetime of the last fetch (a minute after start)
      at(T0);
      const first = await Promise.all(Array.from({ length: 10 }, async () => (await call(await fresh(rs))).status));
      await verifier.settled();
      assert.deepEqual(first, Array(10).fill(200), 'stale keys still verify');
      assert.equal(jwks.fetches, before + 1, 'one refetch for ten concurrent requests');
      assert.equal((await call(await fresh(es))).status, 200);
      assert.equal(await metric('tessera_auth_jwks_stale'), 1);
      assert.ok((await metric('tessera_auth_jwks_age_seconds')) >= 600);
      at(T0 + 30_000);
      assert.equal((await call(await fresh(ed))).status, 200);
      await verifier.settled();
      assert.equal(jwks.fetches, before + 1, 'no retry within a minute');
      at(T0 + 61_000);
      assert.equal((await call(await fresh(ed))).status, 200);
      await verifier.settled();
      assert.equal(jwks.fetches, before + 2, 'one retry a minute later');
      // A day after the last successful fetch: refused.
      at(24 * 3600_000 + T0);
      assertUnauthenticated(await call(await fresh(rs)));
      // The provider is back: fresh keys, no longer stale.
      jwks.mode = 'answer';
      at(24 * 3600_000 + T0 + 61_000);
      assert.equal((await call(await fresh(rs))).status, 200);
      assert.equal(await metric('tessera_auth_jwks_stale'), 0);
    } finally {
      jwks.mode = 'answer';
      clock.now = realNow;
    }
  });

  it('kid with path or SQL characters, and jku/x5u/jwk headers pointing elsewhere → 401; nothing is fetched from them', async () => {
    const attacker = new JwksServer();
    const attackerUrl = await attacker.start();
    try {
      const evil = await signingKey('evil', 'RS256');
      attacker.keys.push(evil.jwk);
      const forged = (header: Record<string, unknown>) =>
        new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', ...header }).sign(evil.privateKey);
      const cases: [string, Record<string, unknown>][] = [
        ['kid with a path', { kid: '../../../../etc/passwd' }],
        ['kid with SQL', { kid: "rs-1' OR '1'='1" }],
        ['kid with NUL and slashes', { kid: 'rs-1\u0000/../x' }],
        ['jku elsewhere', { kid: 'evil', jku: attackerUrl }],
        ['x5u elsewhere', { kid: 'evil', x5u: attackerUrl }],
        ['embedded jwk', { kid: 'evil', jwk: evil.jwk }],
        ['kid of a real key, jku elsewhere', { kid: rs.kid, jku: attackerUrl }],
      ];
      for (const [name, header] of cases) {
        const res = await call(await forged(header));
        assert.equal(res.status, 401, name);
        assertUnauthenticated(res);
      }
      assert.equal(attacker.fetches, 0, 'jku/x5u are never fetched');
    } finally {
      await attacker.stop();
    }
  });
});

describe('MFA tokens are never bearer tokens (AUTH_JWKS_URL pointed at Tessera itself)', () => {
  let issuer: TestApp;
  let victim: TestApp;
  let tenantId: string;

  before(async () => {
    issuer = await startTestApp('sqlite');
    victim = await startTestApp(
      'sqlite',
      { AUTH_JWKS_URL: `${issuer.baseUrl}/.well-known/jwks.json`, AUTH_MAX_TOKEN_LIFETIME_SECONDS: '3600' },
      { modules: [ProbeModule] },
    );
    tenantId = (await victim.createTenant()).id;
  });
  after(async () => {
    await victim?.close();
    await issuer?.close();
  });

  it('a real MFA token from a completed challenge → 401, though it verifies against that JWKS', async () => {
    const mfa = new MfaFlows(issuer);
    const admin = await issuer.createTenant({ name: 'Issuer tenant' });
    const { auth } = await mfa.enrollWebAuthn(admin.id, 'alice');
    const done = (await mfa.webauthn(await mfa.openSignInId(admin, 'alice'), auth)).res;
    assert.equal(done.status, 200, done.text);
    const { protectedHeader } = await mfa.verifyToken(done.body.token);
    assert.equal(protectedHeader.typ, 'mfa+jwt', 'MFA tokens are typed at issuance');
    const res = await victim.request('GET', '/__probe/user', {
      headers: { Authorization: `Bearer ${done.body.token}`, 'X-Tenant-ID': admin.id },
    });
    assert.equal(res.status, 401, res.text);
    assert.equal(res.body.code, 'unauthenticated');
    assert.match(res.body.message, /MFA token/);
  });

  it('AUTH_MAX_TOKEN_LIFETIME_SECONDS is configurable', async () => {
    const now = Math.floor(Date.now() / 1000);
    const hs = (exp: number) =>
      new SignJWT({ tenant_id: tenantId })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('bob')
        .setIssuedAt(now)
        .setExpirationTime(exp)
        .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    const call = async (token: string) =>
      (
        await victim.request('GET', '/__probe/user', {
          headers: { Authorization: `Bearer ${token}`, 'X-Tenant-ID': tenantId },
        })
      ).status;
    assert.equal(await call(await hs(now + 3600)), 200);
    assert.equal(await call(await hs(now + 3601)), 401);
  });
});
