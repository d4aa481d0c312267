import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiSecurity } from '@nestjs/swagger';
import { ApiErrorResponses } from '#errors';

export const TENANT_HEADER_DOC =
  'Tenant identifier. Must match the tenant associated with the credential. Returns 403 tenant_mismatch if the credential and header belong to different tenants.';

const tenantHeader = () =>
  ApiHeader({
    name: 'X-Tenant-ID',
    required: true,
    description: TENANT_HEADER_DOC,
    schema: { type: 'string', format: 'uuid', example: '2489E9AD-2EE2-8E00-8EC9-32D5F69181C0' },
  });

/** OpenAPI: bearer + X-Tenant-ID, and the errors every user route can answer. */
export const ApiUserRoute = () =>
  applyDecorators(
    ApiBearerAuth('bearer'),
    tenantHeader(),
    ApiErrorResponses(
      'invalid_tenant_header',
      'unauthenticated',
      'tenant_mismatch',
      'tenant_unavailable',
      'rate_limited',
      'service_unavailable',
    ),
  );

/** OpenAPI: X-API-Key + X-Tenant-ID. */
export const ApiAdminRoute = () =>
  applyDecorators(
    ApiSecurity('apiKey'),
    tenantHeader(),
    ApiErrorResponses(
      'invalid_tenant_header',
      'unauthenticated',
      'tenant_mismatch',
      'tenant_unavailable',
      'service_unavailable',
    ),
  );

/** OpenAPI: the platform key. */
export const ApiPlatformRoute = () =>
  applyDecorators(ApiSecurity('apiKey'), ApiErrorResponses('unauthenticated', 'forbidden', 'service_unavailable'));
