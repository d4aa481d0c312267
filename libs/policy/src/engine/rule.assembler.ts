import { ApiError } from '#errors';
import {
  POLICY_ACTIONS,
  POLICY_ENTITY_TYPES,
  type PolicyEntityRef,
  type RuleFields,
  type ScopeFields,
} from './engine.types.js';

const NS = 'Tessera';

/**
 * Assembles one Cedar statement from structured fields. Conditions are Cedar expressions and
 * are not checked here: always run the result through `validateRules` before storing it
 * (a condition that closes the statement shows up there as a second statement).
 */
export function assembleRule(fields: RuleFields): string {
  if (fields.effect !== 'permit' && fields.effect !== 'forbid') invalid(`effect must be "permit" or "forbid"`);
  const lines: string[] = [];
  if (fields.notice !== undefined) lines.push(`@notice(${cedarString(fields.notice)})`);
  lines.push(`${fields.effect} (`);
  lines.push(`  ${scope('principal', fields.principal)},`);
  lines.push(`  ${actionScope(fields.action)},`);
  lines.push(`  ${scope('resource', fields.resource)}`);
  const conditions = (fields.conditions ?? []).map((c) => c.trim()).filter((c) => c !== '');
  lines.push(conditions.length === 0 ? ')' : `)\nwhen { ${conditions.map((c) => `(${c})`).join(' && ')} }`);
  return `${lines.join('\n')};`;
}

/** A Cedar string literal: quotes, backslashes and control characters escaped. */
export function cedarString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029) out += `\\u{${code.toString(16)}}`;
    else out += ch;
  }
  return `${out}"`;
}

function scope(variable: 'principal' | 'resource', s: ScopeFields | undefined): string {
  if (!s) return variable;
  if (s.eq && (s.in || s.is)) invalid(`${variable}: "eq" cannot be combined with "in" or "is"`);
  if (s.eq) return `${variable} == ${entityLiteral(s.eq)}`;
  let out = variable;
  if (s.is) out += ` is ${NS}::${entityType(s.is)}`;
  if (s.in) out += ` in ${entityLiteral(s.in)}`;
  return out;
}

function actionScope(action: RuleFields['action']): string {
  if (action === undefined) return 'action';
  const list = typeof action === 'string' ? [action] : [...action];
  for (const a of list) {
    if (!(POLICY_ACTIONS as readonly string[]).includes(a)) invalid(`unknown action "${a}"`);
  }
  if (list.length === 0) invalid('action list is empty');
  const literals = list.map((a) => `${NS}::Action::${cedarString(a)}`);
  return typeof action === 'string' ? `action == ${literals[0]}` : `action in [${literals.join(', ')}]`;
}

function entityLiteral(ref: PolicyEntityRef): string {
  return `${NS}::${entityType(ref.type)}::${cedarString(String(ref.id))}`;
}

function entityType(type: string): string {
  if (!(POLICY_ENTITY_TYPES as readonly string[]).includes(type)) invalid(`unknown entity type "${type}"`);
  return type;
}

function invalid(reason: string): never {
  throw new ApiError('policy_invalid', `The rule cannot be assembled: ${reason}.`, { details: { reason } });
}
