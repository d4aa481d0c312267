import { cose, decodeAttestationObject, decodeCredentialPublicKey } from '@simplewebauthn/server/helpers';

/**
 * Strict checks on the encodings inside WebAuthn responses, made before the library parses them.
 * The library's decoders are lenient where leniency costs nothing in a signature check but lets
 * two different byte strings mean the same response: a CBOR byte string whose length runs past
 * the end is cut short, and an ECDSA signature's DER framing is not checked. Neither forges a
 * signature, but a verifier that accepts altered bytes cannot tell tampering from transport, so
 * we refuse anything but one exact encoding.
 */

const B64URL = /^[A-Za-z0-9_-]+$/;
const MAX_CBOR_DEPTH = 16;

/** Strict base64url: the alphabet only, and no stray bits in the last character (decodes and re-encodes to itself). */
export function isCanonicalBase64Url(value: unknown): value is string {
  return (
    typeof value === 'string' && B64URL.test(value) && Buffer.from(value, 'base64url').toString('base64url') === value
  );
}

/** Why `bytes` is not exactly one well-formed, definite-length CBOR item, or null when it is. */
export function cborProblem(bytes: Uint8Array): string | null {
  try {
    const end = cborItem(bytes, 0, 0);
    return end === bytes.length ? null : `${bytes.length - end} bytes after the CBOR item`;
  } catch (err) {
    return (err as Error).message;
  }
}

/** The offset just past the item at `pos`; throws on anything truncated, indefinite or reserved. */
function cborItem(buf: Uint8Array, pos: number, depth: number): number {
  if (depth > MAX_CBOR_DEPTH) throw new Error('CBOR nested too deeply');
  if (pos >= buf.length) throw new Error('CBOR item truncated');
  const major = buf[pos] >> 5;
  const info = buf[pos] & 0x1f;
  pos += 1;
  let arg: number;
  if (info < 24) arg = info;
  else if (info <= 27) {
    const size = 1 << (info - 24);
    if (pos + size > buf.length) throw new Error('CBOR length truncated');
    arg = 0;
    for (let i = 0; i < size; i++) arg = arg * 256 + buf[pos + i];
    if (!Number.isSafeInteger(arg)) throw new Error('CBOR length too large');
    pos += size;
  } else throw new Error('CBOR indefinite length or reserved value');
  switch (major) {
    case 0:
    case 1:
    case 7:
      return pos;
    case 2:
    case 3:
      if (arg > buf.length - pos) throw new Error('CBOR string runs past the end');
      return pos + arg;
    case 4:
    case 5: {
      const items = major === 5 ? arg * 2 : arg;
      if (items > buf.length - pos) throw new Error('CBOR container longer than its input');
      for (let i = 0; i < items; i++) pos = cborItem(buf, pos, depth + 1);
      return pos;
    }
    default: // 6: a tag and the item it tags
      return cborItem(buf, pos, depth + 1);
  }
}

/**
 * ECDSA-Sig-Value in DER exactly: SEQUENCE { INTEGER r, INTEGER s }, each positive and minimal,
 * lengths that add up, nothing after. What WebAuthn and FIDO U2F require of ES256/384/512.
 */
export function isStrictDerEcdsaSignature(sig: Uint8Array): boolean {
  if (sig.length < 8 || sig[0] !== 0x30) return false;
  let pos = 1;
  let contentLength = sig[pos++];
  if (contentLength === 0x81) {
    contentLength = sig[pos++]!;
    if (contentLength < 0x80) return false; // the long form only where the short one cannot say it
  } else if (contentLength > 0x7f) return false;
  if (pos + contentLength !== sig.length) return false;
  for (let n = 0; n < 2; n++) {
    if (sig[pos++] !== 0x02) return false;
    const len = sig[pos++];
    if (len === 0 || len > 0x7f || pos + len > sig.length) return false;
    const first = sig[pos];
    if (first & 0x80) return false; // negative
    if (first === 0 && (len === 1 || !(sig[pos + 1] & 0x80))) return false; // zero, or a needless leading zero
    pos += len;
  }
  return pos === sig.length;
}

/** COSE algorithm ids of ECDSA (ES256, ES384, ES512). */
export const ECDSA_COSE_ALGS = new Set([-7, -35, -36]);

/** Why an attestationObject (canonical base64url) is not encoded exactly, or null. */
export function attestationObjectProblem(b64url: string): string | null {
  const bytes = new Uint8Array(Buffer.from(b64url, 'base64url'));
  const cbor = cborProblem(bytes);
  if (cbor) return cbor;
  let fmt: unknown;
  let sig: unknown;
  let alg: unknown;
  try {
    const decoded = decodeAttestationObject(bytes);
    fmt = decoded.get('fmt');
    const attStmt = decoded.get('attStmt') as Map<string, unknown> | undefined;
    sig = attStmt?.get?.('sig');
    alg = attStmt?.get?.('alg');
  } catch {
    return 'not an attestation object';
  }
  const ecdsa =
    fmt === 'fido-u2f' || ((fmt === 'packed' || fmt === 'android-key') && ECDSA_COSE_ALGS.has(alg as number));
  if (ecdsa && sig instanceof Uint8Array && !isStrictDerEcdsaSignature(sig))
    return 'the attestation signature is not DER';
  return null;
}

/** Whether a stored COSE public key (base64url) is an EC2 key, whose assertion signatures are DER. */
export function isEc2PublicKey(coseB64url: string): boolean {
  try {
    const key = decodeCredentialPublicKey(new Uint8Array(Buffer.from(coseB64url, 'base64url')));
    return key.get(cose.COSEKEYS.kty) === cose.COSEKTY.EC2;
  } catch {
    return false;
  }
}
