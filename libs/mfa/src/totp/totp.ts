/**
 * RFC 6238 TOTP, as authenticator apps implement it: SHA-1, 6 digits, 30-second steps, base32
 * secrets of 160 bits. Pure functions over otplib; the caller supplies the time.
 */
import { generateSecret, generateURI, verifySync } from 'otplib';

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Accepted drift: one step either side (a code from the previous or next 30 s). */
export const TOTP_TOLERANCE_STEPS = 1;
const SECRET_BYTES = 20;

export function newTotpSecret(): string {
  return generateSecret({ length: SECRET_BYTES });
}

/** otpauth://totp/<issuer>:<account>?secret=…&issuer=… for a QR code. */
export function totpUri(input: { issuer: string; account: string; secret: string }): string {
  return generateURI({
    issuer: input.issuer,
    label: input.account,
    secret: input.secret,
    algorithm: 'sha1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
  });
}

/**
 * The time step of `code` when it is valid at `now` (±1 step) and later than `afterTimeStep`
 * (a step already used never verifies again); otherwise null.
 */
export function matchTotp(secret: string, code: string, now: Date, afterTimeStep: number | null): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const result = verifySync({
    secret,
    token: code,
    algorithm: 'sha1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    epoch: Math.floor(now.getTime() / 1000),
    epochTolerance: TOTP_PERIOD_SECONDS * TOTP_TOLERANCE_STEPS,
    ...(afterTimeStep === null ? {} : { afterTimeStep }),
  });
  // The TOTP strategy reports the matched time step (the HOTP half of the union does not).
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}
