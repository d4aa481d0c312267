import { policyToJson } from '@cedar-policy/cedar-wasm/nodejs';

export interface StatementEffect {
  effect: 'permit' | 'forbid';
  /** Character offset of the `permit` / `forbid` keyword in the statement, when found. */
  offset?: number;
}

/**
 * The effect of one statement, from Cedar's own parse (undefined when it does not parse),
 * with the keyword's offset so an error can point at it.
 */
export function statementEffect(statement: string): StatementEffect | undefined {
  const answer = policyToJson(statement);
  if (answer.type !== 'success') return undefined;
  const effect = answer.json.effect;
  if (effect !== 'permit' && effect !== 'forbid') return undefined;
  const offset = effectKeywordOffset(statement);
  return offset === undefined ? { effect } : { effect, offset };
}

/**
 * Skips whitespace, `//` comments and annotations (`@name` or `@name("…")`) and returns where
 * the effect keyword starts. Only for positions: Cedar has already decided the effect.
 */
export function effectKeywordOffset(text: string): number | undefined {
  let i = skipTrivia(text, 0);
  while (text[i] === '@') {
    i++;
    while (i < text.length && /[A-Za-z0-9_]/.test(text[i])) i++;
    i = skipTrivia(text, i);
    if (text[i] === '(') {
      i = skipTrivia(text, i + 1);
      if (text[i] === '"') i = skipString(text, i);
      i = skipTrivia(text, i);
      if (text[i] !== ')') return undefined;
      i = skipTrivia(text, i + 1);
    }
  }
  return /^(permit|forbid)(?![A-Za-z0-9_])/.test(text.slice(i, i + 7)) ? i : undefined;
}

function skipTrivia(text: string, i: number): number {
  for (;;) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (text.startsWith('//', i)) {
      const eol = text.indexOf('\n', i);
      i = eol === -1 ? text.length : eol + 1;
      continue;
    }
    return i;
  }
}

/** `i` is at an opening quote; returns the index after the closing one. */
function skipString(text: string, i: number): number {
  for (i++; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i + 1;
  }
  return i;
}
