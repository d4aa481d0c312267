import { validate, type DetailedError } from '@cedar-policy/cedar-wasm/nodejs';
import type { RuleValidationError, RuleValidationResult } from './engine.types.js';
import { splitStatements } from './statement.splitter.js';
import { positionAt } from './text-position.util.js';

/** A policy-set text split into its statements, or why it cannot be. */
export type PolicySetValidationResult =
  | { ok: true; statements: string[] }
  | { ok: false; errors: RuleValidationError[]; /** When the text parsed. */ statements?: string[] };

/** Cedar repeats one mistake once per request environment; keep a readable amount. */
const MAX_ERRORS_PER_RULE = 20;

type Rule = { id: string; text: string };

/**
 * Validates tenant rules: each must be exactly one statement that parses and passes strict
 * validation against the schema. Positions are relative to the rule's own text.
 */
export function validateRules(schemaText: string, rules: readonly Rule[]): RuleValidationResult {
  const { errors, statements } = singleStatements(rules);
  if (statements.size > 0) errors.push(...schemaErrors(schemaText, statements));
  return errors.length === 0 ? { ok: true } : { ok: false, errors: inRuleOrder(errors, rules) };
}

/**
 * The rules that are one statement each, by the policy id Cedar will know them by (`r<index>`),
 * and what is wrong with the others: a duplicate id, a parse error, no or several statements.
 */
function singleStatements(rules: readonly Rule[]): { errors: RuleValidationError[]; statements: Map<string, Rule> } {
  const errors: RuleValidationError[] = [];
  const seen = new Set<string>();
  const statements = new Map<string, Rule>();
  rules.forEach((rule, i) => {
    if (seen.has(rule.id)) errors.push({ rule_id: rule.id, message: 'Duplicate rule id.' });
    seen.add(rule.id);
    const split = splitStatements(rule.text);
    if (!split.ok) {
      errors.push(...split.errors.map((e) => fromDetailed(rule, e)));
      return;
    }
    const n = split.statements.length;
    if (n !== 1) {
      errors.push({
        rule_id: rule.id,
        message: n === 0 ? 'The rule contains no statement.' : `A rule must be exactly one statement; found ${n}.`,
      });
      return;
    }
    statements.set(`r${i}`, rule);
  });
  return { errors, statements };
}

/** Strict validation of the single-statement rules together, against the schema. */
function schemaErrors(schemaText: string, statements: Map<string, Rule>): RuleValidationError[] {
  const answer = validate({
    schema: schemaText,
    policies: { staticPolicies: Object.fromEntries([...statements].map(([key, rule]) => [key, rule.text])) },
    validationSettings: { mode: 'strict' },
  });
  if (answer.type !== 'success') return answer.errors.map((e) => ({ message: e.message }));
  // Cedar lists errors in no fixed order (it changes with the schema): report them in rule order.
  const index = (policyId: string) => Number(policyId.slice(1));
  const ordered = [...answer.validationErrors].sort((a, b) => index(a.policyId) - index(b.policyId));
  const keep = distinctPerPolicy();
  const errors: RuleValidationError[] = [];
  for (const v of ordered) {
    const rule = statements.get(v.policyId);
    const mapped = rule ? fromDetailed(rule, v.error, v.policyId) : { message: v.error.message };
    if (keep(v.policyId, dedupeKeyOf(v.error, mapped))) errors.push(mapped);
  }
  return errors;
}

/** Cedar's order depends on the schema's internals: report in the rules' own order (a stable sort). */
function inRuleOrder(errors: RuleValidationError[], rules: readonly Rule[]): RuleValidationError[] {
  const order = new Map(rules.map((r, i) => [r.id, i] as const));
  const position = (e: RuleValidationError) => (e.rule_id === undefined ? -1 : (order.get(e.rule_id) ?? 0));
  return [...errors].sort((a, b) => position(a) - position(b));
}

/**
 * For each policy, one report per mistake and place, and at most MAX_ERRORS_PER_RULE: a filter
 * that tells whether a report (by policy id and dedupe key) is kept.
 */
function distinctPerPolicy(): (policyId: string, dedupeKey: string) => boolean {
  const seen = new Map<string, Set<string>>();
  return (policyId, dedupeKey) => {
    const forPolicy = seen.get(policyId) ?? new Set<string>();
    seen.set(policyId, forPolicy);
    if (forPolicy.has(dedupeKey) || forPolicy.size >= MAX_ERRORS_PER_RULE) return false;
    forPolicy.add(dedupeKey);
    return true;
  };
}

/**
 * Cedar reports one mistake once per action it could apply to ("… in context for
 * Tessera::Action::"x" not found"), each with its own hint: one report per place is enough.
 */
function dedupeKeyOf(e: DetailedError, mapped: RuleValidationError): string {
  return `${withoutActionEnvironment(e.message)}@${mapped.position?.offset ?? ''}`;
}

function withoutActionEnvironment(message: string): string {
  return message.replace(/ for Tessera::Action::"(?:[^"\\]|\\.)*"/, '');
}

function fromDetailed(rule: Rule, e: DetailedError, key?: string): RuleValidationError {
  let message = withoutActionEnvironment(e.message);
  // "for policy `r3`, attribute …" — the rule id is reported separately.
  if (key) message = message.replace(`for policy \`${key}\`, `, '');
  message = message.replace(/^failed to parse policy with id `[^`]*` from string: /, '');
  if (e.help) message += ` (${e.help})`;
  const loc = e.sourceLocations?.[0];
  const out: RuleValidationError = { rule_id: rule.id, message };
  if (loc) out.position = positionAt(rule.text, loc.start);
  return out;
}

/**
 * Validates a text of one or more statements (e.g. a tenant policy's `cedar_policy_set`):
 * it must parse and each statement must pass strict validation. Errors carry the statement's
 * 0-based index and positions relative to the whole text. On success, the statements in
 * source order (each exactly as written, comments between statements dropped).
 */
export function validatePolicySetText(schemaText: string, text: string): PolicySetValidationResult {
  const whole = { id: '', text };
  const split = splitStatements(text);
  if (!split.ok) return { ok: false, errors: split.errors.map((e) => withoutRuleId(fromDetailed(whole, e))) };
  if (split.statements.length === 0)
    return { ok: false, errors: [{ message: 'The policy set contains no statement.' }] };
  // As one text, Cedar names the statements policy0, policy1, … in source order, and reports
  // source locations in the whole text.
  const answer = validate({
    schema: schemaText,
    policies: { staticPolicies: text },
    validationSettings: { mode: 'strict' },
  });
  if (answer.type !== 'success')
    return { ok: false, errors: answer.errors.map((e) => ({ message: e.message })), statements: split.statements };
  const errors: RuleValidationError[] = [];
  const keep = distinctPerPolicy();
  for (const v of answer.validationErrors) {
    const index = /^policy(\d+)$/.exec(v.policyId)?.[1];
    const mapped = withoutRuleId(fromDetailed(whole, v.error, v.policyId));
    if (index !== undefined) mapped.statement = Number(index);
    if (keep(v.policyId, dedupeKeyOf(v.error, mapped))) errors.push(mapped);
  }
  errors.sort((a, b) => (a.statement ?? 0) - (b.statement ?? 0));
  return errors.length === 0
    ? { ok: true, statements: split.statements }
    : { ok: false, errors, statements: split.statements };
}

function withoutRuleId(e: RuleValidationError): RuleValidationError {
  const { rule_id: _ignored, ...rest } = e;
  return rest;
}
