import { TenantEntity } from './tenant.entity.js';
import { ApiKeyEntity } from './api-key.entity.js';
import { UserHandleEntity } from './user-handle.entity.js';
import { WebAuthnCredentialEntity } from './webauthn-credential.entity.js';
import { PendingEnrollmentEntity } from './pending-enrollment.entity.js';
import { BackupCodeEntity } from './backup-code.entity.js';
import { PolicyEntity } from './policy.entity.js';
import { PolicyRuleEntity } from './policy-rule.entity.js';
import { AuditEventEntity } from './audit-event.entity.js';
import { TotpFactorEntity } from './totp-factor.entity.js';
import { MfaChallengeEntity } from './mfa-challenge.entity.js';
import { MfaSigningKeyEntity } from './mfa-signing-key.entity.js';
import { WebhookEndpointEntity } from './webhook-endpoint.entity.js';
import { WebhookOutboxEntity } from './webhook-outbox.entity.js';
import { WebhookDeliveryEntity } from './webhook-delivery.entity.js';
import { WorkerLeaseEntity } from './worker-lease.entity.js';

export {
  TenantEntity,
  ApiKeyEntity,
  UserHandleEntity,
  WebAuthnCredentialEntity,
  PendingEnrollmentEntity,
  BackupCodeEntity,
  PolicyEntity,
  PolicyRuleEntity,
  AuditEventEntity,
  TotpFactorEntity,
  MfaChallengeEntity,
  MfaSigningKeyEntity,
  WebhookEndpointEntity,
  WebhookOutboxEntity,
  WebhookDeliveryEntity,
  WorkerLeaseEntity,
};
export type {
  AttestationByMethod,
  AttestationConveyance,
  EffectiveWebAuthnSettings,
  PasskeyHint,
  WebAuthnSettings,
} from './webauthn-settings.js';

export const ENTITIES = [
  TenantEntity,
  ApiKeyEntity,
  UserHandleEntity,
  WebAuthnCredentialEntity,
  PendingEnrollmentEntity,
  BackupCodeEntity,
  PolicyEntity,
  PolicyRuleEntity,
  AuditEventEntity,
  TotpFactorEntity,
  MfaChallengeEntity,
  MfaSigningKeyEntity,
  WebhookEndpointEntity,
  WebhookOutboxEntity,
  WebhookDeliveryEntity,
  WorkerLeaseEntity,
];
