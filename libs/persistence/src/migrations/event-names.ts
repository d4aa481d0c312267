import type { QueryRunner } from 'typeorm';

/**
 * Data mapping to the dot.case event catalogue, shared by both dialects' migrations (plain SQL
 * that SQLite and PostgreSQL both run). Policy and rule changes became one type,
 * `policy.changed`, with the former name kept as `metadata.change`; Cedar type names as
 * resource types became lower snake case.
 */
const RENAMED: [old: string, current: string][] = [
  ['policy_denied', 'policy.denied'],
  ['factors.reset', 'factor.reset_by_admin'],
];

const POLICY_CHANGES: [old: string, change: string][] = [
  ['policy.created', 'policy_created'],
  ['policy.updated', 'policy_updated'],
  ['policy.deleted', 'policy_deleted'],
  ['policy_rule.created', 'rule_created'],
  ['policy_rule.updated', 'rule_updated'],
  ['policy_rule.deleted', 'rule_deleted'],
];

const RESOURCE_TYPES: [old: string, current: string][] = [
  ['Tenant', 'tenant'],
  ['User', 'user'],
  ['ApiKey', 'api_key'],
  ['Authenticator', 'authenticator'],
  ['Factor', 'factor'],
  ['BackupCodes', 'backup_codes'],
  ['Policy', 'policy'],
  ['AuditLog', 'audit_log'],
];

const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

export async function mapEventNamesUp(q: QueryRunner): Promise<void> {
  for (const [old, current] of RENAMED)
    await q.query(`UPDATE audit_events SET action = ${literal(current)} WHERE action = ${literal(old)}`);
  for (const [old, change] of POLICY_CHANGES) {
    const member = `{"change":"${change}"`;
    await q.query(
      `UPDATE audit_events SET action = 'policy.changed', metadata = CASE WHEN metadata = '{}' THEN ${literal(`${member}}`)} ELSE ${literal(`${member},`)} || substr(metadata, 2) END WHERE action = ${literal(old)}`,
    );
  }
  for (const [old, current] of RESOURCE_TYPES)
    await q.query(`UPDATE audit_events SET resource_type = ${literal(current)} WHERE resource_type = ${literal(old)}`);
}

export async function mapEventNamesDown(q: QueryRunner): Promise<void> {
  for (const [old, change] of POLICY_CHANGES) {
    const member = `{"change":"${change}"`;
    await q.query(
      `UPDATE audit_events SET action = ${literal(old)}, metadata = CASE WHEN metadata = ${literal(`${member}}`)} THEN '{}' ELSE '{' || substr(metadata, ${member.length + 2}) END WHERE action = 'policy.changed' AND substr(metadata, 1, ${member.length + 1}) IN (${literal(`${member}}`)}, ${literal(`${member},`)})`,
    );
  }
  for (const [old, current] of RENAMED)
    await q.query(`UPDATE audit_events SET action = ${literal(old)} WHERE action = ${literal(current)}`);
  // Only denials carried Cedar type names.
  for (const [old, current] of RESOURCE_TYPES)
    await q.query(
      `UPDATE audit_events SET resource_type = ${literal(old)} WHERE resource_type = ${literal(current)} AND action = 'policy_denied'`,
    );
}
