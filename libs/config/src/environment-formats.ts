import { Contains, IsArray, IsInstance, Matches, ValidateIf, ValidateNested } from 'class-validator';
import { databaseUrlProblem } from './database-url.js';
import { Check, EnvParsed, EnvString } from './environment.decorators.js';

// The formats of Tessera's own variables (URLs, keys, lists), as Environment property decorators.

/** A JWT claim name: letters, digits and _.:/- (so URIs too), 1–100 characters. */
export const CLAIM_NAME = /^[A-Za-z0-9_.:/-]{1,100}$/;

/** A URL that is https, or http on the loopback interface (local identity providers, tests). */
export function EnvSecureUrl(): PropertyDecorator {
  const secure = (url: URL) => url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname));
  return EnvParsed(
    (raw) => URL.parse(raw) ?? raw,
    IsInstance(URL, { message: (args) => `${args.property} is not a URL (got "${String(args.value)}")` }),
    Check('isSecureUrl', (url: URL, property) =>
      secure(url) ? undefined : `${property} must be https (http only for localhost)`,
    ),
  );
}

/** An http(s) URL without query, fragment or credentials, held without its trailing slash. */
export function EnvBaseUrl(): PropertyDecorator {
  return EnvParsed(
    (raw) => baseUrl(raw) ?? raw,
    Check('isBaseUrl', (url: string, property) =>
      baseUrl(url) === undefined
        ? `${property} must be an http(s) base URL without query, fragment or credentials, like https://mfa.example.com (got "${url}")`
        : undefined,
    ),
  );
}

function baseUrl(raw: string): string | undefined {
  const url = URL.parse(raw);
  if (!url || !['http:', 'https:'].includes(url.protocol)) return undefined;
  if (url.search || url.hash || url.username || url.password) return undefined;
  return url.href.replace(/\/+$/, '');
}

/** sqlite:<path> or postgres://… (see database-url.ts). */
export function EnvDatabaseUrl(): PropertyDecorator {
  return EnvString(Check('isDatabaseUrl', databaseUrlProblem));
}

/** Up to 5 claim names, comma-separated, tried in order. */
export function EnvClaimList(): PropertyDecorator {
  // A list that is not one stays the string: the problem quotes it as written.
  const claimNames = (raw: string): string[] | string => {
    const names = raw.split(',').map((name) => name.trim());
    return names.length <= 5 && names.every((name) => CLAIM_NAME.test(name)) ? names : raw;
  };
  return EnvParsed(
    claimNames,
    IsArray({
      message: (args) =>
        `${args.property} must be up to 5 comma-separated claim names of letters, digits and _.:/- (got "${String(args.value)}")`,
    }),
  );
}

/** One CORS_ORIGINS entry, checked on its own so that each bad entry is a problem of its own. */
export class CorsOrigin {
  @Check('isBareOrigin', corsOriginProblem)
  readonly origin: string;

  constructor(origin: string) {
    this.origin = origin;
  }
}

function corsOriginProblem(origin: string): string | undefined {
  const url = URL.parse(origin);
  if (!url) return `CORS_ORIGINS entry "${origin}" is not a URL`;
  if (url.origin !== origin) return `CORS_ORIGINS entry "${origin}" must be a bare origin like https://app.example.com`;
  return undefined;
}

/** Comma-separated bare origins (https://app.example.com), blank entries skipped. */
export function EnvCorsOrigins(): PropertyDecorator {
  const entries = (raw: string) =>
    raw
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean)
      .map((origin) => new CorsOrigin(origin));
  return EnvParsed(entries, ValidateNested({ each: true }));
}

/** Express `trust proxy`: true/false, a hop count, or addresses and subnets. */
export function EnvTrustProxy(): PropertyDecorator {
  const setting = (raw: string): boolean | number | string => {
    if (/^(true|false)$/i.test(raw)) return raw.toLowerCase() === 'true';
    if (/^\d+$/.test(raw)) return Number(raw);
    return raw;
  };
  return EnvParsed(
    setting,
    ValidateIf((_env: object, value: unknown) => typeof value === 'string'),
    Matches(/^[0-9a-fA-F:.,/ a-z]+$/, {
      message: (args) =>
        `${args.property} must be true, false, a hop count, or a list of addresses/subnets (loopback, 10.0.0.0/8, …)`,
    }),
  );
}

/** A secret at least `min` long, in UTF-8 bytes or in characters (UTF-16 code units). */
export function EnvSecret(min: number, unit: 'bytes' | 'characters', why = ''): PropertyDecorator {
  const size = (secret: string) => (unit === 'bytes' ? Buffer.byteLength(secret) : secret.length);
  return EnvString(
    Check('isLongEnough', (secret: string, property) =>
      size(secret) >= min ? undefined : `${property} must be at least ${min} ${unit}${why}`,
    ),
  );
}

/** A 32-byte key (AES-256), as 64 hex characters or base64. */
export function EnvKey32(): PropertyDecorator {
  return EnvParsed(
    (raw) => Buffer.from(raw, /^[0-9a-fA-F]{64}$/.test(raw) ? 'hex' : 'base64'),
    Check('is32Bytes', (key: Buffer, property) =>
      key.length === 32 ? undefined : `${property} must be 32 bytes, as 64 hex characters or base64`,
    ),
  );
}

/** A PEM of the given label, whose line breaks may be written as \n (one-line environments). */
export function EnvPem(label: 'PRIVATE KEY' | 'PUBLIC KEY', format: string): PropertyDecorator {
  return EnvParsed(
    (raw) => raw.replace(/\\n/g, '\n'),
    Contains(`BEGIN ${label}`, {
      message: (args) => `${args.property} must be ${format} PEM (-----BEGIN ${label}-----)`,
    }),
  );
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}
