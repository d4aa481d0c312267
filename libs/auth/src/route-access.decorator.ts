import { SetMetadata } from '@nestjs/common';

/**
 * How a route is authenticated. A route without one of these decorators is refused:
 * deny by default.
 *  - public:   no credentials (health, docs, the MFA challenge endpoints whose id is the capability)
 *  - user:     Authorization: Bearer <JWT> + X-Tenant-ID
 *  - admin:    X-API-Key (tenant key) + X-Tenant-ID
 *  - platform: X-API-Key = PLATFORM_API_KEY
 */
export type RouteAccess = 'public' | 'user' | 'admin' | 'platform';
export const ROUTE_ACCESS = 'tessera:route-access';

export const Public = () => SetMetadata(ROUTE_ACCESS, 'public' satisfies RouteAccess);
export const UserRoute = () => SetMetadata(ROUTE_ACCESS, 'user' satisfies RouteAccess);
export const AdminRoute = () => SetMetadata(ROUTE_ACCESS, 'admin' satisfies RouteAccess);
export const PlatformRoute = () => SetMetadata(ROUTE_ACCESS, 'platform' satisfies RouteAccess);
