import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, jwtVerify, type CryptoKey, type JWK } from 'jose';
import { Clock } from '#config';
import { RemoteJwks } from './remote-jwks.js';

const MINUTE = 60_000;

/** A JWKS on 127.0.0.1 that can stop answering: it then holds every request open (or fails it). */
class JwksServer {
  keys: JWK[] = [];
  requests = 0;
  mode: 'answer' | 'hang' | 'fail' = 'answer';
  private readonly held: ServerResponse[] = [];
  private server?: Server;

  async start(): Promise<URL> {
    this.server = createServer((_req, res) => {
      this.requests += 1;
      if (this.mode === 'hang') this.held.push(res);
      else if (this.mode === 'fail') res.writeHead(503).end();
      else res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: this.keys }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return new URL(`http://127.0.0.1:${(this.server.address() as AddressInfo).port}/jwks.json`);
  }

  async stop(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

class TestClock extends Clock {
  ms = Date.parse('2026-06-01T00:00:00Z');
  override now(): Date {
    return new Date(this.ms);
  }
}

describe('RemoteJwks: stale keys during an identity provider outage', () => {
  const server = new JwksServer();
  let url: URL;
  let key: { privateKey: CryptoKey; jwk: JWK };

  before(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    key = { privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' } };
    server.keys = [key.jwk];
    url = await server.start();
  });
  after(async () => {
    await server.stop();
  });

  // A fetch that gets no answer ends at timeoutMs: short where the server hangs on purpose, the
  // default elsewhere, so a loaded machine never times out a fetch the server does answer.
  function setup(staleSeconds = 86_400, timeoutMs = 5_000) {
    const clock = new TestClock();
    const warnings: number[] = [];
    const states: boolean[] = [];
    const jwks = new RemoteJwks({
      url,
      clock,
      staleSeconds,
      timeoutMs,
      onStale: (age) => warnings.push(age),
      onState: (stale) => states.push(stale),
    });
    const token = (kid = 'k1') =>
      new SignJWT({ sub: 'alice' })
        .setProtectedHeader({ alg: 'ES256', kid })
        .setIssuedAt(Math.floor(clock.ms / 1000))
        .setExpirationTime(Math.floor(clock.ms / 1000) + 300)
        .sign(key.privateKey);
    const verify = async (kid?: string) => jwtVerify(await token(kid), jwks.getKey, { currentDate: clock.now() });
    return { clock, jwks, warnings, states, verify };
  }

  for (const outage of ['hang', 'fail'] as const) {
    it(`keeps verifying with the last key set while refetches ${outage === 'hang' ? 'get no answer' : 'fail'}; one request in flight, one a minute`, async () => {
      server.mode = 'answer';
      const { clock, jwks, warnings, states, verify } = setup(86_400, outage === 'hang' ? 1_500 : 5_000);
      const start = server.requests;
      await verify();
      assert.equal(server.requests - start, 1, 'first use fetches once');

      server.mode = outage;
      clock.ms += 11 * MINUTE; // past the 10-minute cache lifetime
      const results = await Promise.allSettled(Array.from({ length: 25 }, () => verify()));
      assert.deepEqual(
        results.map((r) => r.status),
        Array(25).fill('fulfilled'),
        'stale keys verify',
      );
      await jwks.settled();
      assert.equal(server.requests - start, 2, 'one refetch for 25 concurrent verifications (single-flight)');

      // Within the minute after a failure: no request, however many verifications.
      for (let i = 0; i < 10; i++) {
        clock.ms += 5_000;
        await verify();
      }
      await jwks.settled();
      assert.equal(server.requests - start, 2, 'no retry within a minute of the last attempt');
      assert.equal(warnings.length, 1, 'one warning per minute');
      assert.equal(states.at(-1), true, 'the stale state is reported');

      // An unknown kid during the outage does not trigger a request inside the cooldown either.
      await assert.rejects(verify('rotated'), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
      assert.equal(server.requests - start, 2);

      for (let minute = 1; minute <= 5; minute++) {
        clock.ms += MINUTE;
        await Promise.all(Array.from({ length: 5 }, () => verify()));
        await jwks.settled();
        assert.equal(server.requests - start, 2 + minute, `minute ${minute}: exactly one more request`);
      }
      assert.equal(warnings.length, 6, 'a warning each minute while stale');

      // The provider answers again: fresh keys, no longer stale.
      server.mode = 'answer';
      clock.ms += MINUTE;
      await verify();
      await jwks.settled();
      await verify();
      assert.equal(states.at(-1), false);
      assert.equal(server.requests - start, 8);
    });
  }

  it('refuses once the last key set is older than the stale limit, and recovers when the provider answers', async () => {
    server.mode = 'answer';
    const { clock, jwks, verify } = setup(3600);
    await verify();
    server.mode = 'fail';
    clock.ms += 59 * MINUTE;
    await verify();
    await jwks.settled();
    clock.ms += 2 * MINUTE; // 61 minutes since the last successful fetch
    await assert.rejects(verify(), { code: 'ERR_JWKS_UNAVAILABLE' });
    server.mode = 'answer';
    clock.ms += MINUTE;
    await verify(); // waits for the fetch instead of refusing
  });

  it('a stale limit of 0 refuses as soon as the cache lifetime has passed and no refetch succeeds', async () => {
    server.mode = 'answer';
    const { clock, verify } = setup(0);
    await verify();
    server.mode = 'fail';
    clock.ms += 10 * MINUTE + 1;
    await assert.rejects(verify(), { code: 'ERR_JWKS_UNAVAILABLE' });
  });

  it('the first fetch failing is no key set at all: refused, and retried at most once a minute', async () => {
    server.mode = 'fail';
    const { clock, verify } = setup();
    const start = server.requests;
    await assert.rejects(verify(), { code: 'ERR_JWKS_UNAVAILABLE' });
    await assert.rejects(verify(), { code: 'ERR_JWKS_UNAVAILABLE' });
    assert.equal(server.requests - start, 1);
    server.mode = 'answer';
    clock.ms += MINUTE;
    await verify();
    assert.equal(server.requests - start, 2);
  });
});
