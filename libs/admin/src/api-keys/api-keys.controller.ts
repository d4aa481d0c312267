import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrorResponses, IdParamPipe } from '#errors';
import { ApiAdminRoute, AdminRoute, CurrentAdminCaller, type AdminCaller } from '#auth';
import { ApiKeysAdminService } from './api-keys-admin.service.js';
import { ApiKeyListDto, CreateApiKeyDto, CreatedApiKeyDto } from './api-keys.dto.js';

@ApiTags('api-keys')
@Controller('v1/api-keys')
@AdminRoute()
@ApiAdminRoute()
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysAdminService) {}

  @Post()
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    operationId: 'createApiKey',
    summary: 'Create a tenant admin API key',
    description: 'The key is in the response once and stored only as a hash.',
  })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiErrorResponses(
    'validation_failed',
    'invalid_json',
    'payload_too_large',
    'unsupported_media_type',
    'policy_denied',
  )
  create(@Body() body: CreateApiKeyDto, @CurrentAdminCaller() caller: AdminCaller): Promise<CreatedApiKeyDto> {
    return this.keys.create(caller, body.name);
  }

  @Get()
  @ApiOperation({
    operationId: 'listApiKeys',
    summary: "List the tenant's API keys, revoked ones included (never the keys themselves)",
  })
  @ApiOkResponse({ type: ApiKeyListDto })
  @ApiErrorResponses('policy_denied')
  async list(@CurrentAdminCaller() caller: AdminCaller): Promise<ApiKeyListDto> {
    return { data: await this.keys.list(caller) };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'revokeApiKey',
    summary: 'Revoke an API key',
    description:
      'The key is refused (401) from the next request. A key cannot revoke itself (409 `conflict`): use another key, so a tenant always keeps one. Revoking a revoked key is a no-op.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiErrorResponses('validation_failed', 'policy_denied', 'not_found', 'conflict')
  async revoke(@Param('id', IdParamPipe) id: string, @CurrentAdminCaller() caller: AdminCaller): Promise<void> {
    await this.keys.revoke(caller, id);
  }
}
