/**
 * Backup codes: generation, normalization, hashing and verification. Pure functions, no I/O.
 *
 * A code is 13 Crockford base32 characters = 65 random bits, shown as `xxxx-xxxx-xxxx-x`.
 * The canonical form (what is hashed) is the 13 upper-case characters without separators.
 *
 * Storage is `{lookup, hash}` per code:
 * - `lookup` = the first 3 canonical characters (15 bits), stored in clear so that a sign-in
 *   attempt checks one row instead of running scrypt against every unused code of the user.
 *   It is not secret: the remaining 10 characters (50 bits) are. 50 random bits behind scrypt
 *   are far beyond offline guessing (2^50 × ~1 ms ≈ 35 000 CPU-years per code), and online
 *   guessing must hit the full 65 bits under rate limits. A longer prefix would buy nothing
 *   (with 10 codes 3 characters already make a collision rare, and sets avoid them) while
 *   every extra character costs 5 secret bits.
 * - `hash` = scrypt over the whole canonical code (the lookup characters included) with a
 *   random 16-byte salt, encoded `scrypt$N$r$p$salt$hash` (base64url).
 *
 * Why cheap scrypt parameters: password hashing is slow because passwords have ~20–40 bits of
 * guessable entropy. These codes are uniformly random with 50 secret bits, so the work factor
 * only has to make a leaked table not worth attacking, not rescue weak secrets. N=2^9, r=8,
 * p=1 (512 KiB, ~1.1 ms per hash) keeps a set of 10 near 11 ms CPU (measured; N=2^10 was
 * ~23 ms, over the 20 ms budget). Changing them: add the new set to SCRYPT_ACCEPTED so old
 * hashes still verify.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { ApiError } from '#errors';

export const CROCKFORD_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const BACKUP_CODE_LENGTH = 13;
export const BACKUP_CODE_LOOKUP_LENGTH = 3;
export const DEFAULT_BACKUP_CODE_COUNT = 10;
const MAX_BACKUP_CODE_COUNT = 100;
/** Longer input is rejected before any processing (a grouped code is 16 characters). */
const MAX_INPUT_LENGTH = 64;

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** Parameters for new hashes. */
export const BACKUP_CODE_SCRYPT: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 9, r: 8, p: 1 });
/** Parameter sets a stored hash may use; anything else is rejected (no attacker-chosen cost). */
const SCRYPT_ACCEPTED: readonly Readonly<ScryptParams>[] = [BACKUP_CODE_SCRYPT];
const SALT_BYTES = 16;
const HASH_BYTES = 32;

export interface StoredBackupCode {
  /** Non-secret row finder: the first 3 canonical characters. */
  lookup: string;
  /** `scrypt$N$r$p$salt$hash`, salt and hash base64url. */
  hash: string;
}

/**
 * A fresh set of distinct codes in display form (`xxxx-xxxx-xxxx-x`). Codes within a set also
 * have distinct lookups, so a sign-in attempt runs exactly one scrypt.
 */
export function generateBackupCodeSet(count = DEFAULT_BACKUP_CODE_COUNT): string[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_BACKUP_CODE_COUNT) {
    throw new ApiError('internal', `backup code count must be an integer in 1..${MAX_BACKUP_CODE_COUNT}`);
  }
  const codes: string[] = [];
  const lookups = new Set<string>();
  while (codes.length < count) {
    const canonical = randomCanonicalCode();
    const lookup = canonical.slice(0, BACKUP_CODE_LOOKUP_LENGTH);
    if (lookups.has(lookup)) continue;
    lookups.add(lookup);
    codes.push(formatBackupCode(canonical));
  }
  return codes;
}

/** 65 bits from randomBytes, 5 bits per character. */
function randomCanonicalCode(): string {
  const bytes = randomBytes(9); // 72 bits, the first 65 are used
  let out = '';
  for (let i = 0; i < BACKUP_CODE_LENGTH; i++) {
    let value = 0;
    for (let bit = i * 5; bit < i * 5 + 5; bit++) {
      value = (value << 1) | ((bytes[bit >> 3] >> (7 - (bit & 7))) & 1);
    }
    out += CROCKFORD_ALPHABET[value];
  }
  return out;
}

/** Canonical → display: lower case, groups of four. */
export function formatBackupCode(code: string): string {
  const canonical = normalizeBackupCode(code);
  if (canonical === null) throw new ApiError('internal', 'not a backup code');
  return canonical
    .toLowerCase()
    .match(/.{1,4}/g)!
    .join('-');
}

/**
 * User input → canonical code, or null. Case-insensitive; hyphens and whitespace ignored;
 * Crockford aliases I/L → 1 and O → 0. ASCII only, so a locale-dependent case mapping
 * (Turkish dotless ı → I) cannot turn a wrong character into a valid one.
 */
export function normalizeBackupCode(input: unknown): string | null {
  if (typeof input !== 'string' || input.length > MAX_INPUT_LENGTH) return null;
  if (!/^[\x20-\x7e\t\r\n]*$/.test(input)) return null;
  const compact = input.replace(/[-\s]/g, '').toUpperCase().replace(/[IL]/g, '1').replace(/O/g, '0');
  if (compact.length !== BACKUP_CODE_LENGTH) return null;
  for (const ch of compact) if (!CROCKFORD_ALPHABET.includes(ch)) return null;
  return compact;
}

/** The lookup for user input, or null when the input cannot be a code. */
export function backupCodeLookup(input: unknown): string | null {
  return normalizeBackupCode(input)?.slice(0, BACKUP_CODE_LOOKUP_LENGTH) ?? null;
}

export async function hashBackupCode(code: string): Promise<StoredBackupCode> {
  const canonical = normalizeBackupCode(code);
  if (canonical === null) throw new ApiError('internal', 'not a backup code');
  const salt = randomBytes(SALT_BYTES);
  const key = await scryptAsync(canonical, salt, BACKUP_CODE_SCRYPT);
  const { N, r, p } = BACKUP_CODE_SCRYPT;
  return {
    lookup: canonical.slice(0, BACKUP_CODE_LOOKUP_LENGTH),
    hash: `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`,
  };
}

/** Hashes concurrently (scrypt runs on the libuv thread pool); order matches `codes`. */
export function hashBackupCodeSet(codes: readonly string[]): Promise<StoredBackupCode[]> {
  return Promise.all(codes.map((code) => hashBackupCode(code)));
}

/**
 * Whether `code` (user input in any accepted form) matches `stored`. A malformed stored
 * string or one with parameters outside the accepted set never verifies.
 */
export async function verifyBackupCode(code: unknown, stored: string): Promise<boolean> {
  const canonical = normalizeBackupCode(code);
  const parsed = parseStoredHash(stored);
  if (canonical === null || parsed === null) return false;
  const key = await scryptAsync(canonical, parsed.salt, parsed.params);
  return timingSafeEqual(key, parsed.hash);
}

/**
 * The same work as a real verification, for when no row matched the lookup: without it
 * the response time would tell an attacker whether the first characters were right.
 */
export async function verifyBackupCodeDummy(code: unknown): Promise<false> {
  await scryptAsync(normalizeBackupCode(code) ?? '', randomBytes(SALT_BYTES), BACKUP_CODE_SCRYPT);
  return false;
}

function parseStoredHash(stored: unknown): { params: ScryptParams; salt: Buffer; hash: Buffer } | null {
  if (typeof stored !== 'string' || stored.length > 200) return null;
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [, nText, rText, pText, saltText, hashText] = parts;
  if (![nText, rText, pText].every((t) => /^[1-9][0-9]{0,9}$/.test(t))) return null;
  const params = { N: Number(nText), r: Number(rText), p: Number(pText) };
  if (!SCRYPT_ACCEPTED.some((a) => a.N === params.N && a.r === params.r && a.p === params.p)) return null;
  const salt = decodeBase64Url(saltText, SALT_BYTES);
  const hash = decodeBase64Url(hashText, HASH_BYTES);
  if (!salt || !hash) return null;
  return { params, salt, hash };
}

/** Strict: exact length and canonical encoding (Buffer.from silently skips bad characters). */
function decodeBase64Url(text: string, bytes: number): Buffer | null {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return null;
  const buf = Buffer.from(text, 'base64url');
  if (buf.length !== bytes || buf.toString('base64url') !== text) return null;
  return buf;
}

function scryptAsync(secret: string, salt: Buffer, { N, r, p }: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r };
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, HASH_BYTES, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}
