/**
 * Policy engine benchmark: one `authorize` call (cached tenant set, entities and context built
 * per call) against the bare cedar-wasm `statefulIsAuthorized` call on the same inputs,
 * prebuilt, against `authorize` of an engine whose schema checks every request (the default
 * checks once per request shape), and against `authorize` of an engine that sends every attribute
 * and every rule (the default asks the rules whose scope can match the action, with the attributes
 * they read). These engines decide every request with Cedar; the sign-in's line adds the decision
 * memo's answer to the same request asked again. Build, then: `node dist/bench/policy.bench.js`.
 */
import { performance } from 'node:perf_hooks';
import { preparsePolicySet, preparseSchema, statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import { buildCall, loadPolicyFiles, PolicyEngine, type PolicyRequest, type RuleSource } from '#policy';
import { samplePasskeyAttributes, sampleUserContext } from '../test/support/policy-requests.js';
import { signInDecisionRequest } from './floor-decisions.js';

const SIZES = [10, 100, 1000];
const WARMUP_MS = 600;
const MEASURE_MS = 4000;
const MAX_SAMPLES = 40_000;
const TENANT = 'bench-tenant';

// The same request is asked again and again: without the decision memo, so that Cedar decides each.
const engine = PolicyEngine.create({ decisionMemo: false });
const memoizing = PolicyEngine.create();
const checkingEvery = PolicyEngine.create({ schemaChecks: 'every-request' });
const sendingAll = PolicyEngine.create({ leanRequests: 'all' });
const baselineCount = engine.baselineRules().length;
const schemaName = 'bench:schema';
if (preparseSchema(schemaName, engine.schemaText).type !== 'success') throw new Error('schema');

function tenantRules(total: number): RuleSource[] {
  return Array.from({ length: Math.max(0, total - baselineCount) }, (_, i) => ({
    id: `rule-${i}`,
    text: `forbid (principal, action == Tessera::Action::"complete_enrollment", resource is Tessera::Authenticator)
when { resource.aaguid == "00000000-0000-0000-0000-${String(i).padStart(12, '0')}" && context.factor_count > ${i % 10} };`,
    notice: `Rule ${i} forbids this authenticator.`,
  }));
}

function request(): PolicyRequest {
  return {
    principal: { type: 'User', id: 'user-1', tenantId: TENANT, attrs: { roles: ['member'] } },
    action: 'complete_enrollment',
    resource: {
      type: 'Authenticator',
      id: 'cred-1',
      tenantId: TENANT,
      attrs: samplePasskeyAttributes(),
    },
    context: sampleUserContext({ auth_age_seconds: 120, step_up_age_seconds: 30 }),
  };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Calls each of `calls` in turn, again and again for `ms`, and returns each one's times in µs,
 * sorted: interleaved, so that the machine's drift reaches all of them alike.
 */
async function interleaved(ms: number, calls: (() => unknown)[]): Promise<number[][]> {
  const times = calls.map((): number[] => []);
  const until = performance.now() + ms;
  while (performance.now() < until && times[0].length < MAX_SAMPLES) {
    for (let i = 0; i < calls.length; i++) {
      const t = performance.now();
      await calls[i]();
      times[i].push((performance.now() - t) * 1000);
    }
  }
  return times.map((xs) => xs.sort((x, y) => x - y));
}

const fmt = (us: number) => `${us.toFixed(0).padStart(6)} µs`;
const rows: string[] = [];
const started = performance.now();

for (const total of SIZES) {
  const rules = tenantRules(total);
  const version = total;
  const load = () => rules;
  const req = request();

  // Bare: the same policy texts, preparsed under our own id, call arguments built once.
  const bareId = `bench:bare:${total}`;
  const policies: Record<string, string> = {};
  const first = await engine.authorize(TENANT, version, load, req);
  if (!first.allowed) throw new Error(`expected allow, got ${JSON.stringify(first)}`);
  if (!(await checkingEvery.authorize(TENANT, version, load, req)).allowed) throw new Error('expected allow');
  if (!(await sendingAll.authorize(TENANT, version, load, req)).allowed) throw new Error('expected allow');
  // The same set for the bare call: baseline texts in file order, then the tenant rules.
  loadPolicyFiles().baseline.forEach((r, i) => (policies[`p${i}`] = r.text));
  rules.forEach((r, i) => (policies[`p${baselineCount + i}`] = r.text));
  if (preparsePolicySet(bareId, { staticPolicies: policies }).type !== 'success') throw new Error('bare preparse');
  const bareCall = buildCall(req, bareId, schemaName);
  const entityCount = bareCall.entities.length;
  const bareAnswer = statefulIsAuthorized(bareCall);
  if (bareAnswer.type !== 'success' || bareAnswer.response.decision !== 'allow') throw new Error('bare should allow');

  const calls = [
    () => engine.authorize(TENANT, version, load, req),
    () => statefulIsAuthorized(bareCall),
    () => checkingEvery.authorize(TENANT, version, load, req),
    () => sendingAll.authorize(TENANT, version, load, req),
  ];
  await interleaved(WARMUP_MS, calls);
  const [a, b, c, d] = await interleaved(MEASURE_MS, calls);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  rows.push(
    `${String(total).padStart(5)} rules  ${entityCount} entities  n=${String(a.length).padStart(5)}  ` +
      `authorize p50 ${fmt(pct(a, 50))} p99 ${fmt(pct(a, 99))}   bare p50 ${fmt(pct(b, 50))} p99 ${fmt(pct(b, 99))}   ` +
      `overhead p50 ${(pct(a, 50) / pct(b, 50)).toFixed(2)}x mean ${(mean(a) / mean(b)).toFixed(2)}x   ` +
      `schema on every request p50 ${fmt(pct(c, 50))} (once per shape ${(pct(a, 50) / pct(c, 50)).toFixed(2)}x)   ` +
      `every rule and attribute p50 ${fmt(pct(d, 50))} (the action's ${(pct(a, 50) / pct(d, 50)).toFixed(2)}x)`,
  );
  preparsePolicySet(bareId, { staticPolicies: {} });
}

// A sign-in's verify_factor under the baseline alone: the lean request against every rule and attribute.
{
  const req = signInDecisionRequest('user-1', 'cred-1');
  const load = () => [];
  const tenant = req.principal.tenantId;
  for (const e of [engine, sendingAll, memoizing]) {
    if (!(await e.authorize(tenant, 1, load, req)).allowed) throw new Error('verify_factor should allow');
  }
  const calls = [
    () => engine.authorize(tenant, 1, load, req),
    () => sendingAll.authorize(tenant, 1, load, req),
    () => memoizing.authorize(tenant, 1, load, req),
  ];
  await interleaved(WARMUP_MS, calls);
  const [lean, all, kept] = await interleaved(MEASURE_MS, calls);
  rows.push(
    `sign-in's verify_factor, baseline  n=${String(lean.length).padStart(5)}  authorize p50 ${fmt(pct(lean, 50))} ` +
      `p99 ${fmt(pct(lean, 99))}   every rule and attribute p50 ${fmt(pct(all, 50))} ` +
      `(the action's ${(pct(lean, 50) / pct(all, 50)).toFixed(2)}x)   ` +
      `from the decision memo p50 ${fmt(pct(kept, 50))}`,
  );
}

console.log(
  `policy engine benchmark (node ${process.version}, ${((performance.now() - started) / 1000).toFixed(1)} s)`,
);
for (const r of rows) console.log(r);
