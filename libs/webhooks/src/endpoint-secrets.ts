import { open } from '#mfa';
import type { WebhookEndpointEntity } from '#persistence';

/** The AAD of an endpoint's sealed secret: a sealed value copied to another row or tenant does not open. */
export function secretAad(tenantId: string, endpointId: string): string {
  return `webhook_endpoints.secret:${tenantId}:${endpointId}`;
}

/** The secrets that sign a delivery now: the current one, and the previous one during a rotation. */
export function signingSecrets(key: Buffer, endpoint: WebhookEndpointEntity, now: Date): string[] {
  const aad = secretAad(endpoint.tenantId, endpoint.id);
  const secrets = [open(key, endpoint.secretSealed, aad)];
  if (
    endpoint.previousSecretSealed &&
    endpoint.previousSecretExpiresAt &&
    endpoint.previousSecretExpiresAt.getTime() > now.getTime()
  ) {
    secrets.push(open(key, endpoint.previousSecretSealed, aad));
  }
  return secrets;
}
