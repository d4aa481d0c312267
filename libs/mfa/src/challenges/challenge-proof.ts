import type { EntityManager } from 'typeorm';
import type { ApiError } from '#errors';
import type { TenantUpdate } from '#persistence';
import type { AuthorizeInput } from '#policy';
import type { ChallengeMethod } from '../shared/method-types.js';
import type { FactorCounts } from '../factors/factors.service.js';

/** The factor an answer proved, and what its token will claim (amr, acr). */
export interface VerifiedFactor {
  method: ChallengeMethod;
  /** The factor row proven (credential, TOTP factor or backup code id). */
  factorId: string;
  backupEligible?: boolean;
  /** Stored trust of the credential's attestation (achievedAcr). */
  attestationTrusted?: boolean;
  /** WebAuthn only: the assertion's UV flag (a request for "phr" needs it). */
  userVerified?: boolean;
}

/** The answer proved a factor: what verify_factor decides on, and the factor's own single-use update. */
export interface ProofAccepted {
  accepted: true;
  factor: VerifiedFactor;
  /** The resource of the verify_factor decision. */
  resource: AuthorizeInput['resource'];
  /** The factor's own single-use change, committed with the challenge's consumption or not at all. */
  spend: FactorSpend;
  /** A usernameless challenge: the user the passkey named. */
  namedUser?: string;
  /** The factors of `userId` as counted when the answer was checked, when that read them anyway. */
  holdings?: { userId: string; ownerFactors: FactorCounts };
}

/**
 * How a factor is spent. Losing means it was used concurrently: nothing is committed, and it
 * counts as a failure.
 */
export type FactorSpend =
  /** A compare-and-set of the factor's row (a counter, a time step): one statement with the challenge's. */
  | { update: (now: Date) => TenantUpdate }
  /** Steps in the transaction that consumes the challenge (a backup code, and what is left of them). */
  | { inTransaction: (manager: EntityManager, now: Date) => Promise<boolean> };

/** The answer proved nothing: counted against the challenge (a guess also against the user) and audited. */
export interface ProofRefused {
  accepted: false;
  method: ChallengeMethod | 'webauthn';
  /** For the audit log only: clients get the same 401 mfa_failed whatever it is. */
  reason: string;
  /** Audited with the failure. */
  metadata: Record<string, unknown>;
  /** Sent in the 401's details. */
  details?: Record<string, unknown>;
  /** The error to answer with instead of 401 mfa_failed; the failure is counted all the same. */
  error?: ApiError;
  /** A usernameless challenge: the user the passkey named, when it got that far. */
  namedUser?: string;
}

/** What a method's check of an answer concluded. It never changes the challenge itself. */
export type ProofOutcome = ProofAccepted | ProofRefused;

export function refused(
  method: ProofRefused['method'],
  reason: string,
  metadata: Record<string, unknown> = {},
  more: Pick<ProofRefused, 'details' | 'error' | 'namedUser'> = {},
): ProofRefused {
  return { accepted: false, method, reason, metadata, ...more };
}
