import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import { validationFailed } from './api-error.js';

/** U+0000, or a UTF-16 surrogate without its pair. */
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what this rejects
const UNSAFE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const UNSAFE_CHARACTERS_REASON = 'must not contain U+0000 or unpaired surrogates';

/**
 * True for strings no storage may see: PostgreSQL text cannot hold U+0000, a lone surrogate has
 * no UTF-8 encoding, and SQLite would store what PostgreSQL refuses, so the dialects would differ.
 */
export function hasUnsafeCharacters(value: string): boolean {
  return UNSAFE.test(value);
}

/** The path of the first string (or object key) in `value` with unsafe characters, or null. */
export function findUnsafeField(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return hasUnsafeCharacters(value) ? path || 'value' : null;
  if (value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findUnsafeField(value[i], `${path}[${i}]`);
      if (hit !== null) return hit;
    }
    return null;
  }
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const field = path ? `${path}.${key}` : key;
    if (hasUnsafeCharacters(key)) return field;
    const hit = findUnsafeField(child, field);
    if (hit !== null) return hit;
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
