import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { integrationDialects, scratchDataSource, type ScratchDataSource } from './integration-support.js';

const MIGRATION = /^WebhooksAndEventNames\d+$/;
const TENANT = '0b9c1a52-6f2e-4c8e-9a51-3f1f4b2c7d10';

/** Old-style rows as the service wrote them before the dot.case catalogue. */
const OLD_ROWS: [action: string, resourceType: string, metadata: string][] = [
  ['policy_denied', 'Authenticator', '{"cedar_action":"complete_enrollment","determining_policies":["r1"]}'],
  ['policy_denied', 'BackupCodes', '{}'],
  ['factors.reset', 'user', '{"removed_factors":2}'],
  ['policy.created', 'policy', '{"name":"P","rule_ids":["a"]}'],
  ['policy_rule.deleted', 'policy_rule', '{}'],
  ['factor.enrolled', 'factor', '{"method_type":"totp"}'],
];

const NEW_ROWS: [action: string, resourceType: string, metadata: Record<string, unknown>][] = [
  ['policy.denied', 'authenticator', { cedar_action: 'complete_enrollment', determining_policies: ['r1'] }],
  ['policy.denied', 'backup_codes', {}],
  ['factor.reset_by_admin', 'user', { removed_factors: 2 }],
  ['policy.changed', 'policy', { change: 'policy_created', name: 'P', rule_ids: ['a'] }],
  ['policy.changed', 'policy_rule', { change: 'rule_deleted' }],
  ['factor.enrolled', 'factor', { method_type: 'totp' }],
];

for (const dialect of await integrationDialects()) {
  describe(`audit event names migration (${dialect})`, () => {
    let s: ScratchDataSource;
    const p = (n: number) => (dialect === 'postgres' ? `$${n}` : '?');

    before(async () => {
      s = await scratchDataSource(dialect);
    });
    after(async () => {
      await s?.close();
    });

    const executed = async (): Promise<string[]> =>
      (await s.ds.query('SELECT name FROM tessera_migrations')).map((r: { name: string }) => r.name);
    const events = async () =>
      (await s.ds.query('SELECT id, action, resource_type, metadata FROM audit_events ORDER BY id')).map(
        (r: { action: string; resource_type: string; metadata: string }) => [
          r.action,
          r.resource_type,
          JSON.parse(r.metadata),
        ],
      );

    it('old rows get the catalogue names (and lower-case resource types); down restores them', async () => {
      // Back to the schema before the catalogue (reverting any later migration on the way).
      while ((await executed()).some((n) => MIGRATION.test(n))) await s.ds.undoLastMigration({ transaction: 'each' });
      const now = new Date();
      await s.ds.query(
        `INSERT INTO tenants (id, name, status, webauthn, require_mfa, policy_version, created_at, updated_at) VALUES (${p(1)}, 'Old', 'active', NULL, ${p(2)}, 0, ${p(3)}, ${p(4)})`,
        [TENANT, dialect === 'postgres' ? false : 0, now.toISOString(), now.toISOString()],
      );
      for (const [i, [action, resourceType, metadata]] of OLD_ROWS.entries()) {
        await s.ds.query(
          `INSERT INTO audit_events (tenant_id, id, actor_type, actor_id, action, resource_type, resource_id, metadata, created_at) VALUES (${p(1)}, ${p(2)}, 'api_key', 'k', ${p(3)}, ${p(4)}, NULL, ${p(5)}, ${p(6)})`,
          [TENANT, `00000000-0000-7000-8000-00000000000${i}`, action, resourceType, metadata, now.toISOString()],
        );
      }

      await s.ds.runMigrations({ transaction: 'each' });
      assert.deepEqual(await events(), NEW_ROWS);
      const facts = await s.ds.query('SELECT request_id, ip, user_agent FROM audit_events');
      assert.ok(
        facts.every(
          (r: Record<string, unknown>) => r['request_id'] === null && r['ip'] === null && r['user_agent'] === null,
        ),
        'old events had no request',
      );

      while ((await executed()).some((n) => MIGRATION.test(n))) await s.ds.undoLastMigration({ transaction: 'each' });
      assert.deepEqual(
        await events(),
        OLD_ROWS.map(([a, r, m]) => [a, r, JSON.parse(m)]),
      );
      await s.ds.runMigrations({ transaction: 'each' });
      assert.deepEqual(await events(), NEW_ROWS, 'and up again');
    });
  });
}
