import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { AppConfig } from '#config';

/** Injection token: the 32-byte key that seals MFA secrets at rest. */
export const MFA_ENCRYPTION_KEY = Symbol('MFA_ENCRYPTION_KEY');

/**
 * MFA_ENCRYPTION_KEY when configured (production refuses to start without it). Outside production,
 * a random key is kept in the data directory (mfa-encryption-key, mode 0600) so restarts can still
 * open what they sealed. Created with link(2), so concurrent first starts agree on one key.
 */
export function resolveMfaEncryptionKey(config: AppConfig, dataDir = defaultDataDir(config)): Buffer {
  if (config.mfa.encryptionKey) return config.mfa.encryptionKey;
  // Outside production (also when dev conveniences fail closed), so what was sealed stays readable.
  if (config.env === 'production') throw new Error('MFA_ENCRYPTION_KEY is required in production');
  const file = join(dataDir, 'mfa-encryption-key');
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(tmp, randomBytes(32).toString('base64url'), { mode: 0o600 });
    try {
      linkSync(tmp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      rmSync(tmp, { force: true });
    }
    chmodSync(file, 0o600);
  }
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url');
  if (key.length !== 32)
    throw new Error(`${file} does not hold a 32-byte key; delete it only if nothing was sealed with it`);
  return key;
}

function defaultDataDir(config: AppConfig): string {
  return config.database.type === 'sqlite' && config.database.path !== ':memory:'
    ? dirname(config.database.path)
    : join(process.cwd(), 'data');
}
