/**
 * Whether a ceremony's clientData is acceptable as to where it ran. A ceremony in a cross-origin
 * iframe (`crossOrigin: true`, or any `topOrigin`) lets the embedding page drive it, so it is
 * refused unless the tenant lists that top origin in `allowed_top_origins`. WebAuthn sets
 * `topOrigin` only together with `crossOrigin: true`, so a `topOrigin` beside `crossOrigin: false`
 * (or none) is a contradiction and refused even when listed, as is `crossOrigin: true` without a
 * `topOrigin` (nothing to check against the list): registration and assertion answer alike.
 */
export function crossOriginAllowed(clientData: Record<string, unknown>, allowedTopOrigins: readonly string[]): boolean {
  const { crossOrigin, topOrigin } = clientData;
  if ((crossOrigin === undefined || crossOrigin === false) && topOrigin === undefined) return true;
  return crossOrigin === true && typeof topOrigin === 'string' && allowedTopOrigins.includes(topOrigin);
}

/** clientDataJSON (base64url) parsed as an object, or null. */
export function parseClientDataJson(b64url: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(b64url, 'base64url').toString('utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
