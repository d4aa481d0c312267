import { ApiError } from '#errors';
import type { TenantContext } from '#auth';

/** The 501 of a tenant without WebAuthn settings (documented with these words). */
export const WEBAUTHN_NOT_CONFIGURED = 'WebAuthn is not configured for this tenant.';

/** A tenant's WebAuthn settings: rp id and name, origins, and the ceremony options. */
export type RelyingParty = NonNullable<TenantContext['webauthn']>;

/** The tenant's relying party, or 501 not_implemented when the tenant has no WebAuthn settings. */
export function relyingParty(tenant: TenantContext): RelyingParty {
  if (!tenant.webauthn) throw new ApiError('not_implemented', WEBAUTHN_NOT_CONFIGURED);
  return tenant.webauthn;
}
