import { validate, type DetailedError } from '@cedar-policy/cedar-wasm/nodejs';
import type { RuleValidationError, RuleValidationResult } from './engine.types.js';
import { splitStatements } from './statement.splitter.js';
import { positionAt } from './text-position.util.js';

/** Cedar repeats one mistake once per request environment; keep a readable amount. */
const MAX_ERRORS_PER_RULE = 20;

/**
 * Validates tenant rules: each must be exactly one statement that parses and passes strict
 * validation against the schema. Positions are relative to the rule's own text.
 */
export function validateRules(
  schemaText: string,
  rules: readonly { id: string; text: string }[],
): RuleValidationResult {
  const errors: RuleValidationError[] = [];
  const seen = new Set<string>();
  const toValidate: Record<string, string> = {};
  const byKey = new Map<string, { id: string; text: string }>();

  rules.forEach((rule, i) => {
    if (seen.has(rule.id)) errors.push({ rule_id: rule.id, message: 'Duplicate rule id.' });
    seen.add(rule.id);
    const split = splitStatements(rule.text);
    if (!split.ok) {
      errors.push(...split.errors.map((e) => fromDetailed(rule, e)));
      return;
    }
    if (split.statements.length !== 1) {
      const n = split.statements.length;
      errors.push({
        rule_id: rule.id,
        message: n === 0 ? 'The rule contains no statement.' : `A rule must be exactly one statement; found ${n}.`,
      });
      return;
    }
    const key = `r${i}`;
    toValidate[key] = rule.text;
    byKey.set(key, rule);
  });

  if (byKey.size > 0) {
    const answer = validate({ schema: schemaText, policies: { staticPolicies: toValidate }, validationSettings: { mode: 'strict' } });
    if (answer.type !== 'success') {
      errors.push(...answer.errors.map((e) => ({ message: e.message })));
    } else {
      const perRule = new Map<string, Set<string>>();
      for (const v of answer.validationErrors) {
        const rule = byKey.get(v.policyId);
        const mapped = rule ? fromDetailed(rule, v.error, v.policyId) : { message: v.error.message };
        const dedupeKey = `${mapped.message}@${mapped.position?.offset ?? ''}`;
        const seenForRule = perRule.get(v.policyId) ?? new Set<string>();
        perRule.set(v.policyId, seenForRule);
        if (seenForRule.has(dedupeKey) || seenForRule.size >= MAX_ERRORS_PER_RULE) continue;
        seenForRule.add(dedupeKey);
        errors.push(mapped);
      }
    }
  }
  return errors.length === 0 ? { ok: true } : { ok: false, errors };
}

function fromDetailed(rule: { id: string; text: string }, e: DetailedError, key?: string): RuleValidationError {
  let message = e.message;
  // "for policy `r3`, attribute …" — the rule id is reported separately.
  if (key) message = message.replace(`for policy \`${key}\`, `, '');
  message = message.replace(/^failed to parse policy with id `[^`]*` from string: /, '');
  if (e.help) message += ` (${e.help})`;
  const loc = e.sourceLocations?.[0];
  const out: RuleValidationError = { rule_id: rule.id, message };
  if (loc) out.position = positionAt(rule.text, loc.start);
  return out;
}
