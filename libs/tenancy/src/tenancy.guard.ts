import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiError } from '#errors';
import { ROUTE_ACCESS, type RouteAccess, type TesseraRequest } from '#auth';
import { bindRequestLogFields } from '#observability';
import { TenantsService } from './tenants.service.js';

// Any UUID-shaped value in any case: the seed's own example has version nibble 8.
const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Binds user and admin routes to the tenant in X-Tenant-ID, which must equal the tenant of
 * the credential (token claim or API key). The tenant is never taken from anything else.
 */
@Injectable()
export class TenancyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tenants: TenantsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<RouteAccess | undefined>(ROUTE_ACCESS, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (access !== 'user' && access !== 'admin') return true;
    const req = context.switchToHttp().getRequest<TesseraRequest>();
    const principal = req.principal;
    if (!principal || principal.kind === 'platform') throw new ApiError('unauthenticated');

    const header = req.headers['x-tenant-id'];
    if (typeof header !== 'string' || !UUID_SHAPE.test(header.trim())) {
      throw new ApiError('invalid_tenant_header', 'X-Tenant-ID header is required and must be a UUID.', {
        details: { header: 'X-Tenant-ID' },
      });
    }
    const tenantId = header.trim().toLowerCase();
    if (tenantId !== principal.tenantId) {
      throw new ApiError('tenant_mismatch', 'X-Tenant-ID does not match the tenant of the credential.');
    }
    const tenant = await this.tenants.context(tenantId);
    if (!tenant || tenant.status !== 'active') {
      throw new ApiError('tenant_unavailable', 'The tenant does not exist or is disabled.');
    }
    req.tenant = tenant;
    // Every later log line of this request names its tenant and caller.
    bindRequestLogFields({
      tenant_id: tenant.id,
      user_id: principal.kind === 'user' ? principal.userId : undefined,
      api_key_id: principal.kind === 'api_key' ? principal.keyId : undefined,
    });
    return true;
  }
}
