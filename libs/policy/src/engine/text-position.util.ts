import type { RulePosition } from './engine.types.js';

/**
 * Cedar reports source offsets in UTF-8 bytes; JS strings count UTF-16 units.
 * Converts a byte offset into `{offset, line, column}` (offset in characters, 1-based line/column).
 */
export function positionAt(text: string, byteOffset: number): RulePosition {
  return positionAtChar(text, byteToCharOffset(text, byteOffset));
}

function byteToCharOffset(text: string, byteOffset: number): number {
  let bytes = 0;
  let i = 0;
  while (i < text.length && bytes < byteOffset) {
    const code = text.codePointAt(i)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    i += code >= 0x10000 ? 2 : 1;
  }
  return i;
}

/** `{offset, line, column}` of a character offset (UTF-16 units) into `text`. */
export function positionAtChar(text: string, charOffset: number): RulePosition {
  const offset = Math.max(0, Math.min(charOffset, text.length));
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset, line, column: offset - lineStart + 1 };
}
