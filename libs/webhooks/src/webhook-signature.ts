import { createHmac, randomBytes } from 'node:crypto';

/**
 * The Standard Webhooks signing scheme: secrets are `whsec_<base64 of the key bytes>`, the
 * signed content is `<webhook-id>.<webhook-timestamp>.<body>`, the signature
 * `v1,<base64 HMAC-SHA256>`. Several signatures (during a rotation) are space-separated.
 */
export const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;

export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

export function secretKeyBytes(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error('not a webhook secret');
  return Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
}

export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secretKeyBytes(secret))
    .update(`${id}.${timestampSeconds}.${body}`, 'utf8')
    .digest('base64');
  return `v1,${mac}`;
}

/** The `webhook-signature` header value: one signature per secret, newest first. */
export function signatureHeader(
  secrets: readonly string[],
  id: string,
  timestampSeconds: number,
  body: string,
): string {
  return secrets.map((s) => signWebhook(s, id, timestampSeconds, body)).join(' ');
}
