import { policySetTextToParts, policyToJson, type DetailedError } from '@cedar-policy/cedar-wasm/nodejs';

export type SplitResult = { ok: true; statements: string[] } | { ok: false; errors: DetailedError[] };

/**
 * Splits a Cedar text into its statements, in source order.
 *
 * `policySetTextToParts` names the statements `policy0, policy1, …` and returns them sorted
 * by that name as a string (`policy0, policy1, policy10, policy11, …, policy2`), so part k is
 * the statement whose index comes k-th in that string order. Templates share the counter and
 * would shift it, so they are refused (we have no use for them).
 */
export function splitStatements(text: string): SplitResult {
  const answer = policySetTextToParts(text);
  if (answer.type !== 'success') return { ok: false, errors: answer.errors };
  if (answer.policy_templates.length > 0) {
    return {
      ok: false,
      errors: [plainError('Templates (rules with ?principal or ?resource slots) are not supported.')],
    };
  }
  const parts = answer.policies;
  const names = parts.map((_, i) => `policy${i}`).sort();
  const statements = new Array<string>(parts.length);
  for (let k = 0; k < parts.length; k++) statements[Number(names[k].slice(6))] = parts[k]!;
  return { ok: true, statements };
}

export interface StatementAnnotations {
  id?: string;
  notice?: string;
  /** `@notice_de("…")` and the like, by language (BCP 47 primary subtag). */
  translations?: Record<string, string>;
  /** Every annotation as written (bare ones as null), for validation. */
  all?: Record<string, string | null>;
}

/** `@notice_<language>`: a translation of `@notice` (the language a BCP 47 primary subtag, lower case). */
export const TRANSLATED_NOTICE = /^notice_([a-z]{2,3})$/;

/** `@id`, `@notice` and its translations of one statement; a bare or empty annotation counts as absent. */
export function readAnnotations(statement: string): StatementAnnotations {
  const answer = policyToJson(statement);
  if (answer.type !== 'success') return {};
  const a = answer.json.annotations ?? {};
  const out: StatementAnnotations = { all: { ...a } };
  if (typeof a['id'] === 'string') out.id = a['id'];
  if (typeof a['notice'] === 'string' && a['notice'] !== '') out.notice = a['notice'];
  for (const [name, value] of Object.entries(a)) {
    const language = TRANSLATED_NOTICE.exec(name)?.[1];
    if (language && typeof value === 'string' && value !== '') (out.translations ??= {})[language] = value;
  }
  return out;
}

/** Problems with a statement's annotations: unknown names, translations without `@notice`, lengths. */
export function annotationProblems(
  annotations: StatementAnnotations,
  maxNoticeLength: number,
): { annotation: string; message: string }[] {
  const problems: { annotation: string; message: string }[] = [];
  for (const [name, value] of Object.entries(annotations.all ?? {})) {
    if (name !== 'id' && name !== 'notice' && !TRANSLATED_NOTICE.test(name)) {
      problems.push({
        annotation: name,
        message: `Unknown annotation @${name}: rules take @id, @notice and translations such as @notice_de.`,
      });
    } else if (name !== 'id' && typeof value === 'string' && value.length > maxNoticeLength) {
      problems.push({
        annotation: name,
        message: `The @${name} annotation is longer than ${maxNoticeLength} characters.`,
      });
    }
  }
  if (annotations.translations && annotations.notice === undefined) {
    problems.push({
      annotation: Object.keys(annotations.translations).map((l) => `notice_${l}`)[0],
      message: 'A translated notice needs a default @notice("…") too.',
    });
  }
  return problems;
}

export function plainError(message: string): DetailedError {
  return { message, help: null, code: null, url: null, severity: null };
}
