import shipped from './aaguid-names.json' with { type: 'json' };

export interface AuthenticatorModelName {
  name: string;
  /** A data: URL, when the source has one. */
  icon?: string;
}

interface AaguidNamesFile {
  aaguids: Record<string, { name: string; icon?: string }>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Reads an aaguid-names file, keeping well-formed entries only (lower-case AAGUID → name). */
export function parseAaguidNames(file: unknown): Map<string, AuthenticatorModelName> {
  const out = new Map<string, AuthenticatorModelName>();
  const aaguids = (file as Partial<AaguidNamesFile> | null)?.aaguids;
  if (!aaguids || typeof aaguids !== 'object') return out;
  for (const [aaguid, value] of Object.entries(aaguids)) {
    const key = aaguid.toLowerCase();
    if (
      !UUID.test(key) ||
      key === '00000000-0000-0000-0000-000000000000' ||
      typeof value?.name !== 'string' ||
      value.name.trim() === ''
    )
      continue;
    out.set(key, {
      name: value.name.trim(),
      ...(typeof value.icon === 'string' && value.icon.startsWith('data:') ? { icon: value.icon } : {}),
    });
  }
  return out;
}

/** The names the project ships (libs/mfa/src/metadata/aaguid-names.json). */
export const SHIPPED_AAGUID_NAMES: ReadonlyMap<string, AuthenticatorModelName> = parseAaguidNames(shipped);
