import type { TotpFactorEntity } from '#persistence';
import { open, seal } from '../crypto/secret-box.js';

/**
 * A TOTP secret is sealed with its tenant and factor id as associated data: a sealed secret
 * copied to another row (or tenant) does not open.
 */
export function sealTotpSecret(key: Buffer, tenantId: string, factorId: string, secret: string): string {
  return seal(key, secret, secretAad(tenantId, factorId));
}

export function openTotpSecret(
  key: Buffer,
  tenantId: string,
  row: Pick<TotpFactorEntity, 'id' | 'secretSealed'>,
): string {
  return open(key, row.secretSealed, secretAad(tenantId, row.id));
}

function secretAad(tenantId: string, id: string): string {
  return `totp_factor:${tenantId}:${id}`;
}
