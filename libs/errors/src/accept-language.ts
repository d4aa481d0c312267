/** The language of every text that has no translation: catalogue messages and `@notice`. */
export const DEFAULT_LANGUAGE = 'en';

/**
 * The primary language subtags a client accepts, best first (RFC 9110 q-values; equal weights
 * keep the client's order; q=0 means "not this one"). `de-CH` counts as `de`.
 */
export function acceptedLanguages(header: string | undefined): string[] {
  if (!header) return [];
  const ranges: { tag: string; q: number; order: number }[] = [];
  header.split(',').forEach((part, order) => {
    const [range, ...params] = part.trim().split(';');
    const tag = range?.trim().toLowerCase().split('-')[0] ?? '';
    if (!/^([a-z]{1,8}|\*)$/.test(tag)) return;
    let q = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(p);
      if (m) q = Math.min(1, Number(m[1]));
    }
    ranges.push({ tag, q, order });
  });
  const refused = new Set(ranges.filter((r) => r.q === 0).map((r) => r.tag));
  const seen = new Set<string>();
  return ranges
    .filter((r) => r.q > 0 && !refused.has(r.tag))
    .sort((a, b) => b.q - a.q || a.order - b.order)
    .map((r) => r.tag)
    .filter((tag) => !seen.has(tag) && seen.add(tag));
}

/** The best of `available` for the header; the default language when none matches (or for `*`). */
export function negotiateLanguage(header: string | undefined, available: Iterable<string>): string {
  const offered = new Set(available);
  for (const tag of acceptedLanguages(header)) {
    if (tag === '*' || tag === DEFAULT_LANGUAGE) return DEFAULT_LANGUAGE;
    if (offered.has(tag)) return tag;
  }
  return DEFAULT_LANGUAGE;
}

/** A text in the default language with translations by primary language subtag. */
export interface LocalizedText {
  text: string;
  translations?: Readonly<Record<string, string>>;
}

export function inLanguage(text: LocalizedText, language: string): string {
  return text.translations?.[language] ?? text.text;
}
