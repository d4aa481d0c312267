import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '#errors';
import { ApiPlatformRoute, PlatformRoute } from '#auth';
import { TenantsService } from './tenants.service.js';
import { PageQueryDto } from '#pagination';
import {
  CreatedTenantDto,
  CreateTenantDto,
  EffectiveWebAuthnSettingsDto,
  PatchWebAuthnSettingsDto,
  TenantDto,
  TenantPageDto,
  UpdateTenantDto,
} from './tenants.dto.js';

@ApiTags('platform')
@Controller('v1/tenants')
@PlatformRoute()
@ApiPlatformRoute()
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ operationId: 'createTenant', summary: 'Create a tenant and its first admin API key (shown once)' })
  @ApiResponse({ status: 201, type: CreatedTenantDto })
  @ApiErrorResponses('validation_failed', 'conflict', 'invalid_json', 'payload_too_large', 'unsupported_media_type')
  async create(@Body() body: CreateTenantDto): Promise<CreatedTenantDto> {
    const { tenant, apiKey } = await this.tenants.create(body);
    return { ...tenant, api_key: apiKey };
  }

  @Get()
  @ApiOperation({
    operationId: 'listTenants',
    summary: 'List tenants, in creation order (cursor pagination)',
    description: '`limit` 1–100 (default 20); pass `next_cursor` as `cursor` for the next page.',
  })
  @ApiResponse({ status: 200, type: TenantPageDto })
  @ApiErrorResponses('validation_failed')
  list(@Query() query: PageQueryDto): Promise<TenantPageDto> {
    return this.tenants.page(query);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getTenant', summary: 'Get a tenant' })
  @ApiResponse({ status: 200, type: TenantDto })
  @ApiErrorResponses('validation_failed', 'not_found')
  get(@Param('id', new ParseUUIDPipe({ version: undefined })) id: string): Promise<TenantDto> {
    return this.tenants.get(id);
  }

  @Patch(':id')
  @ApiOperation({
    operationId: 'updateTenant',
    summary: 'Update a tenant: name, status, WebAuthn settings, require_mfa',
  })
  @ApiResponse({ status: 200, type: TenantDto })
  @ApiErrorResponses('validation_failed', 'not_found', 'invalid_json', 'payload_too_large', 'unsupported_media_type')
  update(
    @Param('id', new ParseUUIDPipe({ version: undefined })) id: string,
    @Body() body: UpdateTenantDto,
  ): Promise<TenantDto> {
    return this.tenants.update(id, body);
  }

  @Get(':id/webauthn')
  @ApiOperation({
    operationId: 'getTenantWebAuthnSettings',
    summary: "Get a tenant's WebAuthn settings, defaults filled in",
    description:
      '404 `not_found` when the tenant does not exist or has no WebAuthn settings (details.reason `webauthn_not_configured`).',
  })
  @ApiResponse({ status: 200, type: EffectiveWebAuthnSettingsDto })
  @ApiErrorResponses('validation_failed', 'not_found')
  getWebAuthn(
    @Param('id', new ParseUUIDPipe({ version: undefined })) id: string,
  ): Promise<EffectiveWebAuthnSettingsDto> {
    return this.tenants.webauthnSettings(id);
  }

  @Patch(':id/webauthn')
  @ApiOperation({
    operationId: 'updateTenantWebAuthnSettings',
    summary: "Change some of a tenant's WebAuthn settings",
    description:
      'Only the given fields change; the result is validated as a whole: origins https (http only for localhost) on the rp id or its subdomains, ' +
      'related origins on other sites (published at /.well-known/webauthn), timeout, algorithms, attestation per method type. ' +
      'A tenant without settings needs rp_id, rp_name and origins. Audited as `tenant.webauthn_updated`. ' +
      'Changing rp_id orphans the credentials enrolled under the old one.',
  })
  @ApiResponse({ status: 200, type: EffectiveWebAuthnSettingsDto })
  @ApiErrorResponses('validation_failed', 'not_found', 'invalid_json', 'payload_too_large', 'unsupported_media_type')
  patchWebAuthn(
    @Param('id', new ParseUUIDPipe({ version: undefined })) id: string,
    @Body() body: PatchWebAuthnSettingsDto,
  ): Promise<EffectiveWebAuthnSettingsDto> {
    return this.tenants.patchWebAuthnSettings(id, body);
  }
}
