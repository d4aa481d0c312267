import { ApiError, validationFailed } from '#errors';
import { assembleRule, readAnnotations, type PolicyAction, type RuleFields, type ScopeFields } from '#policy';

/** The structured form of a rule, as stored (the notice is kept beside it, not in it). */
export interface StructuredRule {
  effect: 'permit' | 'forbid';
  principal?: ScopeFields;
  action?: PolicyAction | PolicyAction[];
  resource?: ScopeFields;
  conditions?: string[];
}

/** A rule as an admin sends it: `policy_text`, or structured fields; plus a notice. */
export interface RuleInput {
  policy_text?: string;
  effect?: 'permit' | 'forbid';
  principal?: ScopeFields;
  action?: PolicyAction | PolicyAction[];
  resource?: ScopeFields;
  conditions?: string[];
  /** null clears it (a text rule then falls back to its @notice annotation). */
  notice?: string | null;
}

export interface StoredRule {
  policyText: string;
  structured: Record<string, unknown> | null;
  /** The stored (effective) notice. */
  notice: string | null;
}

export interface RuleDraft {
  /** The Cedar statement to validate and store. */
  text: string;
  structured: StructuredRule | null;
  /** The notice shown on a denial: the explicit one, else the text's @notice annotation. */
  notice: string | null;
}

const STRUCTURED_FIELDS = ['effect', 'principal', 'action', 'resource', 'conditions'] as const;

/**
 * Turns a create (no `existing`) or patch input into the statement to store. Text and
 * structured fields are exclusive; a structured rule is assembled with its notice as an
 * `@notice` annotation, so its `policy_text` reads the same as the decision it makes.
 * Nothing here checks the statement against the schema: the caller validates the result.
 */
export function draftRule(input: RuleInput, existing?: StoredRule): RuleDraft {
  const structuredGiven = STRUCTURED_FIELDS.filter((f) => input[f] !== undefined);
  if (input.policy_text !== undefined && structuredGiven.length > 0) {
    throw validationFailed(
      structuredGiven.map((f) => ({
        field: f,
        reason: 'cannot be combined with policy_text: send either the Cedar text or structured fields',
      })),
    );
  }
  if (input.policy_text !== undefined) {
    // An explicit notice wins, then the new text's @notice, then a notice set explicitly before.
    const annotated = readAnnotations(input.policy_text).notice ?? null;
    const notice = input.notice !== undefined ? (input.notice ?? annotated) : (annotated ?? explicitNotice(existing));
    return { text: input.policy_text, structured: null, notice };
  }
  if (!existing && structuredGiven.length === 0) {
    throw validationFailed([
      {
        field: 'policy_text',
        reason: 'policy_text or structured fields (effect, principal, action, resource, conditions) are required',
      },
    ]);
  }

  const base = existing?.structured ? (existing.structured as unknown as StructuredRule) : undefined;
  if (structuredGiven.length > 0 || base) {
    const merged: StructuredRule = { ...(base ?? {}), ...pick(input) } as StructuredRule;
    if (merged.effect === undefined) {
      throw validationFailed([{ field: 'effect', reason: 'is required when the rule is given as structured fields' }]);
    }
    const notice = input.notice !== undefined ? input.notice : (existing?.notice ?? null);
    return { text: assemble(merged, notice), structured: merged, notice };
  }

  // A text rule whose notice alone may change: the text stays as written.
  const text = existing!.policyText;
  const notice = input.notice !== undefined ? (input.notice ?? readAnnotations(text).notice ?? null) : existing!.notice;
  return { text, structured: null, notice };
}

/** The notice an admin set on a stored rule, as opposed to one read from its text. */
function explicitNotice(existing: StoredRule | undefined): string | null {
  if (!existing || existing.notice === null) return null;
  if (existing.structured) return existing.notice;
  return existing.notice === (readAnnotations(existing.policyText).notice ?? null) ? null : existing.notice;
}

function pick(input: RuleInput): Partial<StructuredRule> {
  const out: Partial<StructuredRule> = {};
  for (const f of STRUCTURED_FIELDS) if (input[f] !== undefined) (out as Record<string, unknown>)[f] = input[f];
  return out;
}

function assemble(fields: StructuredRule, notice: string | null): string {
  const ruleFields: RuleFields = { ...fields, ...(notice === null ? {} : { notice }) };
  try {
    return assembleRule(ruleFields);
  } catch (err) {
    if (err instanceof ApiError && err.code === 'policy_invalid') {
      const reason = typeof err.details?.['reason'] === 'string' ? err.details['reason'] : err.message;
      throw new ApiError('policy_invalid', err.message, { details: { errors: [{ message: reason }] } });
    }
    throw err;
  }
}
