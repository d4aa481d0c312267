import type { INestApplication } from '@nestjs/common';
import type { AppConfig } from '#config';
import { DEV_JWT_SECRET, mintDevToken } from '#auth';
import { TenantsService } from '#tenancy';

/** The demo tenant's id is the seed contract's own example, so its curl works as written. */
export const DEMO_TENANT_ID = '2489e9ad-2ee2-8e00-8ec9-32d5f69181c0';
export const DEMO_USER_ID = 'demo-user';

export interface DemoTenant {
  tenantId: string;
  token: string | null;
}

/** Dev mode (or DEMO_TENANT=true): a tenant with WebAuthn on http://localhost:<PORT>, and a short-lived dev token when dev tokens are on. */
export async function ensureDemoTenant(app: INestApplication, config: AppConfig): Promise<DemoTenant> {
  const tenants = app.get(TenantsService);
  const webauthn = { rp_id: 'localhost', rp_name: 'Tessera demo', origins: [`http://localhost:${config.port}`] };
  const existing = await tenants.context(DEMO_TENANT_ID);
  if (!existing) {
    await tenants.create({ id: DEMO_TENANT_ID, name: 'Demo tenant', webauthn });
  } else if (!existing.webauthn?.origins.includes(webauthn.origins[0])) {
    await tenants.update(DEMO_TENANT_ID, { webauthn });
  }
  // Only the generated dev secret: a token is never signed with an operator-provided secret.
  const secret = config.devMode ? app.get<Uint8Array | null>(DEV_JWT_SECRET) : null;
  const token = secret
    ? await mintDevToken(config, secret, { tenantId: DEMO_TENANT_ID, sub: DEMO_USER_ID, ttlSeconds: 3600 })
    : null;
  return { tenantId: DEMO_TENANT_ID, token };
}

export function printQuickStart(config: AppConfig, demo: DemoTenant): void {
  const base = `http://localhost:${config.port}`;
  const lines = [
    '',
    `Tessera is running at ${base}  (API reference: ${base}/docs, OpenAPI: ${base}/openapi.json)`,
    `Database: ${config.database.type === 'sqlite' ? config.database.path : 'PostgreSQL'}`,
    `Demo tenant: ${demo.tenantId}  (WebAuthn rp id "localhost", origin ${base})`,
    `Demo page: ${base}/demo  (open it on localhost, not 127.0.0.1)`,
  ];
  if (demo.token) {
    lines.push(
      'Dev token for user "demo-user" (valid 1 hour):',
      '',
      `  curl -s -X POST '${base}/v1/users/me/mfa/webauthn/register?method_type=webauthn_passkey' \\`,
      `    -H 'Authorization: Bearer ${demo.token}' \\`,
      `    -H 'X-Tenant-ID: ${demo.tenantId.toUpperCase()}'`,
      '',
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}
