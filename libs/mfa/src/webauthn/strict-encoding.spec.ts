import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { SoftAuthenticator } from '../../../../test/support/soft-authenticator.js';
import { encodeCbor } from '../../../../test/support/cbor.js';
import { ApiError } from '#errors';
import { verifyRegistration } from './registration.verifier.js';
import { verifyAuthentication } from './authentication.verifier.js';
import { cborProblem, isStrictDerEcdsaSignature } from './strict-encoding.js';

const ORIGIN = 'https://app.tessera.test';
const RP_ID = 'tessera.test';

function packedRegistration() {
  const challenge = randomBytes(32).toString('base64url');
  const options = {
    challenge,
    rp: { id: RP_ID, name: 'Tessera' },
    user: { id: randomBytes(32).toString('base64url'), name: 'alice', displayName: 'alice' },
    pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
    authenticatorSelection: { residentKey: 'discouraged', userVerification: 'preferred' },
    attestation: 'direct',
  } as PublicKeyCredentialCreationOptionsJSON;
  const auth = new SoftAuthenticator({ attestation: 'packed', residentKey: false });
  const credential = auth.createCredential(options, { origin: ORIGIN });
  const expected = { challenge, origins: [ORIGIN], rpId: RP_ID, methodType: 'webauthn_fido' as const };
  return { auth, credential, expected };
}

/** Rewrites one byte of the base64url attestationObject. */
function withByte(b64url: string, at: (bytes: Buffer) => number, value: (old: number) => number): string {
  const bytes = Buffer.from(b64url, 'base64url');
  const i = at(bytes);
  bytes[i] = value(bytes[i]);
  return bytes.toString('base64url');
}

async function refusedAs(
  credential: ReturnType<typeof packedRegistration>['credential'],
  expected: ReturnType<typeof packedRegistration>['expected'],
  reason: string,
) {
  await assert.rejects(
    verifyRegistration(credential, expected),
    (err: unknown) => err instanceof ApiError && err.code === 'verification_failed' && err.details?.reason === reason,
  );
}

describe('strict encodings in WebAuthn responses', () => {
  it('CBOR: exactly one definite-length item, nothing truncated, nothing after', () => {
    assert.equal(cborProblem(encodeCbor(new Map([['a', new Uint8Array(3)]]))), null);
    assert.match(cborProblem(Uint8Array.of(0x43, 1, 2))!, /runs past the end/);
    assert.match(cborProblem(Uint8Array.of(0x58))!, /length truncated/);
    assert.match(cborProblem(Uint8Array.of(0x01, 0x02))!, /1 bytes after/);
    assert.match(cborProblem(Uint8Array.of(0x5f, 0x41, 0x00, 0xff))!, /indefinite/);
    assert.match(cborProblem(Uint8Array.of(0xa2, 0x01, 0x02))!, /container longer|truncated/);
    assert.match(cborProblem(new Uint8Array(40).fill(0x81))!, /nested too deeply/);
  });

  it('DER ECDSA signatures: exact lengths, positive minimal integers', () => {
    const int = (bytes: number[]) => [0x02, bytes.length, ...bytes];
    const seq = (content: number[], length = content.length) => Uint8Array.from([0x30, length, ...content]);
    const r = [0x01, ...new Array(31).fill(7)];
    const s = [0x00, 0x80, ...new Array(31).fill(9)];
    assert.ok(isStrictDerEcdsaSignature(seq([...int(r), ...int(s)])));
    assert.ok(!isStrictDerEcdsaSignature(seq([...int(r), ...int(s)], 68)), 'SEQUENCE length one short');
    assert.ok(!isStrictDerEcdsaSignature(Uint8Array.from([...seq([...int(r), ...int(s)]), 0])), 'a byte after');
    assert.ok(
      !isStrictDerEcdsaSignature(seq([...int([0x00, 0x01, ...r.slice(1)]), ...int(s)])),
      'needless leading zero',
    );
    assert.ok(!isStrictDerEcdsaSignature(seq([...int([0x81, ...r.slice(1)]), ...int(s)])), 'negative');
    assert.ok(!isStrictDerEcdsaSignature(seq([...int(r)])), 'one integer');
    assert.ok(!isStrictDerEcdsaSignature(new Uint8Array(64).fill(1)), 'raw r||s');
  });

  // The two ways a tampered packed attestation used to register (found by the fuzz test, seed 813355166).
  it('a packed attestation whose authData length runs past the end is refused (the library cut it short)', async () => {
    const { credential, expected } = packedRegistration();
    // attestationObject = {fmt, attStmt, authData: 58 <len> …}: authData comes last, so a longer length ran past the end.
    const mutated = withByte(
      credential.response.attestationObject,
      (b) => b.lastIndexOf(Buffer.from('authData')) + 9,
      (len) => len + 5,
    );
    await refusedAs(
      { ...credential, response: { ...credential.response, attestationObject: mutated } },
      expected,
      'attestation_object',
    );
    await verifyRegistration(credential, expected); // the untouched one verifies
  });

  it('a packed attestation whose signature DER framing was altered is refused (the library ignored it)', async () => {
    const { credential, expected } = packedRegistration();
    // "sig", the byte string header (58 <len>), then the DER SEQUENCE tag 30 and its length.
    const bytes = Buffer.from(credential.response.attestationObject, 'base64url');
    const seqAt = bytes.indexOf(Buffer.from('sig')) + 5;
    assert.equal(bytes[seqAt], 0x30, 'the SEQUENCE tag');
    const mutated = withByte(
      credential.response.attestationObject,
      () => seqAt + 1,
      (len) => len - 1,
    );
    await refusedAs(
      { ...credential, response: { ...credential.response, attestationObject: mutated } },
      expected,
      'attestation_object',
    );
  });

  it('an assertion with loose DER framing or non-canonical base64url is refused', async () => {
    const { auth, credential, expected } = packedRegistration();
    const info = await verifyRegistration(credential, expected);
    const challenge = randomBytes(32).toString('base64url');
    const assertion = auth.getAssertion(
      { challenge, rpId: RP_ID, allowCredentials: [{ id: credential.id, type: 'public-key' }] },
      { origin: ORIGIN },
    );
    const check = (response: typeof assertion) =>
      verifyAuthentication(response, {
        challenge,
        origins: [ORIGIN],
        rpId: RP_ID,
        requireUserVerification: false,
        credential: { credentialId: info.credentialId, publicKey: info.publicKey, transports: [] },
      });
    assert.equal((await check(assertion)).ok, true);
    const sig = Buffer.from(assertion.response.signature, 'base64url');
    const padded = Buffer.concat([sig, Buffer.of(0)]);
    padded[1] = sig[1]!; // SEQUENCE length unchanged, a byte after
    assert.deepEqual(
      await check({ ...assertion, response: { ...assertion.response, signature: padded.toString('base64url') } }),
      { ok: false, reason: 'encoding' },
    );
    const shortened = Buffer.from(sig);
    shortened[1] = sig[1] - 1;
    assert.deepEqual(
      await check({ ...assertion, response: { ...assertion.response, signature: shortened.toString('base64url') } }),
      { ok: false, reason: 'encoding' },
    );
    // Stray bits in the last base64url character decode to the same bytes: refused all the same.
    const data = assertion.response.authenticatorData;
    const stray = data.slice(0, -1) + String.fromCharCode(data.charCodeAt(data.length - 1) + 1);
    assert.deepEqual(Buffer.from(stray, 'base64url'), Buffer.from(data, 'base64url'));
    assert.deepEqual(await check({ ...assertion, response: { ...assertion.response, authenticatorData: stray } }), {
      ok: false,
      reason: 'encoding',
    });
  });
});
