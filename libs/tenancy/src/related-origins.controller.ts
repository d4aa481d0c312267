import { Controller, Get, Header, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public, type TesseraRequest } from '#auth';
import { ApiError, ApiErrorResponses } from '#errors';
import { TenantsService } from './tenants.service.js';
import { RelatedOriginsDto } from './tenants.dto.js';

/**
 * WebAuthn Related Origin Requests: a browser on an origin outside the rp id's site fetches
 * https://<rp id>/.well-known/webauthn and proceeds only if its origin is listed. The request
 * names no tenant, so the tenant is the one whose rp id is the requested host: route the rp id's
 * host (or just this path) to Tessera. Behind a proxy with TRUST_PROXY set, X-Forwarded-Host is
 * the host.
 */
@ApiTags('webauthn')
@Controller('.well-known')
@Public()
export class RelatedOriginsController {
  constructor(private readonly tenants: TenantsService) {}

  @Get('webauthn')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({
    operationId: 'getRelatedOrigins',
    summary: 'Related origins of the relying party served by this host',
    description:
      'The origins of the active tenants whose rp id equals the request host (origins, then related origins), ' +
      'trimmed to the first 5 registrable-domain labels as browsers do. 404 when no tenant has this host as rp id.',
  })
  @ApiOkResponse({ type: RelatedOriginsDto })
  @ApiErrorResponses('not_found')
  async relatedOrigins(@Req() req: TesseraRequest): Promise<RelatedOriginsDto> {
    const origins = await this.tenants.relatedOrigins(req.hostname ?? '');
    if (!origins) throw new ApiError('not_found', 'No relying party is served at this host.');
    return { origins };
  }
}
