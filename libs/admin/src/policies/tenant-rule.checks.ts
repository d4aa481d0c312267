import {
  MAX_NOTICE_LENGTH,
  annotationProblems,
  readAnnotations,
  statementEffect,
  positionAtChar,
  type RuleValidationError,
} from '#policy';

/** The one answer to a tenant `permit` (see the schema's header for why). */
export const PERMIT_REFUSED = 'Tenant rules can only restrict: use forbid; the baseline grants access.';

export { MAX_NOTICE_LENGTH };

export interface TenantStatement {
  text: string;
  ruleId?: string;
  /** Index in a multi-statement text. */
  statement?: number;
  /** The text `text` was taken from, and where it starts there (for positions). */
  source?: string;
  offset?: number;
}

/**
 * What a tenant may not store even when Cedar accepts it: a `permit` (tenant rules only
 * restrict), an annotation other than @id, @notice and its translations (@notice_de, …), and a
 * notice or translation longer than a notice may be.
 */
export function tenantStatementErrors(s: TenantStatement): RuleValidationError[] {
  const errors: RuleValidationError[] = [];
  const at = (offset: number | undefined): Partial<RuleValidationError> =>
    offset === undefined ? {} : { position: positionAtChar(s.source ?? s.text, (s.offset ?? 0) + offset) };
  const label: Partial<RuleValidationError> = {
    ...(s.ruleId === undefined ? {} : { rule_id: s.ruleId }),
    ...(s.statement === undefined ? {} : { statement: s.statement }),
  };
  const effect = statementEffect(s.text);
  if (effect?.effect === 'permit') errors.push({ ...label, message: PERMIT_REFUSED, ...at(effect.offset) });
  for (const problem of annotationProblems(readAnnotations(s.text), MAX_NOTICE_LENGTH)) {
    const offset = new RegExp(`@${problem.annotation}\\s*\\(`).exec(s.text)?.index;
    errors.push({ ...label, message: problem.message, ...at(offset) });
  }
  return errors;
}

/**
 * Where each statement starts in `source`. Cedar hands statements back as exact substrings of
 * the source, in order, so each is found at or after the end of the previous one.
 */
export function statementOffsets(source: string, statements: readonly string[]): (number | undefined)[] {
  let from = 0;
  return statements.map((s) => {
    const at = source.indexOf(s, from);
    if (at === -1) return undefined;
    from = at + s.length;
    return at;
  });
}
