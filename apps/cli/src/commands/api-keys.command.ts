import { ApiKeysService } from '#auth';
import { AuditService } from '#audit';
import { optionalString, requireString, table, tenantIdOption, UsageError, type CliCommand } from '../cli-command.js';
import { tenantsService } from './tenants.command.js';

const CLI_ACTOR = { actorType: 'system', actorId: 'cli' } as const;

export const apiKeysCreateCommand: CliCommand = {
  name: 'api-keys create',
  summary: 'Create a tenant admin API key and print it (shown once)',
  usage: '--tenant <id> [--name <name>] [--json]',
  options: { tenant: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean' } },
  async run({ values }, ctx) {
    const tenantId = tenantIdOption(values);
    const name = optionalString(values, 'name') ?? 'cli key';
    if (name.length > 200) throw new UsageError('--name must be at most 200 characters');
    const ds = await ctx.database();
    await tenantsService(ds).get(tenantId); // not_found for an unknown tenant
    const created = await ds.transaction(async (manager) => {
      const key = await new ApiKeysService(ds).create(tenantId, name, manager);
      await new AuditService(ds).record(
        tenantId,
        { ...CLI_ACTOR, action: 'api_key.created', resourceType: 'api_key', resourceId: key.id, metadata: { name } },
        manager,
      );
      return key;
    });
    if (values.json) {
      ctx.out(JSON.stringify(created));
      return;
    }
    ctx.out(`API key created: ${created.id}  (${created.name})`);
    ctx.out(`Key (shown once, store it now): ${created.key}`);
  },
};

export const apiKeysListCommand: CliCommand = {
  name: 'api-keys list',
  summary: "List a tenant's API keys (never the keys themselves)",
  usage: '--tenant <id> [--json]',
  options: { tenant: { type: 'string' }, json: { type: 'boolean' } },
  async run({ values }, ctx) {
    const tenantId = tenantIdOption(values);
    const ds = await ctx.database();
    await tenantsService(ds).get(tenantId);
    const keys = await new ApiKeysService(ds).list(tenantId);
    if (values.json) {
      ctx.out(JSON.stringify(keys));
      return;
    }
    const rows = [['ID', 'PREFIX', 'CREATED', 'REVOKED', 'NAME']];
    for (const k of keys) rows.push([k.id, k.prefix, k.created_at, k.revoked_at ?? '-', k.name]);
    for (const line of table(rows)) ctx.out(line);
  },
};

export const apiKeysRevokeCommand: CliCommand = {
  name: 'api-keys revoke',
  summary: 'Revoke a tenant API key',
  usage: '--tenant <id> --id <key id>',
  options: { tenant: { type: 'string' }, id: { type: 'string' } },
  async run({ values }, ctx) {
    const tenantId = tenantIdOption(values);
    const id = requireString(values, 'id');
    const ds = await ctx.database();
    const revoked = await ds.transaction(async (manager) => {
      const key = await new ApiKeysService(ds).revoke(tenantId, id, manager);
      await new AuditService(ds).record(
        tenantId,
        { ...CLI_ACTOR, action: 'api_key.revoked', resourceType: 'api_key', resourceId: key.id },
        manager,
      );
      return key;
    });
    ctx.out(`API key ${revoked.id} revoked at ${revoked.revoked_at}`);
  },
};
