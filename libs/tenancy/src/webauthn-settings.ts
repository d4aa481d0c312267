import type { FieldError } from '../../errors/src/index.js';

export interface WebAuthnSettingsInput {
  rp_id: string;
  rp_name: string;
  origins: string[];
}

const HOST_RE = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * WebAuthn relying-party settings must be coherent or every ceremony fails later:
 * origins are https (http only for localhost), and the rp id is the host of each origin
 * or a registrable suffix of it.
 */
export function validateWebAuthnSettings(input: WebAuthnSettingsInput, path = 'webauthn'): FieldError[] {
  const errors: FieldError[] = [];
  const rpId = input.rp_id.toLowerCase();
  if (!HOST_RE.test(rpId) || /^\d+(\.\d+){3}$/.test(rpId)) {
    errors.push({ field: `${path}.rp_id`, reason: 'must be a domain name (not an IP address or URL)' });
  }
  input.origins.forEach((origin, i) => {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      errors.push({ field: `${path}.origins[${i}]`, reason: 'must be an origin such as https://app.example.com' });
      return;
    }
    if (url.origin !== origin.replace(/\/$/, '')) {
      errors.push({ field: `${path}.origins[${i}]`, reason: 'must be a bare origin (scheme, host and optional port)' });
      return;
    }
    const localhost = url.hostname === 'localhost';
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && localhost)) {
      errors.push({ field: `${path}.origins[${i}]`, reason: 'must use https (http is allowed only for localhost)' });
    }
    if (url.hostname !== rpId && !url.hostname.endsWith(`.${rpId}`)) {
      errors.push({ field: `${path}.origins[${i}]`, reason: `host must be ${rpId} or a subdomain of it` });
    }
  });
  return errors;
}

export function normalizeOrigins(origins: string[]): string[] {
  return [...new Set(origins.map((o) => new URL(o).origin))];
}
