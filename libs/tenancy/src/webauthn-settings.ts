import { parse } from 'tldts';
import type { FieldError } from '#errors';
import type {
  AttestationByMethod,
  AttestationConveyance,
  EffectiveWebAuthnSettings,
  PasskeyHint,
  WebAuthnSettings,
} from '#persistence';

export const WEBAUTHN_ALGORITHMS = [-7, -8, -257] as const; // ES256, EdDSA, RS256
export const ATTESTATION_CONVEYANCES = [
  'none',
  'direct',
  'enterprise',
] as const satisfies readonly AttestationConveyance[];
export const DEFAULT_TIMEOUT_MS = 300_000;
export const MIN_TIMEOUT_MS = 30_000;
export const MAX_TIMEOUT_MS = 600_000;
/** Passkeys ask for no attestation (platforms rarely give one); security keys are asked for it. */
export const DEFAULT_ATTESTATION = {
  webauthn_passkey: 'none',
  webauthn_fido: 'direct',
} as const satisfies AttestationByMethod;
/** A change to a user's factors needs a proof of a factor at most this old (seconds). */
export const DEFAULT_STEP_UP_MAX_AGE_SECONDS = 300;
export const MIN_STEP_UP_MAX_AGE_SECONDS = 60;
export const MAX_STEP_UP_MAX_AGE_SECONDS = 3600;
/** WebAuthn Related Origin Requests: clients honour at least this many registrable-domain labels. */
export const MAX_RELATED_ORIGIN_LABELS = 5;
/** WebAuthn L3 hints a tenant may ask for when passkeys are used ("security-key" is for security keys). */
export const PASSKEY_HINTS = ['client-device', 'hybrid'] as const satisfies readonly PasskeyHint[];
/**
 * An Android app's origin in clientDataJSON: the base64url (unpadded) SHA-256 of the app's
 * signing certificate, 32 bytes = 43 characters. iOS apps use associated domains (https origins).
 */
export const ANDROID_ORIGIN = /^android:apk-key-hash:[A-Za-z0-9_-]{43}$/;

export function isAndroidOrigin(origin: string): boolean {
  return origin.startsWith('android:');
}

const HOST_RE = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * WebAuthn relying-party settings must be coherent or every ceremony fails later:
 * origins are https (http only for localhost), and the rp id is the host of each origin
 * or a registrable suffix of it. Origins on other sites go in `related_origins`: browsers accept
 * them only when https://<rp id>/.well-known/webauthn lists them, and count at most
 * MAX_RELATED_ORIGIN_LABELS distinct registrable-domain labels in that list.
 */
export function validateWebAuthnSettings(input: WebAuthnSettings, path = 'webauthn'): FieldError[] {
  const errors: FieldError[] = [];
  const rpId = input.rp_id.toLowerCase();
  checkRpId(rpId, path, errors);
  checkOrigins(input.origins, rpId, path, errors);
  checkRelatedOrigins(input.related_origins ?? [], rpId, path, errors);
  checkTopOrigins(input.allowed_top_origins ?? [], path, errors);
  // Label counting needs well-formed origins: only once everything above holds.
  if (errors.length === 0) checkRelatedOriginLabels(input, path, errors);
  checkCeremonyOptions(input, path, errors);
  return errors;
}

type Problems = FieldError[];

function checkRpId(rpId: string, path: string, errors: Problems): void {
  if (!HOST_RE.test(rpId) || /^\d+(\.\d+){3}$/.test(rpId)) {
    errors.push({ field: `${path}.rp_id`, reason: 'must be a domain name (not an IP address or URL)' });
  } else if (rpId !== 'localhost' && !registrableDomain(rpId)) {
    errors.push({
      field: `${path}.rp_id`,
      reason: 'must be a registrable domain or a subdomain of one, not a public suffix',
    });
  }
}

function checkOrigins(origins: string[], rpId: string, path: string, errors: Problems): void {
  origins.forEach((origin, i) => {
    const field = `${path}.origins[${i}]`;
    if (isAndroidOrigin(origin)) {
      if (!ANDROID_ORIGIN.test(origin)) {
        errors.push({
          field,
          reason:
            'an Android app origin must be android:apk-key-hash: and the base64url SHA-256 of the signing certificate (43 characters, no padding)',
        });
      }
      return;
    }
    const url = parseOrigin(origin, field, errors);
    if (!url) return;
    if (!secureOrLocalhost(url)) {
      errors.push({ field, reason: 'must use https (http is allowed only for localhost)' });
    }
    if (!sameSite(url.hostname, rpId)) {
      errors.push({ field, reason: `host must be ${rpId} or a subdomain of it` });
    }
  });
}

function checkRelatedOrigins(origins: string[], rpId: string, path: string, errors: Problems): void {
  origins.forEach((origin, i) => {
    const field = `${path}.related_origins[${i}]`;
    const url = parseOrigin(origin, field, errors);
    if (!url) return;
    if (url.protocol !== 'https:') errors.push({ field, reason: 'must use https' });
    else if (sameSite(url.hostname, rpId)) errors.push({ field, reason: `is on ${rpId} itself: list it in origins` });
    else if (!registrableDomain(url.hostname))
      errors.push({ field, reason: 'host must be a domain name under a registrable domain' });
  });
}

/** Validated like origins, on any site: the page that embeds the ceremony is another site's. */
function checkTopOrigins(origins: string[], path: string, errors: Problems): void {
  origins.forEach((origin, i) => {
    const field = `${path}.allowed_top_origins[${i}]`;
    const url = parseOrigin(origin, field, errors);
    if (url && !secureOrLocalhost(url)) {
      errors.push({ field, reason: 'must use https (http is allowed only for localhost)' });
    }
  });
}

function checkRelatedOriginLabels(input: WebAuthnSettings, path: string, errors: Problems): void {
  if (!input.related_origins?.length) return;
  const labels = labelsOf([...webOrigins(input.origins), ...input.related_origins]);
  if (labels.size > MAX_RELATED_ORIGIN_LABELS) {
    errors.push({
      field: `${path}.related_origins`,
      reason: `origins may span at most ${MAX_RELATED_ORIGIN_LABELS} registrable-domain labels (got ${labels.size}: ${[...labels].join(', ')}); browsers ignore the rest`,
    });
  }
}

function checkCeremonyOptions(input: WebAuthnSettings, path: string, errors: Problems): void {
  if (input.timeout_ms !== undefined && !integerWithin(input.timeout_ms, MIN_TIMEOUT_MS, MAX_TIMEOUT_MS)) {
    errors.push({
      field: `${path}.timeout_ms`,
      reason: `must be an integer from ${MIN_TIMEOUT_MS} to ${MAX_TIMEOUT_MS} milliseconds`,
    });
  }
  if (input.algorithms !== undefined && !distinctAmong(input.algorithms, WEBAUTHN_ALGORITHMS, 1)) {
    errors.push({
      field: `${path}.algorithms`,
      reason: `must be distinct COSE algorithm ids among ${WEBAUTHN_ALGORITHMS.join(', ')} (ES256, EdDSA, RS256), at least one`,
    });
  }
  const maxAge = input.step_up_max_age_seconds;
  if (maxAge !== undefined && !integerWithin(maxAge, MIN_STEP_UP_MAX_AGE_SECONDS, MAX_STEP_UP_MAX_AGE_SECONDS)) {
    errors.push({
      field: `${path}.step_up_max_age_seconds`,
      reason: `must be an integer from ${MIN_STEP_UP_MAX_AGE_SECONDS} to ${MAX_STEP_UP_MAX_AGE_SECONDS} seconds`,
    });
  }
  checkAttestation(input.attestation, path, errors);
  if (input.hints_passkey !== undefined && !distinctAmong(input.hints_passkey, PASSKEY_HINTS, 0)) {
    errors.push({
      field: `${path}.hints_passkey`,
      reason: `must be distinct values among ${PASSKEY_HINTS.join(', ')}`,
    });
  }
}

function checkAttestation(attestation: WebAuthnSettings['attestation'], path: string, errors: Problems): void {
  for (const [method, value] of Object.entries((attestation ?? {}) as Record<string, unknown>)) {
    if (!(method in DEFAULT_ATTESTATION))
      errors.push({ field: `${path}.attestation.${method}`, reason: 'must be webauthn_passkey or webauthn_fido' });
    else if (!(ATTESTATION_CONVEYANCES as readonly unknown[]).includes(value))
      errors.push({
        field: `${path}.attestation.${method}`,
        reason: `must be one of ${ATTESTATION_CONVEYANCES.join(', ')}`,
      });
  }
}

function secureOrLocalhost(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && url.hostname === 'localhost');
}

function integerWithin(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

/** Each value once, every value known, and at least `min` of them. */
function distinctAmong<T>(values: readonly T[], known: readonly T[], min: number): boolean {
  return values.length >= min && new Set(values).size === values.length && values.every((v) => known.includes(v));
}

export function normalizeOrigins(origins: string[]): string[] {
  return [...new Set(origins.map((o) => (isAndroidOrigin(o) ? o : new URL(o).origin)))];
}

/** The https/http origins, without app origins (which have no host and no /.well-known document). */
export function webOrigins(origins: string[]): string[] {
  return origins.filter((o) => !isAndroidOrigin(o));
}

/** Normalized, validated-shape settings as stored (defaults are not written, so they can evolve). */
export function normalizeSettings(input: WebAuthnSettings): WebAuthnSettings {
  return {
    rp_id: input.rp_id.toLowerCase(),
    rp_name: input.rp_name,
    origins: normalizeOrigins(input.origins),
    ...(input.related_origins !== undefined ? { related_origins: normalizeOrigins(input.related_origins) } : {}),
    ...(input.allowed_top_origins !== undefined
      ? { allowed_top_origins: normalizeOrigins(input.allowed_top_origins) }
      : {}),
    ...(input.timeout_ms !== undefined ? { timeout_ms: input.timeout_ms } : {}),
    ...(input.algorithms !== undefined ? { algorithms: [...input.algorithms] } : {}),
    ...(input.attestation !== undefined ? { attestation: { ...input.attestation } } : {}),
    ...(input.hints_passkey !== undefined ? { hints_passkey: [...input.hints_passkey] } : {}),
    ...(input.step_up_max_age_seconds !== undefined ? { step_up_max_age_seconds: input.step_up_max_age_seconds } : {}),
  };
}

export function effectiveSettings(stored: WebAuthnSettings): EffectiveWebAuthnSettings {
  return {
    rp_id: stored.rp_id,
    rp_name: stored.rp_name,
    origins: [...stored.origins],
    related_origins: [...(stored.related_origins ?? [])],
    allowed_top_origins: [...(stored.allowed_top_origins ?? [])],
    timeout_ms: stored.timeout_ms ?? DEFAULT_TIMEOUT_MS,
    algorithms: [...(stored.algorithms ?? WEBAUTHN_ALGORITHMS)],
    attestation: { ...DEFAULT_ATTESTATION, ...stored.attestation },
    hints_passkey: [...(stored.hints_passkey ?? [])],
    step_up_max_age_seconds: stored.step_up_max_age_seconds ?? DEFAULT_STEP_UP_MAX_AGE_SECONDS,
  };
}

/**
 * The origins of a /.well-known/webauthn document, in order, keeping only those a client will
 * consider: an origin whose label would be the (MAX+1)th distinct one is dropped, as clients do.
 */
export function relatedOriginsDocument(origins: string[]): string[] {
  const labels = new Set<string>();
  const out: string[] = [];
  for (const origin of new Set(webOrigins(origins))) {
    const label = labelOf(new URL(origin).hostname);
    if (!labels.has(label) && labels.size >= MAX_RELATED_ORIGIN_LABELS) continue;
    labels.add(label);
    out.push(origin);
  }
  return out;
}

function parseOrigin(origin: string, field: string, errors: FieldError[]): URL | null {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    errors.push({ field, reason: 'must be an origin such as https://app.example.com' });
    return null;
  }
  if (url.origin !== origin.replace(/\/$/, '')) {
    errors.push({ field, reason: 'must be a bare origin (scheme, host and optional port)' });
    return null;
  }
  return url;
}

function sameSite(host: string, rpId: string): boolean {
  return host === rpId || host.endsWith(`.${rpId}`);
}

/**
 * The rp id a set of origins can share: their common registrable domain (public-suffix aware, so
 * app.acme.co.uk and admin.acme.co.uk give acme.co.uk). Hosts without one (localhost) qualify
 * only when they are all the same host. Null when there is none (different sites, IP addresses).
 */
export function sharedRegistrableDomain(hosts: readonly string[]): string | null {
  if (hosts.length === 0) return null;
  const domains = new Set(
    hosts.map((h) => registrableDomain(h.toLowerCase()) ?? (parse(h).isIp ? '' : `host:${h.toLowerCase()}`)),
  );
  if (domains.size !== 1) return null;
  const [only] = domains as unknown as [string];
  if (only === '') return null;
  return only.startsWith('host:') ? only.slice('host:'.length) : only;
}

function registrableDomain(host: string): string | null {
  const parsed = parse(host, { allowPrivateDomains: true });
  return parsed.isIp ? null : parsed.domain;
}

/** The registrable domain without its public suffix ("example" for shop.example.co.uk). */
function labelOf(host: string): string {
  return parse(host, { allowPrivateDomains: true }).domainWithoutSuffix ?? host;
}

function labelsOf(origins: string[]): Set<string> {
  return new Set(origins.map((o) => labelOf(new URL(o).hostname)));
}
