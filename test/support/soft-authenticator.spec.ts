import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type PublicKeyCredentialCreationOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { encodeCbor } from './cbor.js';
import { SoftAuthenticator, WebAuthnError, type SoftAuthenticatorOptions, type Tamper } from './soft-authenticator.js';

const RP_ID = 'tessera.test';
const ORIGIN = 'https://app.tessera.test';
const ALL_ALGS = [-8, -7, -257];

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

async function regOptions(
  extra: Partial<Parameters<typeof generateRegistrationOptions>[0]> = {},
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: 'Tessera',
    rpID: RP_ID,
    userName: 'ada@example.com',
    userID: new TextEncoder().encode('user-1'),
    attestationType: 'direct',
    supportedAlgorithmIDs: ALL_ALGS,
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
    ...extra,
  });
}

async function verifyReg(
  response: RegistrationResponseJSON,
  options: PublicKeyCredentialCreationOptionsJSON,
  requireUserVerification = true,
) {
  return verifyRegistrationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    requireUserVerification,
    supportedAlgorithmIDs: options.pubKeyCredParams.map((p) => p.alg),
  });
}

/** Registers with `tamper`; 'verified', 'not verified' or the verifier's error message. */
async function registerWith(tamper: Tamper, auth = new SoftAuthenticator({ attestation: 'packed' })): Promise<string> {
  const options = await regOptions();
  const response = auth.createCredential(options, { origin: ORIGIN, tamper });
  try {
    return (await verifyReg(response, options)).verified ? 'verified' : 'not verified';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

describe('encodeCbor', () => {
  it('matches RFC 8949 Appendix A vectors', () => {
    const table: [Parameters<typeof encodeCbor>[0], string][] = [
      [0, '00'],
      [23, '17'],
      [24, '1818'],
      [100, '1864'],
      [1000, '1903e8'],
      [1000000, '1a000f4240'],
      [1000000000000, '1b000000e8d4a51000'],
      [-1, '20'],
      [-100, '3863'],
      [-1000, '3903e7'],
      [false, 'f4'],
      [true, 'f5'],
      [null, 'f6'],
      [new Uint8Array([1, 2, 3, 4]), '4401020304'],
      ['', '60'],
      ['IETF', '6449455446'],
      ['\u00fc', '62c3bc'],
      [[1, [2, 3], [4, 5]], '8301820203820405'],
      [
        new Map([
          [1, 2],
          [3, 4],
        ]),
        'a201020304',
      ],
      [{ a: 1, b: [2, 3] }, 'a26161016162820203'],
    ];
    for (const [value, expected] of table) assert.equal(hex(encodeCbor(value)), expected, JSON.stringify(value));
  });

  it('rejects non-integers', () => {
    assert.throws(() => encodeCbor(1.5), TypeError);
  });
});

describe('SoftAuthenticator registration', () => {
  const cases: [string, SoftAuthenticatorOptions, string][] = [
    ['ES256 + none', { alg: 'ES256', attestation: 'none' }, 'none'],
    ['ES256 + packed', { alg: 'ES256', attestation: 'packed' }, 'packed'],
    ['EdDSA + none', { alg: 'EdDSA', attestation: 'none' }, 'none'],
    ['EdDSA + packed', { alg: 'EdDSA', attestation: 'packed' }, 'packed'],
    ['RS256 + packed', { alg: 'RS256', attestation: 'packed' }, 'packed'],
  ];
  for (const [name, opts, fmt] of cases) {
    it(`verifies ${name}`, async () => {
      const aaguid = '2fc0579f-8113-47ea-b116-bb5a8db9202a';
      const auth = new SoftAuthenticator({ ...opts, aaguid });
      const options = await regOptions();
      const response = auth.createCredential(options, { origin: ORIGIN });
      const result = await verifyReg(response, options);
      assert.equal(result.verified, true);
      assert.ok(result.registrationInfo);
      assert.equal(result.registrationInfo.fmt, fmt);
      assert.equal(result.registrationInfo.aaguid, aaguid);
      assert.equal(result.registrationInfo.credential.id, response.id);
      assert.equal(result.registrationInfo.userVerified, true);
      assert.equal(result.registrationInfo.rpID, RP_ID);
      const stored = auth.credentials.get(response.id);
      assert.ok(stored);
      assert.equal(hex(result.registrationInfo.credential.publicKey), hex(stored.publicKeyCose));
    });
  }

  it('picks its own algorithm from pubKeyCredParams and refuses when it is not offered', async () => {
    const auth = new SoftAuthenticator({ alg: 'EdDSA' });
    const options = await regOptions({ supportedAlgorithmIDs: [-7, -8] });
    const response = auth.createCredential(options, { origin: ORIGIN });
    assert.equal(response.response.publicKeyAlgorithm, -8);
    const onlyEs256 = await regOptions({ supportedAlgorithmIDs: [-7] });
    assert.throws(() => auth.createCredential(onlyEs256, { origin: ORIGIN }), { name: 'NotSupportedError' });
  });

  it('reports UV off when the authenticator cannot verify the user', async () => {
    const auth = new SoftAuthenticator({ userVerified: false });
    const options = await regOptions({ authenticatorSelection: { userVerification: 'preferred' } });
    const response = auth.createCredential(options, { origin: ORIGIN });
    const relaxed = await verifyReg(response, options, false);
    assert.equal(relaxed.registrationInfo?.userVerified, false);
    await assert.rejects(verifyReg(response, options, true), /User verification was required/);

    const required = await regOptions();
    assert.throws(() => auth.createCredential(required, { origin: ORIGIN }), { name: 'NotAllowedError' });
  });

  it('carries backup eligibility and state', async () => {
    const synced = new SoftAuthenticator({ backupEligible: true, backedUp: true, attachment: 'platform' });
    const options = await regOptions();
    const result = await verifyReg(synced.createCredential(options, { origin: ORIGIN }), options);
    assert.equal(result.registrationInfo?.credentialDeviceType, 'multiDevice');
    assert.equal(result.registrationInfo?.credentialBackedUp, true);

    const key = new SoftAuthenticator();
    const options2 = await regOptions();
    const response2 = key.createCredential(options2, { origin: ORIGIN });
    const result2 = await verifyReg(response2, options2);
    assert.equal(result2.registrationInfo?.credentialDeviceType, 'singleDevice');
    assert.equal(result2.registrationInfo?.credentialBackedUp, false);
    assert.deepEqual(result2.registrationInfo?.credential.transports, ['usb']);
  });

  it('refuses excludeCredentials it owns with InvalidStateError', async () => {
    const auth = new SoftAuthenticator();
    const first = auth.createCredential(await regOptions(), { origin: ORIGIN });
    const options = await regOptions({ excludeCredentials: [{ id: first.id }] });
    assert.throws(
      () => auth.createCredential(options, { origin: ORIGIN }),
      (err: unknown) => err instanceof WebAuthnError && err.name === 'InvalidStateError',
    );
    // another authenticator does not own it and registers fine
    assert.ok(new SoftAuthenticator().createCredential(options, { origin: ORIGIN }).id);
  });

  it('refuses an rp id that does not match the origin', async () => {
    const options = await regOptions();
    assert.throws(() => new SoftAuthenticator().createCredential(options, { origin: 'https://evil.example' }), {
      name: 'SecurityError',
    });
  });

  it('answers credProps', async () => {
    const options = await regOptions();
    const response = new SoftAuthenticator().createCredential(options, { origin: ORIGIN });
    assert.deepEqual(response.clientExtensionResults, { credProps: { rk: true } });
  });
});

describe('SoftAuthenticator tampering (registration)', () => {
  it('control: the untampered packed response verifies', async () => {
    assert.equal(await registerWith({}), 'verified');
  });

  // Each tamper must fail for its own reason, not because the fixture broke something else.
  const rejected: [string, Tamper, RegExp][] = [
    ['challenge', { challenge: 'bm90LXRoZS1jaGFsbGVuZ2U' }, /challenge/],
    ['origin', { origin: 'https://evil.example' }, /origin/],
    ['type webauthn.get in a create', { type: 'webauthn.get' }, /response type/],
    ['rpIdHash', { rpIdHash: 'evil.example' }, /RP ID/i],
    ['UP cleared', { flags: { clearUP: true } }, /User presence/],
    ['UV cleared', { flags: { clearUV: true } }, /User verification/],
    ['BS set without BE', { flags: { setBS: true } }, /backed up/],
    ['alg not offered (ES384 label)', { alg: -35 }, /public key alg "-35"/],
    ['id differs from rawId', { mismatchedId: true }, /Credential ID/],
    ['garbage attestationObject', { garbageAttestationObject: true }, /./],
    ['bad attestation signature', { badSignature: true }, /^not verified$/],
  ];
  for (const [name, tamper, reason] of rejected) {
    it(`rejects ${name}`, async () => {
      const outcome = await registerWith(tamper);
      assert.notEqual(outcome, 'verified');
      assert.match(outcome, reason);
    });
  }

  it('accepts extra clientData members, as browsers may add them', async () => {
    const extra = { other_keys_can_be_added_here: 'do not compare clientDataJSON against a template' };
    assert.equal(await registerWith({ extraClientData: extra }), 'verified');
  });

  it('setting BE and BS is indistinguishable from a synced passkey (policy must decide)', async () => {
    const options = await regOptions();
    const response = new SoftAuthenticator().createCredential(options, {
      origin: ORIGIN,
      tamper: { flags: { setBE: true, setBS: true } },
    });
    const result = await verifyReg(response, options);
    assert.equal(result.registrationInfo?.credentialDeviceType, 'multiDevice');
    assert.equal(result.registrationInfo?.credentialBackedUp, true);
  });

  it('oversized credential id (>1023 bytes) is NOT rejected by @simplewebauthn/server: the service must check it', async () => {
    const options = await regOptions();
    const response = new SoftAuthenticator().createCredential(options, {
      origin: ORIGIN,
      tamper: { oversizedCredentialId: true },
    });
    const result = await verifyReg(response, options);
    assert.equal(Buffer.from(response.id, 'base64url').length, 1024);
    // If a library upgrade starts rejecting it, this flips and the note above can go.
    assert.equal(result.verified, true);
  });
});

describe('SoftAuthenticator assertions', () => {
  async function registered(opts: SoftAuthenticatorOptions = {}) {
    const auth = new SoftAuthenticator(opts);
    const options = await regOptions();
    const response = auth.createCredential(options, { origin: ORIGIN });
    const { registrationInfo } = await verifyReg(response, options);
    assert.ok(registrationInfo);
    return { auth, credential: { ...registrationInfo.credential } };
  }

  for (const alg of ['ES256', 'EdDSA', 'RS256'] as const) {
    it(`verifies a ${alg} assertion and the counter increments`, async () => {
      const { auth, credential } = await registered({ alg });
      for (let round = 1; round <= 2; round++) {
        const options = await generateAuthenticationOptions({
          rpID: RP_ID,
          allowCredentials: [{ id: credential.id }],
          userVerification: 'required',
        });
        const response = auth.getAssertion(options, { origin: ORIGIN });
        const result = await verifyAuthenticationResponse({
          response,
          expectedChallenge: options.challenge,
          expectedOrigin: ORIGIN,
          expectedRPID: RP_ID,
          credential,
          requireUserVerification: true,
        });
        assert.equal(result.verified, true);
        assert.equal(result.authenticationInfo.newCounter, round);
        assert.equal(result.authenticationInfo.userVerified, true);
        assert.equal(response.response.userHandle, Buffer.from('user-1').toString('base64url'));
        credential.counter = result.authenticationInfo.newCounter;
      }
    });
  }

  it('finds a discoverable credential without allowCredentials', async () => {
    const { auth, credential } = await registered();
    const options = await generateAuthenticationOptions({ rpID: RP_ID });
    const response = auth.getAssertion(options, { origin: ORIGIN });
    assert.equal(response.id, credential.id);
  });

  it('throws NotAllowedError when it holds no allowed credential', async () => {
    const { auth } = await registered();
    const options = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: 'AAAA' }] });
    assert.throws(() => auth.getAssertion(options, { origin: ORIGIN }), { name: 'NotAllowedError' });
  });

  const rejected: [string, Tamper, RegExp, number?][] = [
    ['challenge', { challenge: 'bm9wZQ' }, /challenge/],
    ['origin', { origin: 'https://evil.example' }, /origin/],
    ['type webauthn.create in a get', { type: 'webauthn.create' }, /response type/],
    ['rpIdHash', { rpIdHash: 'evil.example' }, /RP ID/i],
    ['UP cleared', { flags: { clearUP: true } }, /not present/],
    ['UV cleared', { flags: { clearUV: true } }, /User verification/],
    ['bad signature', { badSignature: true }, /^not verified$/],
    ['id differs from rawId', { mismatchedId: true }, /Credential ID/],
    ['counter not increased (cloned authenticator)', {}, /counter/, 0],
  ];
  for (const [name, tamper, reason, signCountDelta] of rejected) {
    it(`rejects ${name}`, async () => {
      const { auth, credential } = await registered({ signCount: 5 });
      credential.counter = 5;
      const options = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: credential.id }] });
      const response = auth.getAssertion(options, { origin: ORIGIN, tamper, signCountDelta });
      const verify = verifyAuthenticationResponse({
        response,
        expectedChallenge: options.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
        credential,
        requireUserVerification: true,
      });
      const outcome = await verify.then(
        (r) => (r.verified ? 'verified' : 'not verified'),
        (err: unknown) => (err instanceof Error ? err.message : String(err)),
      );
      assert.match(outcome, reason);
    });
  }
});
