/**
 * A software WebAuthn authenticator (plus the browser's client half) for e2e tests.
 *
 * It turns PublicKeyCredentialCreationOptionsJSON / RequestOptionsJSON into the
 * RegistrationResponseJSON / AuthenticationResponseJSON a browser would post, signing with
 * real keys (ES256, EdDSA, RS256). `tamper` breaks one thing at a time so tests can prove the
 * server rejects it. Keys are exported as SPKI DER, never JWK (JWK export hangs on Node 20).
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { encodeCbor, type CborValue } from './cbor.js';

export type SoftAlg = 'ES256' | 'EdDSA' | 'RS256';

export const COSE_ALG: Record<SoftAlg, number> = { ES256: -7, EdDSA: -8, RS256: -257 };

export const FLAG_UP = 0x01;
export const FLAG_UV = 0x04;
export const FLAG_BE = 0x08;
export const FLAG_BS = 0x10;
export const FLAG_AT = 0x40;
export const FLAG_ED = 0x80;

export interface SoftAuthenticatorOptions {
  alg?: SoftAlg;
  attestation?: 'none' | 'packed';
  /** UUID string; all zeros by default (what most passkey providers send with fmt none). */
  aaguid?: string;
  /** Whether the authenticator can verify the user (PIN/biometric). Default true. */
  userVerified?: boolean;
  /** Default true; false produces responses without UP (a broken authenticator). */
  userPresent?: boolean;
  backupEligible?: boolean;
  backedUp?: boolean;
  /** Whether it can store discoverable credentials. Default true. */
  residentKey?: boolean;
  transports?: string[];
  attachment?: 'platform' | 'cross-platform';
  /** Initial signature counter of new credentials. Default 0 (counter not supported until used). */
  signCount?: number;
  /**
   * Packed "full" (basic) attestation: sign with this attestation key and send `x5c` (DER, leaf
   * first) instead of self-attesting with the credential key. Only with `attestation: 'packed'`.
   */
  attestationKey?: AttestationKey;
}

export interface AttestationKey {
  privateKey: KeyObject;
  alg: SoftAlg;
  /** DER certificates: the attestation certificate first, then intermediates. */
  x5c: Uint8Array[];
}

/** One thing to break in a response. */
export interface Tamper {
  /** Replace clientData.challenge. */
  challenge?: string;
  /** Replace clientData.origin. */
  origin?: string;
  /** Replace clientData.type, e.g. 'webauthn.get' in a create. */
  type?: string;
  /** Hash this rp id into authData instead of the real one. */
  rpIdHash?: string;
  flags?: { clearUP?: boolean; clearUV?: boolean; setBE?: boolean; setBS?: boolean };
  /** COSE alg label written into the credential public key (and the packed attStmt). */
  alg?: number;
  /** Extra clientData members, e.g. Chromium's `other_keys_can_be_added_here`. */
  extraClientData?: Record<string, unknown>;
  /** Make `id` and `rawId` differ. */
  mismatchedId?: boolean;
  /** Use a credential id of this many bytes (default 1024 when `true`; the spec caps it at 1023). */
  oversizedCredentialId?: boolean | number;
  /** Replace the attestationObject with random bytes. */
  garbageAttestationObject?: boolean;
  /** Flip a bit in the signature (assertion, or packed attestation). */
  badSignature?: boolean;
  /** Create the new credential under this (base64url) id, as a cloned or replaying authenticator would. */
  reuseCredentialId?: string;
}

export interface SoftCredential {
  /** base64url credential id */
  id: string;
  rpId: string;
  alg: number;
  privateKey: KeyObject;
  publicKeyCose: Uint8Array;
  /** SPKI DER, as AuthenticatorAttestationResponse.getPublicKey() returns it. */
  publicKeySpki: Uint8Array;
  signCount: number;
  /** base64url user handle (options.user.id) */
  userHandle: string;
  discoverable: boolean;
}

export type WebAuthnErrorName = 'InvalidStateError' | 'NotAllowedError' | 'NotSupportedError' | 'SecurityError';

/** Mirrors the DOMException a browser would reject with. */
export class WebAuthnError extends Error {
  override readonly name: WebAuthnErrorName;

  constructor(name: WebAuthnErrorName, message: string) {
    super(message);
    this.name = name;
  }
}

export interface CreateCredentialOptions {
  origin: string;
  /** Defaults to options.rp.id, else the origin's host. */
  rpId?: string;
  tamper?: Tamper;
}

export interface GetAssertionOptions {
  origin: string;
  /** Defaults to options.rpId, else the origin's host. */
  rpId?: string;
  /** Which of this authenticator's credentials to use; default: the first one allowed. */
  credentialId?: string;
  tamper?: Tamper;
  /** Added to the stored counter before signing. Default 1; 0 or negative simulate clones. */
  signCountDelta?: number;
}

export class SoftAuthenticator {
  readonly credentials = new Map<string, SoftCredential>();
  private readonly attestationKey: AttestationKey | undefined;
  private readonly opts: Required<Omit<SoftAuthenticatorOptions, 'transports' | 'attachment' | 'attestationKey'>> & {
    transports: string[];
    attachment: 'platform' | 'cross-platform';
  };

  constructor(opts: SoftAuthenticatorOptions = {}) {
    this.opts = {
      alg: opts.alg ?? 'ES256',
      attestation: opts.attestation ?? 'none',
      aaguid: opts.aaguid ?? '00000000-0000-0000-0000-000000000000',
      userVerified: opts.userVerified ?? true,
      userPresent: opts.userPresent ?? true,
      backupEligible: opts.backupEligible ?? false,
      backedUp: opts.backedUp ?? false,
      residentKey: opts.residentKey ?? true,
      signCount: opts.signCount ?? 0,
      transports: opts.transports ?? (opts.attachment === 'platform' ? ['internal', 'hybrid'] : ['usb']),
      attachment: opts.attachment ?? 'cross-platform',
    };
    this.attestationKey = opts.attestationKey;
    if (opts.attestationKey && this.opts.attestation !== 'packed')
      throw new TypeError('attestationKey needs attestation: packed');
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(this.opts.aaguid)) {
      throw new TypeError(`aaguid must be a UUID, got ${this.opts.aaguid}`);
    }
  }

  /** navigator.credentials.create() */
  createCredential(
    options: PublicKeyCredentialCreationOptionsJSON,
    ctx: CreateCredentialOptions,
  ): RegistrationResponseJSON {
    const tamper = ctx.tamper ?? {};
    const rpId = ctx.rpId ?? options.rp.id ?? new URL(ctx.origin).hostname;
    assertRpIdMatchesOrigin(rpId, ctx.origin);

    const wantedAlg = COSE_ALG[this.opts.alg];
    const offered = (options.pubKeyCredParams ?? []).filter((p) => p.type === 'public-key').map((p) => p.alg);
    const alg = offered.find((a) => a === wantedAlg);
    if (alg === undefined) {
      throw new WebAuthnError(
        'NotSupportedError',
        `authenticator supports ${this.opts.alg} (${wantedAlg}); offered ${offered.join(', ')}`,
      );
    }

    for (const excluded of options.excludeCredentials ?? []) {
      const owned = this.credentials.get(excluded.id);
      if (owned && owned.rpId === rpId) {
        throw new WebAuthnError(
          'InvalidStateError',
          'the authenticator already contains a credential from excludeCredentials',
        );
      }
    }

    const selection = options.authenticatorSelection ?? {};
    const uvWanted = selection.userVerification ?? 'preferred';
    if (uvWanted === 'required' && !this.opts.userVerified) {
      throw new WebAuthnError('NotAllowedError', 'user verification required but not available');
    }
    const rkWanted = selection.residentKey ?? (selection.requireResidentKey ? 'required' : 'discouraged');
    if (rkWanted === 'required' && !this.opts.residentKey) {
      throw new WebAuthnError('NotSupportedError', 'discoverable credential required but not supported');
    }
    const discoverable = this.opts.residentKey && rkWanted !== 'discouraged';

    const { privateKey, publicKey } = generateKey(this.opts.alg);
    const publicKeySpki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
    const publicKeyCose = coseKey(this.opts.alg, publicKeySpki, tamper.alg ?? alg);

    const idLength = tamper.oversizedCredentialId === true ? 1024 : tamper.oversizedCredentialId || 32;
    const credentialIdBytes = tamper.reuseCredentialId
      ? new Uint8Array(Buffer.from(tamper.reuseCredentialId, 'base64url'))
      : new Uint8Array(randomBytes(idLength));
    const credentialId = b64url(credentialIdBytes);

    const clientDataJSON = clientData('webauthn.create', options.challenge, ctx.origin, tamper);
    const clientDataHash = sha256(clientDataJSON);

    const flags = this.flags(uvWanted, tamper) | FLAG_AT;
    const attestedCredentialData = concat(
      uuidBytes(this.opts.aaguid),
      u16(credentialIdBytes.length),
      credentialIdBytes,
      publicKeyCose,
    );
    const authData = concat(
      sha256(tamper.rpIdHash ?? rpId),
      Uint8Array.of(flags),
      u32(this.opts.signCount),
      attestedCredentialData,
    );

    let attStmt: Map<string, CborValue> = new Map();
    let fmt = 'none';
    if (this.opts.attestation === 'packed') {
      fmt = 'packed';
      const full = this.attestationKey;
      let sig = full
        ? signWith(full.alg, full.privateKey, concat(authData, clientDataHash))
        : signWith(this.opts.alg, privateKey, concat(authData, clientDataHash));
      if (tamper.badSignature) sig = flipBit(sig);
      attStmt = new Map<string, CborValue>([
        ['alg', full ? COSE_ALG[full.alg] : (tamper.alg ?? alg)],
        ['sig', sig],
        ...(full ? [['x5c', full.x5c.map((der) => new Uint8Array(der))] as [string, CborValue]] : []),
      ]);
    }
    const attestationObject = tamper.garbageAttestationObject
      ? new Uint8Array(randomBytes(64))
      : encodeCbor(
          new Map<string, CborValue>([
            ['fmt', fmt],
            ['attStmt', attStmt],
            ['authData', authData],
          ]),
        );

    this.credentials.set(credentialId, {
      id: credentialId,
      rpId,
      alg,
      privateKey,
      publicKeyCose,
      publicKeySpki,
      signCount: this.opts.signCount,
      userHandle: options.user.id,
      discoverable,
    });

    const clientExtensionResults: Record<string, unknown> = {};
    if (options.extensions && 'credProps' in options.extensions && options.extensions.credProps) {
      clientExtensionResults.credProps = { rk: discoverable };
    }

    return {
      id: credentialId,
      rawId: tamper.mismatchedId ? b64url(randomBytes(32)) : credentialId,
      type: 'public-key',
      authenticatorAttachment: this.opts.attachment,
      clientExtensionResults,
      response: {
        clientDataJSON: b64url(clientDataJSON),
        attestationObject: b64url(attestationObject),
        authenticatorData: b64url(authData),
        transports: [...this.opts.transports],
        publicKeyAlgorithm: alg,
        publicKey: b64url(publicKeySpki),
      },
    };
  }

  /** navigator.credentials.get() */
  getAssertion(options: PublicKeyCredentialRequestOptionsJSON, ctx: GetAssertionOptions): AuthenticationResponseJSON {
    const tamper = ctx.tamper ?? {};
    const rpId = ctx.rpId ?? options.rpId ?? new URL(ctx.origin).hostname;
    assertRpIdMatchesOrigin(rpId, ctx.origin);

    const allowed = options.allowCredentials ?? [];
    const candidates = [...this.credentials.values()].filter(
      (c) => c.rpId === rpId && (allowed.length > 0 ? allowed.some((a) => a.id === c.id) : c.discoverable),
    );
    const credential = ctx.credentialId ? candidates.find((c) => c.id === ctx.credentialId) : candidates[0];
    if (!credential) {
      throw new WebAuthnError('NotAllowedError', 'no matching credential on this authenticator');
    }

    const uvWanted = options.userVerification ?? 'preferred';
    if (uvWanted === 'required' && !this.opts.userVerified) {
      throw new WebAuthnError('NotAllowedError', 'user verification required but not available');
    }

    credential.signCount = Math.max(0, credential.signCount + (ctx.signCountDelta ?? 1));

    const clientDataJSON = clientData('webauthn.get', options.challenge, ctx.origin, tamper);
    const authData = concat(
      sha256(tamper.rpIdHash ?? rpId),
      Uint8Array.of(this.flags(uvWanted, tamper)),
      u32(credential.signCount),
    );
    let signature = signWith(algName(credential.alg), credential.privateKey, concat(authData, sha256(clientDataJSON)));
    if (tamper.badSignature) signature = flipBit(signature);

    return {
      id: credential.id,
      rawId: tamper.mismatchedId ? b64url(randomBytes(32)) : credential.id,
      type: 'public-key',
      authenticatorAttachment: this.opts.attachment,
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        userHandle: credential.userHandle,
      },
    };
  }

  private flags(uvWanted: string, tamper: Tamper): number {
    let flags = 0;
    if (this.opts.userPresent) flags |= FLAG_UP;
    if (this.opts.userVerified && uvWanted !== 'discouraged') flags |= FLAG_UV;
    if (this.opts.backupEligible) flags |= FLAG_BE;
    if (this.opts.backedUp) flags |= FLAG_BS;
    const t = tamper.flags ?? {};
    if (t.clearUP) flags &= ~FLAG_UP;
    if (t.clearUV) flags &= ~FLAG_UV;
    if (t.setBE) flags |= FLAG_BE;
    if (t.setBS) flags |= FLAG_BS;
    return flags;
  }
}

// ---- client data -------------------------------------------------------------------------

function clientData(type: string, challenge: string, origin: string, tamper: Tamper): Uint8Array {
  const data: Record<string, unknown> = {
    type: tamper.type ?? type,
    challenge: tamper.challenge ?? challenge,
    origin: tamper.origin ?? origin,
    crossOrigin: false,
    ...tamper.extraClientData,
  };
  return new TextEncoder().encode(JSON.stringify(data));
}

/** What a browser checks before talking to the authenticator at all. */
function assertRpIdMatchesOrigin(rpId: string, origin: string): void {
  // An Android app's origin: the platform checked the app against the rp id's Digital Asset Links.
  if (origin.startsWith('android:apk-key-hash:')) return;
  const url = new URL(origin);
  const secure = url.protocol === 'https:' || url.hostname === 'localhost' || url.hostname.endsWith('.localhost');
  const host = url.hostname;
  if (!secure || !(host === rpId || host.endsWith(`.${rpId}`))) {
    throw new WebAuthnError('SecurityError', `rp id ${rpId} is not valid for origin ${origin}`);
  }
}

// ---- keys --------------------------------------------------------------------------------

function generateKey(alg: SoftAlg): { privateKey: KeyObject; publicKey: KeyObject } {
  switch (alg) {
    case 'ES256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'EdDSA':
      return generateKeyPairSync('ed25519');
    case 'RS256':
      return generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  }
}

function algName(coseAlg: number): SoftAlg {
  const name = (Object.keys(COSE_ALG) as SoftAlg[]).find((k) => COSE_ALG[k] === coseAlg);
  if (!name) throw new Error(`unsupported COSE alg ${coseAlg}`);
  return name;
}

function signWith(alg: SoftAlg, key: KeyObject, data: Uint8Array): Uint8Array {
  switch (alg) {
    case 'ES256':
      // WebAuthn ES256 signatures are ASN.1 DER, Node's default for EC.
      return new Uint8Array(sign('sha256', data, { key, dsaEncoding: 'der' }));
    case 'EdDSA':
      return new Uint8Array(sign(null, data, key));
    case 'RS256':
      return new Uint8Array(sign('sha256', data, key));
  }
}

/** COSE_Key from SPKI DER, keys in CTAP2 canonical order. */
function coseKey(alg: SoftAlg, spki: Uint8Array, algLabel: number): Uint8Array {
  switch (alg) {
    case 'ES256': {
      // SPKI for P-256 ends with the 65-byte uncompressed point 04 || x || y.
      const point = spki.subarray(spki.length - 65);
      if (point[0] !== 0x04) throw new Error('unexpected EC SPKI layout');
      return encodeCbor(
        new Map<number, CborValue>([
          [1, 2],
          [3, algLabel],
          [-1, 1],
          [-2, point.slice(1, 33)],
          [-3, point.slice(33, 65)],
        ]),
      );
    }
    case 'EdDSA':
      // SPKI for Ed25519 is a fixed 12-byte prefix then the 32-byte key.
      return encodeCbor(
        new Map<number, CborValue>([
          [1, 1],
          [3, algLabel],
          [-1, 6],
          [-2, spki.slice(spki.length - 32)],
        ]),
      );
    case 'RS256': {
      const { n, e } = rsaFromSpki(spki);
      return encodeCbor(
        new Map<number, CborValue>([
          [1, 3],
          [3, algLabel],
          [-1, n],
          [-2, e],
        ]),
      );
    }
  }
}

/** Just enough DER to read SubjectPublicKeyInfo → RSAPublicKey { n, e }. */
function rsaFromSpki(spki: Uint8Array): { n: Uint8Array; e: Uint8Array } {
  const spkiSeq = derRead(spki, 0, 0x30);
  const algSeq = derRead(spki, spkiSeq.start, 0x30);
  const bitString = derRead(spki, algSeq.end, 0x03);
  // first content byte of a BIT STRING is the count of unused bits (0)
  const rsaSeq = derRead(spki, bitString.start + 1, 0x30);
  const n = derRead(spki, rsaSeq.start, 0x02);
  const e = derRead(spki, n.end, 0x02);
  return { n: stripLeadingZeros(spki.slice(n.start, n.end)), e: stripLeadingZeros(spki.slice(e.start, e.end)) };
}

function derRead(buf: Uint8Array, offset: number, expectedTag: number): { start: number; end: number } {
  if (buf[offset] !== expectedTag) throw new Error(`DER: expected tag ${expectedTag} at ${offset}, got ${buf[offset]}`);
  let pos = offset + 1;
  let len = buf[pos++];
  if (len & 0x80) {
    const octets = len & 0x7f;
    len = 0;
    for (let i = 0; i < octets; i++) len = (len << 8) | buf[pos++];
  }
  return { start: pos, end: pos + len };
}

function stripLeadingZeros(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  return bytes.slice(i);
}

// ---- bytes -------------------------------------------------------------------------------

export function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

function sha256(data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

function u16(n: number): Uint8Array {
  return Uint8Array.of((n >> 8) & 0xff, n & 0xff);
}

function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n >>> 0, false);
  return out;
}

function uuidBytes(uuid: string): Uint8Array {
  return new Uint8Array(Buffer.from(uuid.replace(/-/g, ''), 'hex'));
}

function flipBit(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  copy[copy.length - 1] ^= 0x01;
  return copy;
}
