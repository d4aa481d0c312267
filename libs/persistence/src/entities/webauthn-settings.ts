export type AttestationConveyance = 'none' | 'direct' | 'enterprise';
export type PasskeyHint = 'client-device' | 'hybrid';
export interface AttestationByMethod {
  webauthn_passkey: AttestationConveyance;
  webauthn_fido: AttestationConveyance;
}

/**
 * A tenant's WebAuthn relying-party settings: what the API accepts and the tenants table stores.
 * Optional fields are not written when absent, so their defaults (libs/tenancy) can evolve. This
 * is the one declaration of the shape: the effective settings and the request's relying party
 * (libs/auth TenantContext) are derived from it.
 */
export interface WebAuthnSettings {
  rp_id: string;
  rp_name: string;
  /** Origins on the rp id's own site (https; http only for localhost), or Android app origins. */
  origins: string[];
  /** Origins on other sites, allowed only through https://<rp_id>/.well-known/webauthn. */
  related_origins?: string[];
  /** Top-level origins that may embed a ceremony in a cross-origin iframe (clientData topOrigin). */
  allowed_top_origins?: string[];
  timeout_ms?: number;
  /** COSE algorithm ids offered at registration, in order of preference. */
  algorithms?: number[];
  attestation?: Partial<AttestationByMethod>;
  /** WebAuthn L3 hints sent with passkey ceremonies, in order of preference; none by default. */
  hints_passkey?: PasskeyHint[];
  /** How old a step-up proof may be when a user changes their factors. */
  step_up_max_age_seconds?: number;
}

/** The settings with every default filled in: what ceremonies use and the settings API shows. */
export type EffectiveWebAuthnSettings = Required<Omit<WebAuthnSettings, 'attestation'>> & {
  attestation: AttestationByMethod;
};
