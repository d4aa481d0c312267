/**
 * Sample attributes and context for Cedar requests, as the service sends them: a verified
 * passkey, and the UserContext of a user who holds one factor and a fresh step-up proof.
 * Shared by the policy specs and the policy benchmark.
 */
export function samplePasskeyAttributes(): Record<string, string | boolean | string[]> {
  return {
    method_type: 'webauthn_passkey',
    aaguid: 'ee882879-721c-4913-9775-3dfcce97072a',
    user_verified: true,
    backup_eligible: true,
    backed_up: false,
    attachment: 'platform',
    attestation_format: 'none',
    transports: ['internal', 'hybrid'],
  };
}

export function sampleUserContext(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    method_type: 'webauthn_passkey',
    amr: ['pwd', 'mfa'],
    auth_age_seconds: 60,
    factor_count: 1,
    has_mfa: true,
    ip: '203.0.113.9',
    tenant_requires_mfa: true,
    step_up_via: 'tessera',
    step_up_age_seconds: 20,
    step_up_amr: ['hwk'],
    step_up_max_age_seconds: 300,
    ...over,
  };
}

/** How a corpus of decisions came out, so a spec can show it decides both ways, and why. */
export class DecisionTally {
  readonly seen = { allowed: 0, denied: 0, byTenantRule: 0, errors: 0 };

  add(decision: { allowed: boolean; determining: readonly { source: string }[]; errors: readonly string[] }): void {
    if (decision.allowed) this.seen.allowed++;
    else this.seen.denied++;
    if (decision.determining.some((d) => d.source === 'tenant')) this.seen.byTenantRule++;
    if (decision.errors.length > 0) this.seen.errors++;
  }
}
