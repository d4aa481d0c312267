import type { AuthorizationAnswer } from '@cedar-policy/cedar-wasm/nodejs';
import type { Decision, DeterminingRule } from './engine.types.js';
import type { CompiledPolicySet } from './policy-set.compiler.js';

export function deny(errors: string[]): Decision {
  return { allowed: false, determining: [], errors };
}

/**
 * Cedar answer → Decision. Fails closed: a failure or any policy error denies, because Cedar
 * skips an erroring policy and an erroring forbid would otherwise let the request through.
 */
export function toDecision(answer: AuthorizationAnswer, set: CompiledPolicySet): Decision {
  if (answer.type !== 'success') {
    return deny(answer.errors.length > 0 ? answer.errors.map((e) => e.message) : ['authorization failed']);
  }
  const { decision, diagnostics } = answer.response;
  const determining = determiningRules(diagnostics.reason, set);
  if (diagnostics.errors.length > 0) {
    const errors = diagnostics.errors.map((e) => `${ruleId(e.policyId, set)}: ${e.error.message}`);
    // On allow the reasons are permits, which determine nothing about this denial.
    return { allowed: false, determining: decision === 'deny' ? determining : [], errors };
  }
  return { allowed: decision === 'allow', determining, errors: [] };
}

function determiningRules(reason: readonly string[], set: CompiledPolicySet): DeterminingRule[] {
  if (reason.length === 0) return [];
  const indexes: number[] = [];
  for (const key of reason) {
    const i = set.indexByKey.get(key);
    if (i !== undefined) indexes.push(i);
  }
  // Cedar's order is arbitrary; ours is baseline file order, then tenant order.
  indexes.sort((a, b) => a - b);
  return indexes.map((i) => ({ ...set.rules[i] }));
}

function ruleId(key: string, set: CompiledPolicySet): string {
  const i = set.indexByKey.get(key);
  return i === undefined ? key : set.rules[i].id;
}
