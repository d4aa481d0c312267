/**
 * Policy engine memory: the RSS of a process whose engine keeps 1000 tenants' sets and has asked
 * each of them the six user actions, with the rules an action can match preparsed per action
 * (shared by tenants whose subsets are the same) against every decision asked of the whole set.
 * Each case runs in a process of its own. Build, then: `node dist/bench/policy-memory.bench.js`.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PolicyEngine, type PolicyAction, type PolicyRequest, type RuleSource } from '#policy';
import { samplePasskeyAttributes, sampleUserContext } from '../test/support/policy-requests.js';

const TENANTS = 1000;
const ACTIONS: PolicyAction[] = [
  'begin_enrollment',
  'complete_enrollment',
  'verify_factor',
  'rename_factor',
  'remove_factor',
  'regenerate_backup_codes',
];

type Case = { leanRequests: 'action' | 'all'; ownRules: boolean };

function request(tenantId: string, action: PolicyAction): PolicyRequest {
  const owner = { type: 'User', id: 'u1' };
  const resource: PolicyRequest['resource'] =
    action === 'begin_enrollment'
      ? { type: 'Tenant', id: tenantId, tenantId, attrs: {} }
      : action === 'regenerate_backup_codes'
        ? { type: 'BackupCodes', id: 'b1', tenantId, attrs: { owner } }
        : action === 'rename_factor' || action === 'remove_factor'
          ? { type: 'Factor', id: 'f1', tenantId, attrs: { owner, method_type: 'totp' } }
          : { type: 'Authenticator', id: 'c1', tenantId, attrs: samplePasskeyAttributes() };
  return {
    principal: { type: 'User', id: 'u1', tenantId, attrs: { roles: [] } },
    action,
    resource,
    context: sampleUserContext(),
  };
}

/** A rule of the tenant's own, for verify_factor only: its other actions share the baseline's subsets. */
function ownRules(i: number): RuleSource[] {
  return [
    {
      id: `own-${i}`,
      text: `forbid (principal, action == Tessera::Action::"verify_factor", resource is Tessera::Authenticator)
when { resource.aaguid == "00000000-0000-0000-0000-${String(i).padStart(12, '0')}" };`,
    },
  ];
}

async function measure(c: Case): Promise<Record<string, number>> {
  const engine = PolicyEngine.create({ leanRequests: c.leanRequests, maxTenants: TENANTS });
  const mb = () => Math.round(process.memoryUsage().rss / 2 ** 20);
  const before = mb();
  for (let t = 0; t < TENANTS; t++) {
    const rules = c.ownRules ? ownRules(t) : [];
    // Twice: the second decision of a request shape is the one asked without the schema.
    for (const action of ACTIONS)
      for (let k = 0; k < 2; k++) await engine.authorize(`tenant-${t}`, 1, () => rules, request(`tenant-${t}`, action));
  }
  return { before, after: mb(), subsets: engine.actionSubsetStats().subsets };
}

const [, , mode] = process.argv;
if (mode) {
  console.log(JSON.stringify(await measure(JSON.parse(mode) as Case)));
} else {
  const self = fileURLToPath(import.meta.url);
  console.log(`policy engine memory (node ${process.version}, ${TENANTS} tenants, ${ACTIONS.length} actions each)`);
  for (const ownRulesCase of [false, true]) {
    for (const leanRequests of ['action', 'all'] as const) {
      const c: Case = { leanRequests, ownRules: ownRulesCase };
      const out = JSON.parse(execFileSync(process.execPath, [self, JSON.stringify(c)], { encoding: 'utf8' })) as {
        before: number;
        after: number;
        subsets: number;
      };
      console.log(
        `${ownRulesCase ? 'a verify_factor rule of its own' : 'baseline only'}, ` +
          `${leanRequests === 'action' ? "each action's rules" : 'the whole set'}: RSS ${out.before} → ${out.after} MB ` +
          `(+${out.after - out.before}), ${out.subsets} action subsets`,
      );
    }
  }
}
