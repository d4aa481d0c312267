import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys look like `tsk_<prefix>_<secret>`: the prefix (non-secret) finds the row, the whole
 * key is compared by SHA-256. 256 random bits make a slow hash unnecessary.
 */
export interface GeneratedApiKey {
  key: string;
  prefix: string;
  hash: string;
}

const KEY_RE = /^tsk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export function generateApiKey(): GeneratedApiKey {
  const prefix = randomBytes(8).toString('hex').slice(0, 12);
  const key = `tsk_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function parseApiKeyPrefix(key: string): string | null {
  return KEY_RE.exec(key)?.[1] ?? null;
}

export function apiKeyMatches(key: string, storedHash: string): boolean {
  const a = Buffer.from(hashApiKey(key), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
