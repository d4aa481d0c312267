import 'reflect-metadata'; // @peculiar/x509 (tsyringe) needs it loaded first
import { SubjectKeyIdentifierExtension, X509Certificate } from '@peculiar/x509';
import {
  COSEALG,
  cose,
  decodeAttestationObject,
  decodeCredentialPublicKey,
  isoBase64URL,
  validateCertificatePath,
} from '@simplewebauthn/server/helpers';
import type {
  AuthenticatorStatus,
  MetadataBLOBPayloadEntry,
  MetadataStatement,
  StatusReport,
} from '@simplewebauthn/server';

/** Statuses that make an authenticator model unacceptable, whatever the tenant's rules say. */
export const COMPROMISED_STATUSES: ReadonlySet<AuthenticatorStatus> = new Set([
  'REVOKED',
  'USER_VERIFICATION_BYPASS',
  'ATTESTATION_KEY_COMPROMISE',
  'USER_KEY_REMOTE_COMPROMISE',
  'USER_KEY_PHYSICAL_COMPROMISE',
]);

const CERTIFICATION_STATUSES: ReadonlySet<AuthenticatorStatus> = new Set([
  'NOT_FIDO_CERTIFIED',
  'SELF_ASSERTION_SUBMITTED',
  'FIDO_CERTIFIED',
  'FIDO_CERTIFIED_L1',
  'FIDO_CERTIFIED_L1plus',
  'FIDO_CERTIFIED_L2',
  'FIDO_CERTIFIED_L2plus',
  'FIDO_CERTIFIED_L3',
  'FIDO_CERTIFIED_L3plus',
]);

/** FIDO registry ALG_SIGN names → COSE algorithm ids (the ones WebAuthn credentials use). */
const ALG_SIGN_COSE: Record<string, COSEALG> = {
  secp256r1_ecdsa_sha256_raw: COSEALG.ES256,
  secp256r1_ecdsa_sha256_der: COSEALG.ES256,
  secp384r1_ecdsa_sha384_raw: COSEALG.ES384,
  secp384r1_ecdsa_sha384_der: COSEALG.ES384,
  secp521r1_ecdsa_sha512_raw: COSEALG.ES512,
  secp521r1_ecdsa_sha512_der: COSEALG.ES512,
  ed25519_eddsa_sha512_raw: COSEALG.EdDSA,
  rsassa_pkcsv15_sha256_raw: COSEALG.RS256,
  rsassa_pkcsv15_sha256_der: COSEALG.RS256,
  rsassa_pss_sha256_raw: COSEALG.PS256,
  rsassa_pss_sha256_der: COSEALG.PS256,
  rsassa_pkcsv15_sha1_raw: COSEALG.RS1,
  rsassa_pkcsv15_sha1_der: COSEALG.RS1,
};

export const ZERO_AAGUID = '00000000-0000-0000-0000-000000000000';

/** Looks metadata entries up; backed by a verified MDS BLOB. */
export interface MetadataLookup {
  byAaguid(aaguid: string): MetadataBLOBPayloadEntry | undefined;
  /** FIDO U2F authenticators have no AAGUID: MDS lists them by attestation key identifier (hex SHA-1). */
  byKeyIdentifier(keyId: string): MetadataBLOBPayloadEntry | undefined;
}

export type UntrustedReason = 'no_attestation' | 'no_metadata' | 'metadata_mismatch' | 'chain';

export interface AttestationAssessment {
  /** The attestation chains to a root the metadata lists for this authenticator model. */
  trusted: boolean;
  untrustedReason?: UntrustedReason;
  /** The model's description from metadata (for a `none` attestation, as claimed by its AAGUID). */
  model?: string;
  /** The latest certification status, e.g. FIDO_CERTIFIED_L1. */
  certificationLevel?: string;
  /** Set when metadata reports the model revoked or compromised: enrollment must be refused. */
  compromisedStatus?: AuthenticatorStatus;
  /** The attestation key identifier (hex) by which metadata listed a model without AAGUID. */
  keyIdentifier?: string;
}

export interface AttestationInput {
  /** base64url attestationObject, as received (already verified by the registration verifier). */
  attestationObject: string;
  /** lower-case dashed AAGUID from the authenticator data. */
  aaguid: string;
  /** base64url COSE public key of the new credential. */
  publicKey: string;
}

/**
 * Decides whether a verified registration's attestation is trusted: its x5c must chain to one of
 * the attestation roots that the (signature-verified) metadata lists for the authenticator's
 * AAGUID, and the credential's algorithm must be one the model declares. The attestation
 * signature itself was checked by verifyRegistrationResponse; this adds the trust decision.
 */
export async function assessAttestation(
  input: AttestationInput,
  metadata: MetadataLookup,
): Promise<AttestationAssessment> {
  const decoded = decodeAttestationObject(isoBase64URL.toBuffer(input.attestationObject));
  const fmt = decoded.get('fmt');
  const x5c = fmt === 'none' ? undefined : decoded.get('attStmt').get('x5c');
  const found = await findEntry(input.aaguid, x5c, metadata);
  if (!found) return { trusted: false, untrustedReason: x5c?.length ? 'no_metadata' : 'no_attestation' };
  const { entry, keyIdentifier } = found;

  const statement = entry.metadataStatement;
  const described: AttestationAssessment = {
    trusted: false,
    ...describeEntry(entry),
    ...(keyIdentifier ? { keyIdentifier } : {}),
  };
  if (!x5c || x5c.length === 0) return { ...described, untrustedReason: 'no_attestation' };
  if (!statement || statement.attestationRootCertificates.length === 0)
    return { ...described, untrustedReason: 'no_metadata' };
  if (!algorithmDeclared(statement, input.publicKey)) return { ...described, untrustedReason: 'metadata_mismatch' };
  return (await chainsToMetadataRoots(x5c, statement))
    ? { ...described, trusted: true }
    : { ...described, untrustedReason: 'chain' };
}

/** What metadata says of a model now: its description, certification level and any compromised status. */
export function describeEntry(
  entry: MetadataBLOBPayloadEntry,
): Pick<AttestationAssessment, 'model' | 'certificationLevel' | 'compromisedStatus'> {
  const compromised = entry.statusReports.find((r) => COMPROMISED_STATUSES.has(r.status));
  const description = entry.metadataStatement?.description;
  return {
    ...(description ? { model: description } : {}),
    ...certificationOf(entry.statusReports),
    ...(compromised ? { compromisedStatus: compromised.status } : {}),
  };
}

/**
 * The metadata entry of the authenticator model: by AAGUID, or, for the all-zero AAGUID (FIDO U2F,
 * Apple anonymous attestation), by the key identifier of a certificate of the chain — the leaf
 * first, as MDS lists U2F keys, then its issuers, so a model whose leaf is unique per credential
 * (Apple) is found by its issuing CA. The zero AAGUID itself never names a model.
 */
async function findEntry(
  aaguid: string,
  x5c: Uint8Array[] | undefined,
  metadata: MetadataLookup,
): Promise<{ entry: MetadataBLOBPayloadEntry; keyIdentifier?: string } | undefined> {
  if (aaguid !== ZERO_AAGUID) {
    const entry = metadata.byAaguid(aaguid);
    return entry ? { entry } : undefined;
  }
  for (const der of x5c ?? []) {
    const keyIdentifier = await keyIdentifierOf(der);
    const entry = keyIdentifier ? metadata.byKeyIdentifier(keyIdentifier) : undefined;
    if (entry) return { entry, keyIdentifier };
  }
  return undefined;
}

async function chainsToMetadataRoots(x5c: Uint8Array[], statement: MetadataStatement): Promise<boolean> {
  let chain: string[];
  let roots: string[];
  try {
    chain = x5c.map((der) => new X509Certificate(der).toString('pem'));
    roots = statement.attestationRootCertificates.map((b64) =>
      new X509Certificate(Buffer.from(b64, 'base64')).toString('pem'),
    );
  } catch {
    return false;
  }
  // A single certificate that is itself listed in metadata is trusted as is (MDS "self-referencing").
  if (chain.length === 1 && roots.includes(chain[0])) return true;
  // Authenticators often send the root (android-key always does) or the listed intermediate in
  // x5c; the path check wants each anchor only once, as the anchor, so it is tried per root with
  // that root (and anything after it) removed from the chain. The leaf always stays.
  for (const root of roots) {
    const at = chain.indexOf(root);
    const path = at > 0 ? chain.slice(0, at) : chain;
    try {
      if (await validateCertificatePath(path, [root])) return true;
    } catch {
      // not this root: try the next one
    }
  }
  return false;
}

/** RFC 5280 key identifier (SHA-1 of the subject public key), as MDS lists U2F attestation keys. */
async function keyIdentifierOf(der: Uint8Array): Promise<string> {
  try {
    const ski = await SubjectKeyIdentifierExtension.create(new X509Certificate(der).publicKey);
    return ski.keyId.toLowerCase();
  } catch {
    return '';
  }
}

function algorithmDeclared(statement: MetadataStatement, publicKey: string): boolean {
  if (!statement.authenticationAlgorithms?.length) return true;
  const alg = decodeCredentialPublicKey(isoBase64URL.toBuffer(publicKey)).get(cose.COSEKEYS.alg);
  return statement.authenticationAlgorithms.some((name) => ALG_SIGN_COSE[name] === alg);
}

/** The latest certification status among the reports (by effective date; later entries win ties). */
function certificationOf(reports: StatusReport[]): { certificationLevel?: string } {
  let best: StatusReport | undefined;
  for (const report of reports) {
    if (!CERTIFICATION_STATUSES.has(report.status)) continue;
    if (!best || (report.effectiveDate ?? '') >= (best.effectiveDate ?? '')) best = report;
  }
  return best ? { certificationLevel: best.status } : {};
}
