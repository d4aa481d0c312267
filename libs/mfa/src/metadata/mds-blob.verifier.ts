import 'reflect-metadata'; // @peculiar/x509 (tsyringe) needs it loaded first
import { X509Certificate } from '@peculiar/x509';
import { compactVerify, decodeProtectedHeader, importX509 } from 'jose';
import { validateCertificatePath } from '@simplewebauthn/server/helpers';
import type { MDSJWTPayload, MetadataBLOBPayloadEntry } from '@simplewebauthn/server';

/** The algorithms MDS3 signs BLOBs with that we accept. */
const BLOB_ALGS = ['RS256', 'ES256'] as const;

export interface VerifiedMdsBlob {
  /** Serial number: a BLOB is only replaced by one with a greater `no`. */
  no: number;
  nextUpdate: Date;
  legalHeader: string;
  entries: MetadataBLOBPayloadEntry[];
}

export class MdsBlobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MdsBlobError';
  }
}

/**
 * Verifies an MDS3 metadata BLOB: a compact JWS whose header carries an x5c chain that must lead
 * to one of `rootsPem`, signed (RS256 or ES256) by the chain's leaf. Only then is the payload read.
 *
 * Revocation: certificates of the chain that name a CRL distribution point are checked against it
 * when it can be fetched (the library's best effort); an unreachable CRL is skipped, and OCSP is
 * not consulted. Offline deployments therefore rely on the chain and signature alone.
 */
export async function verifyMdsBlob(jwt: string, rootsPem: string[]): Promise<VerifiedMdsBlob> {
  const token = jwt.trim();
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token))
    throw new MdsBlobError('The BLOB is not a compact JWS.');
  if (rootsPem.length === 0) throw new MdsBlobError('No MDS root certificate is configured.');
  const { alg, x5c } = blobHeader(token);
  const chainPem = await trustedChain(x5c, rootsPem);
  return blobPayload(await signedPayload(token, chainPem[0], alg));
}

/** The protected header's alg (one of BLOB_ALGS) and x5c chain. */
function blobHeader(token: string): { alg: string; x5c: string[] } {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch (err) {
    throw new MdsBlobError('The BLOB header is not valid JSON.', { cause: err });
  }
  const alg = header.alg;
  if (!alg || !(BLOB_ALGS as readonly string[]).includes(alg))
    throw new MdsBlobError(`The BLOB alg must be one of ${BLOB_ALGS.join(', ')}.`);
  const x5c = header.x5c;
  if (!Array.isArray(x5c) || x5c.length === 0 || !x5c.every((c) => typeof c === 'string'))
    throw new MdsBlobError('The BLOB header has no x5c chain.');
  return { alg, x5c };
}

/** The x5c chain as PEM, leaf first, once it is known to lead to one of the roots. */
async function trustedChain(x5c: string[], rootsPem: string[]): Promise<string[]> {
  let chainPem: string[];
  let roots: X509Certificate[];
  try {
    chainPem = x5c.map((der) => new X509Certificate(Buffer.from(der, 'base64')).toString('pem'));
    roots = rootsPem.map((pem) => new X509Certificate(pem));
  } catch (err) {
    throw new MdsBlobError('A certificate of the BLOB chain or a root could not be parsed.', { cause: err });
  }
  // A chain that includes the root itself is fine; the path check wants it only as the anchor.
  const rootPems = roots.map((r) => r.toString('pem'));
  const path = chainPem.filter((pem, i) => i === 0 || !rootPems.includes(pem));
  try {
    await validateCertificatePath(path, rootPems);
  } catch (err) {
    throw new MdsBlobError('The BLOB certificate chain does not lead to a trusted MDS root.', { cause: err });
  }
  return chainPem;
}

/** The payload bytes, once the leaf's signature over the JWS is verified. */
async function signedPayload(token: string, leafPem: string, alg: string): Promise<Uint8Array> {
  try {
    const key = await importX509(leafPem, alg);
    return (await compactVerify(token, key, { algorithms: [alg] })).payload;
  } catch (err) {
    throw new MdsBlobError('The BLOB signature is not valid.', { cause: err });
  }
}

/** The verified payload read: serial number, next update and the entries that carry status reports. */
function blobPayload(payloadBytes: Uint8Array): VerifiedMdsBlob {
  let payload: MDSJWTPayload;
  try {
    payload = JSON.parse(new TextDecoder().decode(payloadBytes)) as MDSJWTPayload;
  } catch (err) {
    throw new MdsBlobError('The BLOB payload is not JSON.', { cause: err });
  }
  if (!Number.isInteger(payload?.no) || payload.no < 0)
    throw new MdsBlobError('The BLOB payload has no serial number (no).');
  if (typeof payload.nextUpdate !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(payload.nextUpdate))
    throw new MdsBlobError('The BLOB payload nextUpdate must be a date (YYYY-MM-DD).');
  if (!Array.isArray(payload.entries)) throw new MdsBlobError('The BLOB payload has no entries.');
  return {
    no: payload.no,
    nextUpdate: new Date(`${payload.nextUpdate}T00:00:00Z`),
    legalHeader: typeof payload.legalHeader === 'string' ? payload.legalHeader : '',
    entries: payload.entries.filter((e) => e && typeof e === 'object' && Array.isArray(e.statusReports)),
  };
}
