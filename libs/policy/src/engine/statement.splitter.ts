import { policySetTextToParts, policyToJson, type DetailedError } from '@cedar-policy/cedar-wasm/nodejs';

export type SplitResult =
  | { ok: true; statements: string[] }
  | { ok: false; errors: DetailedError[] };

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
    return { ok: false, errors: [plainError('Templates (rules with ?principal or ?resource slots) are not supported.')] };
  }
  const parts = answer.policies;
  const names = parts.map((_, i) => `policy${i}`).sort();
  const statements = new Array<string>(parts.length);
  for (let k = 0; k < parts.length; k++) statements[Number(names[k]!.slice(6))] = parts[k]!;
  return { ok: true, statements };
}

export interface StatementAnnotations {
  id?: string;
  notice?: string;
}

/** `@id` and `@notice` of one statement; a bare `@notice` (null) counts as absent. */
export function readAnnotations(statement: string): StatementAnnotations {
  const answer = policyToJson(statement);
  if (answer.type !== 'success') return {};
  const a = answer.json.annotations ?? {};
  const out: StatementAnnotations = {};
  if (typeof a['id'] === 'string') out.id = a['id'];
  if (typeof a['notice'] === 'string' && a['notice'] !== '') out.notice = a['notice'];
  return out;
}

export function plainError(message: string): DetailedError {
  return { message, help: null, code: null, url: null, severity: null };
}
