import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { TenantContext, UserNames } from '#auth';
import { TenantScopedRepository, UserHandleEntity, WebAuthnCredentialEntity } from '#persistence';

/**
 * WebAuthn L3 Signal API payloads, ready for PublicKeyCredential.signalAllAcceptedCredentials and
 * signalCurrentUserDetails. `user_id` is the user handle (base64url), as the browser stores it.
 */
export interface CredentialSignals {
  all_accepted_credentials: { rp_id: string; user_id: string; all_accepted_credential_ids: string[] };
  current_user_details: { rp_id: string; user_id: string; name: string; display_name: string };
}

/**
 * What the user's passkey managers should know: which credentials this relying party still
 * accepts (so deleted ones stop being offered) and the user's current names.
 */
@Injectable()
export class CredentialSignalsService {
  private readonly handles: TenantScopedRepository<UserHandleEntity>;
  private readonly credentials: TenantScopedRepository<WebAuthnCredentialEntity>;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.handles = TenantScopedRepository.of(dataSource, UserHandleEntity);
    this.credentials = TenantScopedRepository.of(dataSource, WebAuthnCredentialEntity);
  }

  /**
   * The signals for a user, or null when there is nothing to signal: the tenant has no WebAuthn
   * settings, or the user never had a user handle (never started a WebAuthn registration).
   * `names` are the bearer's; without a bearer (an administrator) the names last seen are used.
   */
  async forUser(tenant: TenantContext, userId: string, names?: UserNames): Promise<CredentialSignals | null> {
    if (!tenant.webauthn) return null;
    const [handle, credentials] = await Promise.all([
      this.handles.findOne(tenant.id, { userId }),
      this.credentials.find(
        tenant.id,
        { userId },
        { select: { credentialId: true }, order: { createdAt: 'ASC', id: 'ASC' } },
      ),
    ]);
    if (!handle) return null;
    const rpId = tenant.webauthn.rp_id;
    const name = names?.name ?? handle.name ?? userId;
    return {
      all_accepted_credentials: {
        rp_id: rpId,
        user_id: handle.handle,
        all_accepted_credential_ids: credentials.map((c) => c.credentialId),
      },
      current_user_details: {
        rp_id: rpId,
        user_id: handle.handle,
        name,
        display_name: names?.displayName ?? handle.displayName ?? name,
      },
    };
  }
}
