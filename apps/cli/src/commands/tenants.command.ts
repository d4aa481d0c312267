import { ApiKeysService } from '#auth';
import { AuditService } from '#audit';
import type { WebAuthnSettings } from '#persistence';
import { TenantsService, sharedRegistrableDomain } from '#tenancy';
import type { DataSource } from 'typeorm';
import {
  UsageError,
  listOption,
  optionalString,
  requireString,
  table,
  type CliCommand,
  type ParsedValues,
} from '../cli-command.js';

/** The services are plain classes: the CLI wires them by hand, no Nest container needed. */
export function tenantsService(ds: DataSource): TenantsService {
  return new TenantsService(ds, new ApiKeysService(ds), new AuditService(ds));
}

export const tenantsCreateCommand: CliCommand = {
  name: 'tenants create',
  summary: 'Create a tenant and print its id and first admin API key (shown once)',
  usage:
    '--name <name> [--id <uuid>] [--origin <origin>]... [--rp-id <domain>] [--rp-name <name>] [--require-mfa] [--json]',
  options: {
    name: { type: 'string' },
    id: { type: 'string' },
    origin: { type: 'string', multiple: true },
    'rp-id': { type: 'string' },
    'rp-name': { type: 'string' },
    'require-mfa': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run({ values }, ctx) {
    const name = requireString(values, 'name');
    if (name.length > 200) throw new UsageError('--name must be at most 200 characters');
    const id = optionalString(values, 'id');
    if (id !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
      throw new UsageError(`--id must be a UUID, got "${id}"`);
    }
    const webauthn = webauthnOptions(values, name);
    const ds = await ctx.database();
    const { tenant, apiKey } = await tenantsService(ds).create({
      id,
      name,
      webauthn,
      require_mfa: values['require-mfa'] === true,
    });
    if (values.json) {
      ctx.out(JSON.stringify({ ...tenant, api_key: apiKey }));
      return;
    }
    ctx.out(`Tenant created: ${tenant.id}  (${tenant.name})`);
    if (tenant.webauthn)
      ctx.out(`WebAuthn: rp id ${tenant.webauthn.rp_id}, origins ${tenant.webauthn.origins.join(', ')}`);
    ctx.out(`Admin API key (shown once, store it now): ${apiKey}`);
  },
};

function webauthnOptions(values: ParsedValues, tenantName: string): WebAuthnSettings | undefined {
  const origins = listOption(values, 'origin');
  const rpId = optionalString(values, 'rp-id');
  const rpName = optionalString(values, 'rp-name');
  if (origins.length === 0) {
    if (rpId !== undefined || rpName !== undefined)
      throw new UsageError('--rp-id/--rp-name need at least one --origin');
    return undefined;
  }
  return { rp_id: rpId ?? defaultRpId(origins), rp_name: rpName ?? tenantName, origins };
}

/** Without --rp-id: the registrable domain every web origin shares (app.acme.com + admin.acme.com → acme.com); app origins have no host. */
function defaultRpId(origins: string[]): string {
  const web = origins.filter((origin) => !origin.startsWith('android:'));
  if (web.length === 0) throw new UsageError('--rp-id is needed when every --origin is an app origin');
  const hosts = web.map((origin) => {
    try {
      return new URL(origin).hostname;
    } catch {
      throw new UsageError(`--origin "${origin}" is not a URL`);
    }
  });
  const shared = sharedRegistrableDomain(hosts);
  if (shared === null) {
    throw new UsageError(
      `the origins share no registrable domain (${[...new Set(hosts)].join(', ')}), so there is no default rp id: ` +
        'pass --rp-id <domain> (origins on other sites go into related_origins, see PATCH /v1/tenants/{id}/webauthn)',
    );
  }
  return shared;
}

export const tenantsListCommand: CliCommand = {
  name: 'tenants list',
  summary: 'List tenants',
  usage: '[--json]',
  options: { json: { type: 'boolean' } },
  async run({ values }, ctx) {
    const ds = await ctx.database();
    const tenants = await tenantsService(ds).list();
    if (values.json) {
      ctx.out(JSON.stringify(tenants));
      return;
    }
    if (tenants.length === 0) {
      ctx.note('No tenants. Create one with: tenants create --name <name>');
      return;
    }
    const rows = [['ID', 'STATUS', 'RP ID', 'CREATED', 'NAME']];
    for (const t of tenants) rows.push([t.id, t.status, t.webauthn?.rp_id ?? '-', t.created_at, t.name]);
    for (const line of table(rows)) ctx.out(line);
  },
};
