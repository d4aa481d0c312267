import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { generateRegistrationOptions } from '@simplewebauthn/server';
import { SignJWT, decodeJwt } from 'jose';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { postgresAvailable, scratchDatabase, type ScratchDatabase } from '../support/test-app.js';

/**
 * The benchmark's minimal server is the stack floor the README sets Tessera's sign-in and
 * registration against: it must do the work it stands for (verify the assertion and the
 * attestation, use a challenge or a pending enrollment once, check the API key and the bearer, ask
 * Cedar), or the comparison would flatter the floor.
 */
const RP_ID = 'minimal.test';
const ORIGIN = 'https://app.minimal.test';
const entry = new URL('../../bench/minimal.server.js', import.meta.url).pathname;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function bearer(secret: string, sub: string, amr: string[]): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = await new SignJWT({ auth_time: now, amr })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(new TextEncoder().encode(secret));
  return `Bearer ${jwt}`;
}

async function post(base: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('the benchmark’s minimal server', { skip: !(await postgresAvailable()) }, () => {
  const apiKey = randomBytes(24).toString('hex');
  const jwtSecret = randomBytes(32).toString('hex');
  let db: ScratchDatabase;
  let server: ChildProcess;
  let base: string;
  const passkey = new SoftAuthenticator();

  before(async () => {
    db = await scratchDatabase('postgres');
    const port = await freePort();
    server = spawn(process.execPath, [entry], {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: db.url,
        MINIMAL_API_KEY: apiKey,
        MINIMAL_JWT_SECRET: jwtSecret,
        MINIMAL_RP_ID: RP_ID,
        MINIMAL_ORIGIN: ORIGIN,
      },
      stdio: 'ignore',
    });
    base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      const up = await fetch(`${base}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      if (i > 150) throw new Error('the minimal server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const options = await generateRegistrationOptions({
      rpName: 'Minimal',
      rpID: RP_ID,
      userName: 'alice',
      attestationType: 'none',
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    });
    const credential = passkey.createCredential(options, { origin: ORIGIN });
    const seeded = await post(base, '/seed', { user_id: 'alice', challenge: options.challenge, credential });
    assert.equal(seeded.status, 201);
  });

  after(async () => {
    server?.kill('SIGTERM');
    if (server && server.exitCode === null) await new Promise((r) => server.once('exit', r));
    await db?.drop();
  });

  const open = async () => {
    const opened = await post(base, '/challenges', { user_id: 'alice' }, { 'x-api-key': apiKey });
    assert.equal(opened.status, 201);
    const challengeId = opened.body.challenge_id as string;
    const begin = await post(base, '/begin', { challenge_id: challengeId });
    assert.equal(begin.status, 200);
    return { challengeId, options: begin.body.options as Parameters<SoftAuthenticator['getAssertion']>[0] };
  };

  it('signs in: challenge by API key, begin, a verified assertion, an ES256 token; once per challenge', async () => {
    const { challengeId, options } = await open();
    const credential = passkey.getAssertion(options, { origin: ORIGIN });
    const done = await post(base, '/complete', { challenge_id: challengeId, credential });
    assert.equal(done.status, 200);
    assert.equal(decodeJwt(done.body.token as string).sub, 'alice');
    const again = await post(base, '/complete', { challenge_id: challengeId, credential });
    assert.equal(again.status, 404, 'a consumed challenge is not completed twice');
  });

  it('refuses an assertion made for another challenge, and a wrong API key', async () => {
    const first = await open();
    const second = await open();
    const forSecond = passkey.getAssertion(second.options, { origin: ORIGIN });
    const crossed = await post(base, '/complete', { challenge_id: first.challengeId, credential: forSecond });
    assert.equal(crossed.status, 403);
    const wrong = await post(base, '/challenges', { user_id: 'alice' }, { 'x-api-key': `${apiKey.slice(0, 8)}x` });
    assert.equal(wrong.status, 401);
  });

  it('steps up under the user’s bearer: a challenge, a verified assertion, a token; a forged bearer is refused', async () => {
    const authorization = await bearer(jwtSecret, 'alice', ['pwd']);
    const opened = await post(base, '/step-up/challenges', {}, { authorization });
    assert.equal(opened.status, 201);
    const challengeId = opened.body.challenge_id as string;
    const begin = await post(base, '/begin', { challenge_id: challengeId });
    const options = begin.body.options as Parameters<SoftAuthenticator['getAssertion']>[0];
    const credential = passkey.getAssertion(options, { origin: ORIGIN });
    const done = await post(base, '/complete', { challenge_id: challengeId, credential });
    assert.equal(done.status, 200);
    assert.equal(decodeJwt(done.body.token as string).sub, 'alice');
    const forged = await bearer(randomBytes(32).toString('hex'), 'alice', ['pwd']);
    const refused = await post(base, '/step-up/challenges', {}, { authorization: forged });
    assert.equal(refused.status, 401);
  });

  it('validates bodies with class-validator, as the service does', async () => {
    const bad = await post(base, '/begin', { challenge_id: 'not-a-uuid', extra: 1 });
    assert.equal(bad.status, 400);
  });

  const options = async (authorization: string) =>
    post(base, '/register/options?method_type=webauthn_passkey', undefined, { authorization });
  const complete = async (authorization: string, credential: unknown) =>
    post(
      base,
      '/register/complete',
      { credential, device_name: 'Laptop', method_type: 'webauthn_passkey' },
      { authorization },
    );

  it('registers a passkey for a user under a step-up bearer: options, a verified attestation, once', async () => {
    const auth = await bearer(jwtSecret, 'alice', ['pwd', 'mfa']);
    const started = await options(auth);
    assert.equal(started.status, 200);
    const creation = started.body.options as Parameters<SoftAuthenticator['createCredential']>[0] & {
      excludeCredentials: { id: string }[];
    };
    assert.equal(creation.excludeCredentials.length, 1, 'the passkey the user holds is excluded');
    const credential = new SoftAuthenticator().createCredential(creation, { origin: ORIGIN });
    const done = await complete(auth, credential);
    assert.equal(done.status, 200);
    assert.deepEqual(done.body, { codes: [], remaining: 10 });
    const again = await complete(auth, credential);
    assert.equal(again.status, 404, 'a pending enrollment is completed once');
    const next = (await options(auth)).body.options as typeof creation;
    assert.equal(next.excludeCredentials.length, 2);
  });

  it('refuses an attestation for another challenge, a password-only or forged bearer, and bad input', async () => {
    const auth = await bearer(jwtSecret, 'alice', ['pwd', 'mfa']);
    const stale = (await options(auth)).body.options as Parameters<SoftAuthenticator['createCredential']>[0];
    await options(auth); // replaces the pending enrollment: its challenge is no longer the one
    const crossed = await complete(auth, new SoftAuthenticator().createCredential(stale, { origin: ORIGIN }));
    assert.equal(crossed.status, 403);
    const passwordOnly = await options(await bearer(jwtSecret, 'alice', ['pwd']));
    assert.equal(passwordOnly.status, 403, 'Cedar asks a step-up of a user who holds MFA');
    const forged = await options(await bearer(randomBytes(32).toString('hex'), 'alice', ['pwd', 'mfa']));
    assert.equal(forged.status, 401);
    const long = await post(
      base,
      '/register/complete',
      { credential: {}, device_name: 'x'.repeat(101), method_type: 'webauthn_passkey' },
      { authorization: auth },
    );
    assert.equal(long.status, 400);
  });
});
