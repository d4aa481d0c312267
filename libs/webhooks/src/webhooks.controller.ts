import { Body, Controller, Delete, Get, Header, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrorResponses, IdParamPipe } from '#errors';
import { AdminRoute, ApiAdminRoute, CurrentAdminCaller, type AdminCaller } from '#auth';
import { PageQueryDto } from '#pagination';
import { WebhooksService } from './webhooks.service.js';
import {
  CreateWebhookDto,
  CreatedWebhookDto,
  RotatedWebhookSecretDto,
  UpdateWebhookDto,
  WebhookDeliveryPageDto,
  WebhookDto,
  WebhookPageDto,
  WebhookTestDto,
} from './webhooks.dto.js';

const BODY_ERRORS = [
  'validation_failed',
  'invalid_json',
  'payload_too_large',
  'unsupported_media_type',
  'policy_denied',
] as const;

@ApiTags('webhooks')
@Controller('v1/webhooks')
@AdminRoute()
@ApiAdminRoute()
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    operationId: 'createWebhook',
    summary: 'Register a webhook endpoint',
    description:
      'Authorized with `manage_webhooks`. The signing secret is in this response once and stored encrypted. Deliveries follow the Standard Webhooks convention.',
  })
  @ApiCreatedResponse({ type: CreatedWebhookDto })
  @ApiErrorResponses(...BODY_ERRORS)
  create(@Body() body: CreateWebhookDto, @CurrentAdminCaller() caller: AdminCaller): Promise<CreatedWebhookDto> {
    return this.webhooks.create(caller, body);
  }

  @Get()
  @ApiOperation({
    operationId: 'listWebhooks',
    summary: "The tenant's webhook endpoints, newest first (cursor pagination)",
  })
  @ApiOkResponse({ type: WebhookPageDto })
  @ApiErrorResponses('validation_failed', 'policy_denied')
  list(@Query() query: PageQueryDto, @CurrentAdminCaller() caller: AdminCaller): Promise<WebhookPageDto> {
    return this.webhooks.list(caller, query);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getWebhook', summary: 'One webhook endpoint (never its secret)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: WebhookDto })
  @ApiErrorResponses('validation_failed', 'policy_denied', 'not_found')
  get(@Param('id', IdParamPipe) id: string, @CurrentAdminCaller() caller: AdminCaller): Promise<WebhookDto> {
    return this.webhooks.get(caller, id);
  }

  @Patch(':id')
  @ApiOperation({
    operationId: 'updateWebhook',
    summary: 'Change the URL, events, description, or enable/disable an endpoint',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: WebhookDto })
  @ApiErrorResponses(...BODY_ERRORS, 'not_found')
  update(
    @Param('id', IdParamPipe) id: string,
    @Body() body: UpdateWebhookDto,
    @CurrentAdminCaller() caller: AdminCaller,
  ): Promise<WebhookDto> {
    return this.webhooks.update(caller, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'deleteWebhook',
    summary: 'Remove an endpoint and its delivery history; pending deliveries are dropped',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrorResponses('validation_failed', 'policy_denied', 'not_found')
  async remove(@Param('id', IdParamPipe) id: string, @CurrentAdminCaller() caller: AdminCaller): Promise<void> {
    await this.webhooks.remove(caller, id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    operationId: 'rotateWebhookSecret',
    summary: 'Replace the signing secret',
    description:
      'For 24 hours every delivery carries two signatures (new and previous secret, space-separated), so receivers can switch without losing events.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: RotatedWebhookSecretDto })
  @ApiErrorResponses('validation_failed', 'policy_denied', 'not_found')
  rotate(
    @Param('id', IdParamPipe) id: string,
    @CurrentAdminCaller() caller: AdminCaller,
  ): Promise<RotatedWebhookSecretDto> {
    return this.webhooks.rotateSecret(caller, id);
  }

  @Post(':id/test')
  @HttpCode(202)
  @ApiOperation({
    operationId: 'testWebhook',
    summary: 'Send a `webhook.test` event to this endpoint',
    description: 'Delivered like any event (signed, retried); follow it in the deliveries.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiAcceptedResponse({ type: WebhookTestDto })
  @ApiErrorResponses('validation_failed', 'policy_denied', 'not_found')
  test(@Param('id', IdParamPipe) id: string, @CurrentAdminCaller() caller: AdminCaller): Promise<WebhookTestDto> {
    return this.webhooks.test(caller, id);
  }

  @Get(':id/deliveries')
  @ApiOperation({
    operationId: 'listWebhookDeliveries',
    summary: "An endpoint's deliveries, newest first: status, attempts, last response code, next attempt",
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: WebhookDeliveryPageDto })
  @ApiErrorResponses('validation_failed', 'policy_denied', 'not_found')
  deliveries(
    @Param('id', IdParamPipe) id: string,
    @Query() query: PageQueryDto,
    @CurrentAdminCaller() caller: AdminCaller,
  ): Promise<WebhookDeliveryPageDto> {
    return this.webhooks.listDeliveries(caller, id, query);
  }
}
