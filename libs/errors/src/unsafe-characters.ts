import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import { validationFailed } from './api-error.js';

export const UNSAFE_CHARACTERS_REASON = 'must not contain U+0000 or unpaired surrogates';

/**
 * True for strings no storage may see: PostgreSQL text cannot hold U+0000, a lone surrogate has
 * no UTF-8 encoding, and SQLite would store what PostgreSQL refuses, so the dialects would differ.
 * (`isWellFormed` is false exactly when a string holds an unpaired surrogate.)
 */
export function hasUnsafeCharacters(value: string): boolean {
  return value.includes('\u0000') || !value.isWellFormed();
}

/** The path of the first string (or object key) in `value` with unsafe characters, or null. */
export function findUnsafeField(value: unknown, path = ''): string | null {
  const hit = firstUnsafe(value);
  if (hit === null) return null;
  return (
    hit.reduce<string>(
      (at, step) => (typeof step === 'number' ? `${at}[${step}]` : at ? `${at}.${step}` : step),
      path,
    ) || 'value'
  );
}

/** The steps (keys, indexes) to the first unsafe string or key, innermost last; null when none. */
function firstUnsafe(value: unknown): (string | number)[] | null {
  if (typeof value === 'string') return hasUnsafeCharacters(value) ? [] : null;
  if (value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = firstUnsafe(value[i]);
      if (hit !== null) return (hit.unshift(i), hit);
    }
    return null;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    if (hasUnsafeCharacters(key)) return [key];
    const hit = firstUnsafe(record[key]);
    if (hit !== null) return (hit.unshift(key), hit);
  }
  return null;
}

/**
 * The one check for every body, query and path parameter a handler receives (a global pipe,
 * ahead of validation): 400 validation_failed naming the field, before any DTO or storage sees it.
 */
export class RejectUnsafeCharactersPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const field = findUnsafeField(value, metadata.data ?? '');
    if (field !== null) throw validationFailed([{ field, reason: UNSAFE_CHARACTERS_REASON }]);
    return value;
  }
}
