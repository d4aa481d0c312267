/**
 * Test PKI for FIDO metadata: certificate authorities, packed attestation certificates and MDS3
 * BLOBs, all generated here (no real BLOB or certificate is used). Keys are ECDSA P-256.
 */
import 'reflect-metadata'; // @peculiar/x509 (tsyringe) needs it loaded first
import { KeyObject, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { CompactSign } from 'jose';
import type { MetadataBLOBPayloadEntry, MetadataStatement, StatusReport } from '@simplewebauthn/server';
import type { AttestationKey } from './soft-authenticator.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;
/** id-fido-gen-ce-aaguid: the attestation certificate names the model it attests. */
const FIDO_AAGUID_OID = '1.3.6.1.4.1.45724.1.1.4';

export interface TestCa {
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
  /** DER bytes */
  der: Uint8Array;
  pem: string;
  /** base64 DER, as metadata statements and x5c headers carry certificates */
  b64: string;
}

async function newKeys(): Promise<CryptoKeyPair> {
  return await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
}

function wrap(cert: x509.X509Certificate, keys: CryptoKeyPair): TestCa {
  const der = new Uint8Array(cert.rawData);
  return { cert, keys, der, pem: cert.toString('pem'), b64: Buffer.from(der).toString('base64') };
}

function serial(): string {
  return randomBytes(8)
    .toString('hex')
    .replace(/^[89a-f]/, '1');
}

/** A self-signed root CA. */
export async function createRootCa(cn: string): Promise<TestCa> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${cn}, O=Tessera Test, C=US`,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 365 * DAY),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return wrap(cert, keys);
}

/** A certificate issued by `issuer`: a CA, a BLOB signer, or a packed attestation certificate. */
export async function issueCertificate(
  issuer: TestCa,
  opts: { subject: string; ca?: boolean; aaguid?: string },
): Promise<TestCa> {
  const keys = await newKeys();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(opts.ca ?? false, undefined, true),
    await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey),
  ];
  if (opts.ca)
    extensions.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true));
  else extensions.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true));
  if (opts.aaguid) {
    // extnValue holds an OCTET STRING of the 16 AAGUID bytes.
    const raw = Buffer.from(opts.aaguid.replace(/-/g, ''), 'hex');
    extensions.push(new x509.Extension(FIDO_AAGUID_OID, false, Buffer.concat([Buffer.from([0x04, raw.length]), raw])));
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: opts.subject,
    issuer: issuer.cert.subject,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 365 * DAY),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    extensions,
  });
  return wrap(cert, keys);
}

/** A packed attestation certificate for `aaguid` under `issuer`, ready for SoftAuthenticator. */
export async function attestationKey(
  issuer: TestCa,
  aaguid: string,
  intermediates: TestCa[] = [],
): Promise<AttestationKey> {
  const leaf = await issueCertificate(issuer, {
    subject: 'CN=Test Key Attestation, OU=Authenticator Attestation, O=Tessera Test Keys, C=US',
    aaguid,
  });
  return {
    privateKey: KeyObject.from(leaf.keys.privateKey),
    alg: 'ES256',
    x5c: [leaf.der, ...intermediates.map((c) => c.der)],
  };
}

/** A metadata entry for a FIDO2 model. */
export function metadataEntry(opts: {
  aaguid: string;
  description: string;
  roots?: TestCa[];
  statusReports?: StatusReport[];
  algorithms?: MetadataStatement['authenticationAlgorithms'];
  icon?: string;
}): MetadataBLOBPayloadEntry {
  const statement: MetadataStatement = {
    aaguid: opts.aaguid,
    description: opts.description,
    authenticatorVersion: 1,
    protocolFamily: 'fido2',
    schema: 3,
    upv: [{ major: 1, minor: 1 }],
    authenticationAlgorithms: opts.algorithms ?? ['secp256r1_ecdsa_sha256_raw', 'ed25519_eddsa_sha512_raw'],
    publicKeyAlgAndEncodings: ['cose'],
    attestationTypes: ['basic_full'],
    userVerificationDetails: [[{ userVerificationMethod: 'presence_internal' }]],
    keyProtection: ['hardware', 'secure_element'],
    matcherProtection: ['on_chip'],
    tcDisplay: [],
    attestationRootCertificates: (opts.roots ?? []).map((r) => r.b64),
    ...(opts.icon ? { icon: opts.icon } : {}),
  };
  return {
    aaguid: opts.aaguid,
    metadataStatement: statement,
    statusReports: opts.statusReports ?? [{ status: 'FIDO_CERTIFIED_L1', effectiveDate: '2024-01-15' }],
    timeOfLastStatusChange: '2024-01-15',
  };
}

/** An MDS3 BLOB (compact JWS, ES256) signed by `signer`, whose x5c is `chain` (signer first). */
export async function signBlob(opts: {
  signer: TestCa;
  chain?: TestCa[];
  no: number;
  entries: MetadataBLOBPayloadEntry[];
  nextUpdate?: string;
  alg?: string;
}): Promise<string> {
  const payload = {
    legalHeader: 'Test metadata generated by the Tessera test suite.',
    no: opts.no,
    nextUpdate: opts.nextUpdate ?? new Date(Date.now() + 30 * DAY).toISOString().slice(0, 10),
    entries: opts.entries,
  };
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: opts.alg ?? 'ES256', typ: 'JWT', x5c: (opts.chain ?? [opts.signer]).map((c) => c.b64) })
    .sign(opts.signer.keys.privateKey);
}

/** The usual MDS layout: root → BLOB signing certificate. */
export async function mdsPki(): Promise<{ root: TestCa; signer: TestCa }> {
  const root = await createRootCa('Test MDS Root');
  const signer = await issueCertificate(root, { subject: 'CN=Test MDS BLOB Signer, O=Tessera Test, C=US' });
  return { root, signer };
}
