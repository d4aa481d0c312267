/** C0/C1 controls, line/paragraph separators and the bidi embedding/override/isolate controls. */
export const FORBIDDEN_NAME_CHARS = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

/** Names shown in a passkey manager and an authenticator app are kept to this many code points. */
export const MAX_USER_NAME_LENGTH = 64;

export interface UserNames {
  /** WebAuthn user.name and the TOTP label: what tells accounts apart in a passkey list. */
  name: string;
  /** WebAuthn user.displayName. */
  displayName: string;
}

/**
 * The user's names from the bearer's claims: the first of `nameClaims` that holds a usable
 * string (else `sub`), and the first of `displayNameClaims` (else the name). A value is usable
 * when, after NFC and trimming, it is not empty and has no control or bidi-override characters
 * (the rule device names follow); it is cut to MAX_USER_NAME_LENGTH code points.
 */
export function userNamesFromClaims(
  claims: Record<string, unknown>,
  sub: string,
  nameClaims: string[],
  displayNameClaims: string[],
): UserNames {
  const name =
    firstUsable(claims, nameClaims) ??
    usableName(sub) ??
    bounded(sub.replace(new RegExp(FORBIDDEN_NAME_CHARS.source, 'gu'), '')) ??
    'user';
  return { name, displayName: firstUsable(claims, displayNameClaims) ?? name };
}

function firstUsable(claims: Record<string, unknown>, names: string[]): string | null {
  for (const claim of names) {
    const value = usableName(claims[claim]);
    if (value !== null) return value;
  }
  return null;
}

/** The value as a name, or null when it is not a usable one. */
export function usableName(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const text = value.normalize('NFC').trim();
  if (FORBIDDEN_NAME_CHARS.test(text)) return null;
  return bounded(text);
}

function bounded(text: string): string | null {
  const cut = [...text].slice(0, MAX_USER_NAME_LENGTH).join('').trim();
  return cut.length > 0 ? cut : null;
}
