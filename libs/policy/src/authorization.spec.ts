import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiKeyPrincipal, TenantContext, UserPrincipal } from '#auth';
import { adminAuthorization, userAuthorization } from './authorization.js';

const tenant = { id: 't1', requireMfa: true, stepUpMaxAgeSeconds: 300 } as TenantContext;
const now = new Date('2030-01-01T00:00:00Z');
const user: UserPrincipal = {
  kind: 'user',
  userId: 'u1',
  tenantId: 't1',
  roles: ['staff'],
  amr: ['pwd'],
  authTime: now.getTime() / 1000 - 42,
};

describe('userAuthorization', () => {
  it('asks with the user as principal and the UserContext of the Cedar schema', () => {
    const input = userAuthorization(
      { tenant, user, ip: '203.0.113.9' },
      'rename_factor',
      { type: 'Factor', id: 'f1' },
      { methodType: 'totp', factorCount: 2, hasMfa: true, now },
    );
    assert.equal(input.principal, user);
    assert.equal(input.tenant, tenant);
    assert.equal(input.action, 'rename_factor');
    assert.deepEqual(input.resource, { type: 'Factor', id: 'f1' });
    assert.deepEqual(input.context, {
      method_type: 'totp',
      amr: ['pwd'],
      auth_age_seconds: 42,
      factor_count: 2,
      has_mfa: true,
      ip: '203.0.113.9',
      tenant_requires_mfa: true,
      step_up_via: 'none',
      step_up_age_seconds: 0,
      step_up_amr: [],
      step_up_max_age_seconds: 300,
    });
  });

  it('adds requested_acr only when it is given (verify_factor), an empty set included', () => {
    const ask = (requestedAcr?: string[]) =>
      userAuthorization(
        { tenant, user, ip: '' },
        'verify_factor',
        { type: 'Factor', id: 'f1' },
        {
          methodType: 'backup_code',
          factorCount: 0,
          hasMfa: true,
          now,
          requestedAcr,
        },
      ).context;
    assert.equal('requested_acr' in ask(), false);
    assert.deepEqual(ask([]).requested_acr, []);
    assert.deepEqual(ask(['phrh', 'phr']).requested_acr, ['phrh', 'phr']);
  });
});

describe('adminAuthorization', () => {
  it('asks with the key as principal, AdminContext {ip}, and the tenant as the default resource', () => {
    const key: ApiKeyPrincipal = { kind: 'api_key', keyId: 'k1', tenantId: 't1', scopes: [] };
    const input = adminAuthorization({ tenant, key, ip: '198.51.100.1' }, 'manage_user_factors');
    assert.deepEqual(input, {
      tenant,
      principal: key,
      action: 'manage_user_factors',
      resource: { type: 'Tenant', id: 't1' },
      context: { ip: '198.51.100.1' },
    });
  });
});
