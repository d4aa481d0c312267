import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { TesseraRequest } from '#auth';

/**
 * X-Tenant-ID on the public challenge routes, where it is optional (documented once on the
 * controller with ApiHeader; Nest's @Headers would add a second, required header to OpenAPI).
 */
export const OptionalTenantHeader = createParamDecorator((_: unknown, ctx: ExecutionContext): string | undefined => {
  const value = ctx.switchToHttp().getRequest<TesseraRequest>().headers['x-tenant-id'];
  return typeof value === 'string' ? value : undefined;
});
