/**
 * Real registrations through the verifier and the assessor: captures from real authenticators and
 * the W3C WebAuthn L3 §16 test vectors (captures/, sources in captures/README.md), judged against a
 * metadata BLOB built here from the real vendor roots, each at a fixed clock inside its
 * certificates' validity.
 */
import { after, before, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import 'reflect-metadata';
import { SubjectKeyIdentifierExtension, X509Certificate } from '@peculiar/x509';
import type { MetadataBLOBPayloadEntry, RegistrationResponseJSON } from '@simplewebauthn/server';
import {
  decodeAttestationObject,
  decodeCredentialPublicKey,
  isoBase64URL,
  isoCBOR,
} from '@simplewebauthn/server/helpers';
import { mdsPki, metadataEntry, signBlob } from '../../../../test/support/fido-metadata.js';
import type { AppConfig } from '#config';
import { ApiError } from '#errors';
import { PolicyEngine, userContext, type PolicyRequest } from '#policy';
import type { TenantContext } from '#auth';
import { achievedAcr } from '../shared/acr-rules.js';
import type { WebAuthnMethodType } from '../shared/method-types.js';
import { AuthenticatorMetadataService } from '../metadata/authenticator-metadata.service.js';
import type { AttestationAssessment } from '../metadata/attestation.assessor.js';
import { configureAttestationLibrary, installRevocationFetch, type FetchLike } from '../metadata/revocation-fetch.js';
import { classifyRegistrationError, verifyRegistration, type VerifiedAuthenticator } from './registration.verifier.js';
import { authenticatorAttrs } from '../factors/authenticator-attributes.js';
import { enrollingAuthenticator } from './webauthn-enrollment.service.js';

interface Capture {
  name: string;
  method_type: WebAuthnMethodType;
  rp_id: string;
  origin: string;
  challenge: string;
  clock?: string;
  response: RegistrationResponseJSON;
}

const json = (file: string) =>
  JSON.parse(readFileSync(new URL(`../../../../../libs/mfa/src/webauthn/captures/${file}`, import.meta.url), 'utf8'));
const captures = new Map<string, Capture>((json('registrations.json').captures as Capture[]).map((c) => [c.name, c]));
const vectors = new Map<string, Capture>(
  (json('w3c-test-vectors.json').vectors as Capture[]).map((v) => [
    v.name,
    { ...v, method_type: 'webauthn_fido' as const, clock: '2025-01-01T00:00:00.000Z' },
  ]),
);
const roots = json('vendor-roots.json').roots as Record<string, { certificate: string }>;
const root = (name: string) => roots[name].certificate;

const ZERO = '00000000-0000-0000-0000-000000000000';
const AAGUID = {
  yubicoSecurityKey: '6d44ba9b-f6ec-2e49-b930-0c8fe920cb73',
  windowsHello: '08987058-cadc-4b81-b6e1-30de50dcbe96',
  android: 'b93fd961-f2e6-462f-b122-82002247de78',
};

const capture = (name: string) => captures.get(name) ?? assert.fail(`no capture ${name}`);
const vector = (name: string) => vectors.get(name) ?? assert.fail(`no vector ${name}`);

function x5cOf(c: Capture): Uint8Array[] {
  return (
    decodeAttestationObject(isoBase64URL.toBuffer(c.response.response.attestationObject)).get('attStmt').get('x5c') ??
    []
  );
}

async function keyIdOf(der: Uint8Array): Promise<string> {
  return (await SubjectKeyIdentifierExtension.create(new X509Certificate(der).publicKey)).keyId.toLowerCase();
}

/** An entry for a model without AAGUID, listed by attestation key identifier (FIDO U2F, Apple). */
function keyIdEntry(
  description: string,
  keyIds: string[],
  rootCerts: string[],
  algorithms: string[] = ['secp256r1_ecdsa_sha256_raw'],
): MetadataBLOBPayloadEntry {
  const base = metadataEntry({ aaguid: ZERO, description, algorithms: algorithms as never });
  const { aaguid: _a, ...statement } = base.metadataStatement!;
  return {
    attestationCertificateKeyIdentifiers: keyIds,
    metadataStatement: {
      ...statement,
      protocolFamily: 'u2f',
      attestationCertificateKeyIdentifiers: keyIds,
      attestationRootCertificates: rootCerts,
    },
    statusReports: [{ status: 'FIDO_CERTIFIED', effectiveDate: '2020-01-01' }],
    timeOfLastStatusChange: '2020-01-01',
  };
}

function entry(
  aaguid: string,
  description: string,
  rootCerts: string[],
  algorithms: string[] = ['secp256r1_ecdsa_sha256_raw'],
  level = 'FIDO_CERTIFIED_L1',
): MetadataBLOBPayloadEntry {
  const e = metadataEntry({
    aaguid,
    description,
    algorithms: algorithms as never,
    statusReports: [{ status: level as never, effectiveDate: '2022-01-01' }],
  });
  return { ...e, metadataStatement: { ...e.metadataStatement!, attestationRootCertificates: rootCerts } };
}

function aaguidOf(c: Capture): string {
  const authData = decodeAttestationObject(isoBase64URL.toBuffer(c.response.response.attestationObject)).get(
    'authData',
  );
  const hex = Buffer.from(authData.subarray(37, 53)).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

async function metadataFor(entries: MetadataBLOBPayloadEntry[]): Promise<AuthenticatorMetadataService> {
  const mds = await mdsPki();
  const service = new AuthenticatorMetadataService({
    fidoMds: { refreshSeconds: 3600 },
    attestationCrlFetch: false,
  } as AppConfig);
  (service as unknown as { roots: string[] }).roots = [mds.root.pem];
  await service.load(await signBlob({ signer: mds.signer, no: 7, entries }), 'test');
  return service;
}

/** The network during a registration: any call fails the test. */
const calls: string[] = [];
const noNetwork: FetchLike = (url) => {
  calls.push(String(url));
  return Promise.reject(new Error(`network used during a registration: ${String(url)}`));
};

async function register(
  c: Capture,
  metadata: AuthenticatorMetadataService,
  method: WebAuthnMethodType = c.method_type,
): Promise<{ verified: VerifiedAuthenticator; assessment: AttestationAssessment }> {
  mock.timers.enable({ apis: ['Date'], now: new Date(c.clock ?? '2025-01-01T00:00:00Z').getTime() });
  try {
    const verified = await verifyRegistration(c.response, {
      challenge: c.challenge,
      origins: [c.origin],
      rpId: c.rp_id,
      methodType: method,
    });
    const assessment = await metadata.assess({
      attestationObject: c.response.response.attestationObject,
      aaguid: verified.aaguid,
      publicKey: verified.publicKey,
    });
    return { verified, assessment };
  } finally {
    mock.timers.reset();
  }
}

async function refusal(
  c: Capture,
  metadata: AuthenticatorMetadataService,
  method: WebAuthnMethodType = c.method_type,
  clock = c.clock,
): Promise<ApiError> {
  try {
    await register({ ...c, clock }, metadata, method);
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    assert.equal(err.code, 'verification_failed');
    return err;
  }
  return assert.fail(`${c.name} was accepted`);
}

const algOf = (v: VerifiedAuthenticator) => decodeCredentialPublicKey(isoBase64URL.toBuffer(v.publicKey)).get(3);
const reasonOf = (err: ApiError) => (err.details as { reason?: string } | undefined)?.reason;

describe('real registrations: verifier and assessor', () => {
  let listed: AuthenticatorMetadataService;
  let unlisted: AuthenticatorMetadataService;
  const realFetch = globalThis.fetch;

  before(async () => {
    const yubicoLeaf = x5cOf(capture('yubico-fido-u2f'))[0];
    const appleCa = x5cOf(capture('apple-anonymous'))[1];
    const w3cU2fLeaf = x5cOf(vector('fido-u2f-es256'))[0];
    const w3c = root('w3c_test_vectors_attestation_ca');
    const w3cEntries = [
      'packed-es256',
      'packed-rs256',
      'packed-eddsa',
      'tpm-es256',
      'android-key-es256',
      'apple-es256',
      'packed-self-es256',
      'none-es256',
    ].map((name) =>
      entry(
        aaguidOf(vector(name)),
        `W3C test vector ${name}`,
        [w3c],
        ['secp256r1_ecdsa_sha256_raw', 'rsassa_pkcsv15_sha256_raw', 'ed25519_eddsa_sha512_raw'],
      ),
    );
    const models = [
      entry(AAGUID.yubicoSecurityKey, 'Security Key by Yubico', [root('yubico_u2f_root_ca_457200631')]),
      keyIdEntry('YubiKey (FIDO U2F)', [await keyIdOf(yubicoLeaf)], [root('yubico_u2f_root_ca_457200631')]),
      entry(
        AAGUID.windowsHello,
        'Windows Hello Hardware Authenticator',
        [root('microsoft_tpm_root_ca_2014')],
        ['rsassa_pkcsv15_sha256_raw', 'secp256r1_ecdsa_sha256_raw'],
      ),
      entry(AAGUID.android, 'Android Authenticator', [
        root('google_hardware_attestation_root_1'),
        root('google_hardware_attestation_root_2'),
      ]),
      keyIdEntry('Apple platform authenticator', [await keyIdOf(appleCa)], [root('apple_webauthn_root_ca')]),
      keyIdEntry('W3C test vector fido-u2f-es256', [await keyIdOf(w3cU2fLeaf)], [w3c]),
      // What sits under the zero AAGUID must never name a U2F key, Apple or a "none" passkey.
      metadataEntry({ aaguid: ZERO, description: 'Zero-AAGUID decoy' }),
    ];
    listed = await metadataFor([...models, ...w3cEntries]);
    // The same models, without their roots: nothing can chain.
    unlisted = await metadataFor(
      [...models, ...w3cEntries].map((e) =>
        e.metadataStatement
          ? { ...e, metadataStatement: { ...e.metadataStatement, attestationRootCertificates: [] } }
          : e,
      ),
    );
    await configureAttestationLibrary({ enabled: false, fetch: noNetwork });
    globalThis.fetch = ((url: string) => noNetwork(url)) as typeof fetch;
  });
  after(() => {
    globalThis.fetch = realFetch;
  });

  const expected: {
    name: string;
    method?: WebAuthnMethodType;
    fmt: string;
    alg: number;
    trusted: boolean;
    reason?: string;
    model?: string;
    displayName: string | null;
  }[] = [
    {
      name: 'yubico-security-key-packed',
      fmt: 'packed',
      alg: -7,
      trusted: true,
      model: 'Security Key by Yubico',
      displayName: 'Security Key by Yubico',
    },
    {
      name: 'yubico-fido-u2f',
      fmt: 'fido-u2f',
      alg: -7,
      trusted: true,
      model: 'YubiKey (FIDO U2F)',
      displayName: 'YubiKey (FIDO U2F)',
    },
    {
      name: 'windows-hello-tpm-rs256',
      fmt: 'tpm',
      alg: -257,
      trusted: true,
      model: 'Windows Hello Hardware Authenticator',
      displayName: 'Windows Hello Hardware Authenticator',
    },
    {
      name: 'windows-hello-tpm-es256',
      fmt: 'tpm',
      alg: -7,
      trusted: true,
      model: 'Windows Hello Hardware Authenticator',
      displayName: 'Windows Hello Hardware Authenticator',
    },
    {
      name: 'pixel-8a-android-key',
      fmt: 'android-key',
      alg: -7,
      trusted: true,
      model: 'Android Authenticator',
      displayName: 'Android Authenticator',
    },
    {
      name: 'galaxy-s9-android-key',
      fmt: 'android-key',
      alg: -7,
      trusted: true,
      model: 'Android Authenticator',
      displayName: 'Android Authenticator',
    },
    {
      name: 'apple-anonymous',
      fmt: 'apple',
      alg: -7,
      trusted: true,
      model: 'Apple platform authenticator',
      displayName: 'Apple platform authenticator',
    },
    { name: 'firefox-android-none', fmt: 'none', alg: -7, trusted: false, reason: 'no_attestation', displayName: null },
    // Not in the BLOB: named from the shipped community list.
    {
      name: 'none-rs256',
      fmt: 'none',
      alg: -257,
      trusted: false,
      reason: 'no_attestation',
      displayName: 'Windows Hello',
    },
  ];

  for (const e of expected) {
    it(`${e.name}: ${e.fmt}, alg ${e.alg}, ${e.trusted ? 'trusted' : `untrusted (${e.reason})`}, model ${e.model ?? '-'}, named ${e.displayName ?? '-'}`, async () => {
      const c = capture(e.name);
      const { verified, assessment } = await register(c, listed, e.method);
      assert.equal(verified.attestationFormat, e.fmt);
      assert.equal(algOf(verified), e.alg);
      assert.equal(assessment.trusted, e.trusted, JSON.stringify(assessment));
      assert.equal(assessment.untrustedReason, e.reason);
      assert.equal(assessment.model, e.model);
      const named = listed.describe({
        aaguid: verified.aaguid,
        attestationKeyId: assessment.keyIdentifier,
        model: assessment.model,
      });
      assert.equal(named?.name ?? null, e.displayName);
      assert.notEqual(named?.name, 'Zero-AAGUID decoy');
    });
  }

  it('android-key (fix: duplicate root): the Pixel 8a and Galaxy S9+ chains end in the Google root that metadata lists, and are trusted', async () => {
    for (const name of ['pixel-8a-android-key', 'galaxy-s9-android-key']) {
      const c = capture(name);
      const chain = x5cOf(c).map((der) => Buffer.from(der).toString('base64'));
      assert.ok(
        chain.includes(root('google_hardware_attestation_root_1')) ||
          chain.includes(root('google_hardware_attestation_root_2')),
        `${name} sends the root`,
      );
      const { assessment } = await register(c, listed);
      assert.equal(assessment.trusted, true);
    }
  });

  it('zero AAGUID (fix: names by key identifier): a U2F key is named by its key identifier, never by the entry under the zero AAGUID', async () => {
    const { verified, assessment } = await register(capture('yubico-fido-u2f'), listed);
    assert.equal(verified.aaguid, ZERO);
    assert.match(assessment.keyIdentifier ?? '', /^[0-9a-f]{40}$/);
    assert.equal(listed.describe({ aaguid: ZERO })?.name ?? null, null);
    assert.equal(
      listed.describe({ aaguid: ZERO, attestationKeyId: assessment.keyIdentifier })?.name,
      'YubiKey (FIDO U2F)',
    );
  });

  it('credProps.rk false (fix): the Pixel 8a and Galaxy S9+ report a non-discoverable credential, refused as a passkey with reason not_discoverable', async () => {
    for (const name of ['pixel-8a-android-key', 'galaxy-s9-android-key']) {
      const c = capture(name);
      assert.equal((c.response.clientExtensionResults as { credProps?: { rk?: boolean } }).credProps?.rk, false);
      const err = await refusal(c, listed, 'webauthn_passkey');
      assert.equal(reasonOf(err), 'not_discoverable');
      assert.match(err.message, /save a passkey/);
      // As a security key (server-side credential) it is fine, and the flag is recorded.
      const { verified } = await register(c, listed, 'webauthn_fido');
      assert.equal(verified.credPropsRk, false);
    }
    // No credProps at all stays accepted, recorded as unknown.
    const { verified } = await register(capture('windows-hello-tpm-rs256'), listed, 'webauthn_passkey');
    assert.equal(verified.credPropsRk, null);
  });

  it('unsupported algorithms (fix: mapped by the library error): PS256, ES384, ES512 and Ed448 get reason unsupported_algorithm and its message', async () => {
    for (const c of [
      capture('packed-rsa-pss'),
      vector('packed-es384'),
      vector('packed-es512'),
      vector('packed-ed448'),
    ]) {
      const err = await refusal(c, listed);
      assert.equal(reasonOf(err), 'unsupported_algorithm', c.name);
      assert.match(err.message, /algorithm that is not accepted/);
    }
  });

  it('no network during a registration (fix): the Galaxy S9+ chain names CRLs, and with ATTESTATION_CRL_FETCH off none is fetched', async () => {
    calls.length = 0;
    const c = capture('galaxy-s9-android-key');
    const crlNamed = x5cOf(c).some((der) => new X509Certificate(der).extensions.some((x) => x.type === '2.5.29.31'));
    assert.ok(crlNamed, 'the capture names CRL distribution points');
    await register(c, listed);
    assert.deepEqual(calls, []);
  });

  it('with ATTESTATION_CRL_FETCH on, the CRLs are fetched with a timeout signal, once (cached)', async () => {
    const seen: { url: string; signal: boolean }[] = [];
    const notFound: FetchLike = (url, init) => {
      seen.push({ url, signal: init?.signal instanceof AbortSignal });
      return Promise.resolve({ ok: false, status: 404, arrayBuffer: () => Promise.resolve(new ArrayBuffer(0)) });
    };
    await installRevocationFetch({ enabled: true, fetch: notFound });
    try {
      await register(capture('galaxy-s9-android-key'), listed);
      const first = seen.length;
      assert.ok(first > 0);
      assert.ok(seen.every((s) => s.signal && /^https?:\/\//.test(s.url)));
      await register(capture('galaxy-s9-android-key'), listed);
      assert.equal(seen.length, first, 'a second registration uses the cache');
    } finally {
      await installRevocationFetch({ enabled: false, fetch: noNetwork });
    }
  });

  it('acr (fix): phrh only for a trusted attestation on a device-bound credential; an unattested device-bound passkey is phr', async () => {
    const cases: [string, 'phrh' | 'phr'][] = [
      ['windows-hello-tpm-rs256', 'phrh'],
      ['apple-anonymous', 'phrh'],
      ['firefox-android-none', 'phr'],
      ['none-rs256', 'phr'],
    ];
    for (const [name, acr] of cases) {
      const { verified, assessment } = await register(capture(name), listed);
      assert.equal(verified.backupEligible, false, `${name} is device-bound (BE=0)`);
      assert.equal(
        achievedAcr('webauthn_passkey', {
          backupEligible: verified.backupEligible,
          attestationTrusted: assessment.trusted,
        }),
        acr,
        name,
      );
    }
    const { verified, assessment } = await register(capture('windows-hello-tpm-rs256'), unlisted);
    assert.equal(
      achievedAcr('webauthn_passkey', {
        backupEligible: verified.backupEligible,
        attestationTrusted: assessment.trusted,
      }),
      'phr',
    );
  });

  it('a tenant rule "require trusted attestation" admits the Android, Apple, YubiKey and TPM captures when metadata lists their roots, and refuses them when it does not', async () => {
    const engine = PolicyEngine.create();
    const notice = 'Only authenticators with a trusted attestation may be enrolled.';
    const rule = {
      id: 'require-trusted',
      text: `@notice("${notice}")
forbid (principal, action == Tessera::Action::"complete_enrollment", resource is Tessera::Authenticator)
when { !(resource has attestation_trusted && resource.attestation_trusted) };`,
    };
    const request = (
      v: VerifiedAuthenticator,
      method: WebAuthnMethodType,
      a: AttestationAssessment,
    ): PolicyRequest => ({
      principal: { type: 'User', id: 'u1', tenantId: 't1', attrs: { roles: [] } },
      action: 'complete_enrollment',
      resource: {
        type: 'Authenticator',
        id: v.credentialId,
        tenantId: 't1',
        attrs: authenticatorAttrs(enrollingAuthenticator(v, method, a)),
      },
      // A first enrollment, right after sign-in.
      context: userContext({
        principal: {
          kind: 'user',
          userId: 'u1',
          tenantId: 't1',
          roles: [],
          amr: ['pwd'],
          authTime: Math.floor(Date.now() / 1000) - 10,
        },
        tenant: { id: 't1', requireMfa: false, stepUpMaxAgeSeconds: 300 } as TenantContext,
        methodType: method,
        factorCount: 0,
        hasMfa: false,
        ip: '203.0.113.1',
        now: new Date(),
      }),
    });
    for (const name of [
      'pixel-8a-android-key',
      'galaxy-s9-android-key',
      'apple-anonymous',
      'yubico-security-key-packed',
      'yubico-fido-u2f',
      'windows-hello-tpm-rs256',
      'windows-hello-tpm-es256',
    ]) {
      const c = capture(name);
      const method = c.method_type;
      const yes = await register(c, listed);
      const admitted = engine.simulate([rule], request(yes.verified, method, yes.assessment));
      assert.equal(admitted.allowed, true, `${name} admitted`);
      const no = await register(c, unlisted);
      assert.equal(no.assessment.trusted, false);
      const refused = engine.simulate([rule], request(no.verified, method, no.assessment));
      assert.equal(refused.allowed, false, `${name} refused`);
      assert.deepEqual(
        refused.determining.map((d) => d.notice),
        [notice],
      );
    }
  });

  describe('W3C WebAuthn L3 §16 test vectors', () => {
    const trusted = ['packed-es256', 'packed-rs256', 'packed-eddsa', 'apple-es256'];
    for (const name of trusted) {
      it(`${name}: verified, chained to the test-vector root, named`, async () => {
        const v = vector(name);
        const { verified, assessment } = await register(v, listed);
        assert.equal(verified.attestationFormat, name.replace(/-(es256|rs256|eddsa)$/, ''));
        assert.equal(assessment.trusted, true, JSON.stringify(assessment));
        assert.equal(assessment.model, `W3C test vector ${name}`);
        // The trust root is the anchor even when the chain carries it.
        const { assessment: without } = await register(v, unlisted);
        assert.equal(without.trusted, false);
      });
    }
    // The library holds these three to rules the synthetic vectors do not follow: a TPM
    // manufacturer id of zeros, an android-key chain of one certificate, a FIDO U2F attestation
    // with a non-zero AAGUID. They are refused, each with its precise reason.
    for (const [name, reason] of [
      ['tpm-es256', 'attestation_statement'],
      ['android-key-es256', 'attestation_chain'],
      ['fido-u2f-es256', 'attestation_statement'],
    ] as const) {
      it(`${name}: refused by the format's own rules, reason ${reason}`, async () => {
        assert.equal(reasonOf(await refusal(vector(name), listed)), reason);
      });
    }
    for (const name of ['none-es256', 'packed-self-es256', 'none-es256-long-credential-id']) {
      it(`${name}: verified, untrusted (no attestation chain)`, async () => {
        const { assessment } = await register(vector(name), listed);
        assert.equal(assessment.trusted, false);
      });
    }
  });

  describe('details.reason of every verification failure', () => {
    it('from real captures and vectors', async () => {
      const cases: [string, () => Promise<ApiError>][] = [
        ['rp_id', () => refusal({ ...vector('none-es256'), rp_id: 'example.com' }, listed)],
        ['user_verification', () => refusal(capture('yubico-security-key-packed'), listed, 'webauthn_passkey')],
        [
          'attestation_chain',
          () => refusal(capture('pixel-8a-android-key'), listed, 'webauthn_fido', '2025-02-03T00:00:00.000Z'),
        ],
        ['attestation_signature', () => refusal(withBrokenSignature(vector('packed-es256')), listed)],
        ['attestation_statement', () => refusal(vector('tpm-es256'), listed)],
        ['unsupported_algorithm', () => refusal(vector('packed-es384'), listed)],
        ['not_discoverable', () => refusal(capture('pixel-8a-android-key'), listed, 'webauthn_passkey')],
      ];
      for (const [reason, run] of cases) assert.equal(reasonOf(await run()), reason);
    });

    it('for each class, code and message of @simplewebauthn/server', () => {
      const named = (name: string, message = name) => Object.assign(new Error(message), { name });
      const table: [unknown, string][] = [
        [
          new (class extends Error {})('Unexpected public key alg "-35", expected one of "-7, -8, -257"'),
          'unsupported_algorithm',
        ],
        [new Error('Credential public key was missing numeric alg'), 'unsupported_algorithm'],
        [named('UnexpectedRPIDHash', 'Unexpected RP ID hash'), 'rp_id'],
        [named('InvalidBackupFlags', 'Single-device credential indicated that it was backed up'), 'backup_flags'],
        [new Error('User verification was required, but user could not be verified'), 'user_verification'],
        [new Error('User presence was required, but user was not present'), 'user_presence'],
        [new Error('Unsupported Attestation Format: foo'), 'attestation_format'],
        [new Error('No credential ID was provided by authenticator'), 'authenticator_data'],
        [new Error('Found certificate out of validity period:\n… (Android Key)'), 'attestation_chain'],
        [new Error('x5c root certificate was not a known root certificate (Android Key)'), 'attestation_chain'],
        [
          new Error(
            'Certificate extension id-fido-gen-ce-aaguid (1.3.6.1.4.1.45724.1.1.4) value of "…" was present but not equal',
          ),
          'attestation_aaguid',
        ],
        [new Error('Signature verification failed (Packed)'), 'attestation_signature'],
        [new Error('Could not match TPM manufacturer "id:00000000" (TPM)'), 'attestation_statement'],
        [new Error('AAGUID "1" was not expected value'), 'attestation_statement'],
        [new Error('something new'), 'attestation'],
        ['not an error', 'attestation'],
      ];
      for (const [err, reason] of table)
        assert.equal(classifyRegistrationError(err, 'webauthn_fido').reason, reason, String(err));
    });

    it('by the library classes themselves', async () => {
      const { PQCNotSupportedError, SimpleWebAuthnError } = await import('@simplewebauthn/server');
      assert.equal(
        classifyRegistrationError(new PQCNotSupportedError(-48 as never), 'webauthn_fido').reason,
        'unsupported_algorithm',
      );
      const pathError = new SimpleWebAuthnError({ message: 'x', code: 'CERTIFICATE_PATH_VERIFICATION_FAILED' });
      assert.equal(classifyRegistrationError(pathError, 'webauthn_fido').reason, 'attestation_chain');
      assert.equal(
        classifyRegistrationError(new Error('wrapped (Android Key)', { cause: pathError }), 'webauthn_fido').reason,
        'attestation_chain',
      );
    });
  });
});

/** The vector with one bit of its attestation signature flipped. */
function withBrokenSignature(c: Capture): Capture {
  const object = isoCBOR.decodeFirst<Map<string, unknown>>(
    isoBase64URL.toBuffer(c.response.response.attestationObject),
  );
  const statement = object.get('attStmt') as Map<string, unknown>;
  const sig = Uint8Array.from(statement.get('sig') as Uint8Array);
  sig[sig.length - 1] ^= 0x01;
  statement.set('sig', sig);
  const attestationObject = isoBase64URL.fromBuffer(isoCBOR.encode(object as never));
  return {
    ...c,
    name: `${c.name} (broken signature)`,
    response: { ...c.response, response: { ...c.response.response, attestationObject } },
  };
}
