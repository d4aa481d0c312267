import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrorResponses, IdParamPipe } from '#errors';
import { AdminRoute, ApiAdminRoute, CurrentAdminCaller, type AdminCaller } from '#auth';
import type { Page } from '#pagination';
import { PoliciesService, type PolicyView, type RuleView } from './policies.service.js';
import {
  CreatePolicyDto,
  CreateRuleDto,
  PageQueryDto,
  PolicyDto,
  PolicyPageDto,
  RESTRICT_ONLY_DOC,
  RuleDto,
  RuleListDto,
  SimulateDto,
  SimulationResultDto,
  UpdatePolicyDto,
  UpdateRuleDto,
} from './policies.dto.js';

const BODY_ERRORS = [
  'validation_failed',
  'invalid_json',
  'payload_too_large',
  'unsupported_media_type',
  'policy_denied',
] as const;
const CHANGE_DOC =
  'Validated against the schema before anything is stored (400 `policy_invalid` with `details.errors` `[{rule_id?, statement?, message, position}]`); ' +
  'a change that would deny the calling key `manage_policies` is refused the same way. Applied in one transaction with the audit event; every API node enforces it from its next request.';

@ApiTags('policies')
@Controller('v1/policies')
@AdminRoute()
@ApiAdminRoute()
export class PoliciesController {
  constructor(private readonly policies: PoliciesService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    operationId: 'createPolicy',
    summary: 'Create a tenant policy, optionally with its rules as Cedar text',
    description: `${CHANGE_DOC} ${RESTRICT_ONLY_DOC}`,
  })
  @ApiCreatedResponse({ type: PolicyDto })
  @ApiErrorResponses(...BODY_ERRORS, 'policy_invalid')
  create(@Body() body: CreatePolicyDto, @CurrentAdminCaller() caller: AdminCaller): Promise<PolicyView> {
    return this.policies.create(caller, body);
  }

  @Get()
  @ApiOperation({
    operationId: 'listPolicies',
    summary: "List the tenant's policies with their rules (oldest first, cursor pagination)",
  })
  @ApiOkResponse({ type: PolicyPageDto })
  @ApiErrorResponses('validation_failed', 'policy_denied')
  list(@Query() query: PageQueryDto, @CurrentAdminCaller() caller: AdminCaller): Promise<Page<PolicyView>> {
    return this.policies.list(caller, { limit: query.limit ?? 20, cursor: query.cursor });
  }

  @Post('simulate')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'simulatePolicyDecision',
    summary: 'Decide a request under the baseline, your enabled rules and optional draft rules, without side effects',
    description: 'Principal and resource are entities of your tenant. Use it to test a rule before enabling it.',
  })
  @ApiOkResponse({ type: SimulationResultDto })
  @ApiErrorResponses(...BODY_ERRORS, 'policy_invalid')
  simulate(@Body() body: SimulateDto, @CurrentAdminCaller() caller: AdminCaller) {
    return this.policies.simulate(caller, body);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getPolicy', summary: 'Get a policy with its rules' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: PolicyDto })
  @ApiErrorResponses('validation_failed', 'policy_denied', 'not_found')
  get(@Param('id', IdParamPipe) id: string, @CurrentAdminCaller() caller: AdminCaller): Promise<PolicyView> {
    return this.policies.get(caller, id);
  }

  @Patch(':id')
  @ApiOperation({
    operationId: 'updatePolicy',
    summary: 'Update a policy: name, description, enabled, priority, or replace its rules',
    description: `${CHANGE_DOC} ${RESTRICT_ONLY_DOC}`,
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: PolicyDto })
  @ApiErrorResponses(...BODY_ERRORS, 'policy_invalid', 'not_found')
  update(
    @Param('id', IdParamPipe) id: string,
    @Body() body: UpdatePolicyDto,
    @CurrentAdminCaller() caller: AdminCaller,
  ): Promise<PolicyView> {
    return this.policies.update(caller, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deletePolicy', summary: 'Delete a policy and its rules' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrorResponses('validation_failed', 'policy_denied', 'not_found')
  async delete(@Param('id', IdParamPipe) id: string, @CurrentAdminCaller() caller: AdminCaller): Promise<void> {
    await this.policies.delete(caller, id);
  }

  @Post(':id/rules')
  @HttpCode(201)
  @ApiOperation({
    operationId: 'createPolicyRule',
    summary: 'Add a rule: one Cedar statement as `policy_text`, or structured fields',
    description: `${CHANGE_DOC} ${RESTRICT_ONLY_DOC}`,
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiCreatedResponse({ type: RuleDto })
  @ApiErrorResponses(...BODY_ERRORS, 'policy_invalid', 'not_found')
  addRule(
    @Param('id', IdParamPipe) id: string,
    @Body() body: CreateRuleDto,
    @CurrentAdminCaller() caller: AdminCaller,
  ): Promise<RuleView> {
    return this.policies.addRule(caller, id, body);
  }

  @Get(':id/rules')
  @ApiOperation({ operationId: 'listPolicyRules', summary: "List a policy's rules in evaluation order" })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: RuleListDto })
  @ApiErrorResponses('validation_failed', 'policy_denied', 'not_found')
  async listRules(
    @Param('id', IdParamPipe) id: string,
    @CurrentAdminCaller() caller: AdminCaller,
  ): Promise<RuleListDto> {
    return { data: await this.policies.listRules(caller, id) };
  }

  @Get(':id/rules/:rule_id')
  @ApiOperation({ operationId: 'getPolicyRule', summary: 'Get a rule' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiParam({ name: 'rule_id', format: 'uuid' })
  @ApiOkResponse({ type: RuleDto })
  @ApiErrorResponses('validation_failed', 'policy_denied', 'not_found')
  getRule(
    @Param('id', IdParamPipe) id: string,
    @Param('rule_id', IdParamPipe) ruleId: string,
    @CurrentAdminCaller() caller: AdminCaller,
  ): Promise<RuleView> {
    return this.policies.getRule(caller, id, ruleId);
  }

  @Patch(':id/rules/:rule_id')
  @ApiOperation({
    operationId: 'updatePolicyRule',
    summary: 'Change a rule: its text or structured fields, notice or position',
    description: `${CHANGE_DOC} ${RESTRICT_ONLY_DOC}`,
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiParam({ name: 'rule_id', format: 'uuid' })
  @ApiOkResponse({ type: RuleDto })
  @ApiErrorResponses(...BODY_ERRORS, 'policy_invalid', 'not_found')
  updateRule(
    @Param('id', IdParamPipe) id: string,
    @Param('rule_id', IdParamPipe) ruleId: string,
    @Body() body: UpdateRuleDto,
    @CurrentAdminCaller() caller: AdminCaller,
  ): Promise<RuleView> {
    return this.policies.updateRule(caller, id, ruleId, body);
  }

  @Delete(':id/rules/:rule_id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deletePolicyRule', summary: 'Delete a rule' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiParam({ name: 'rule_id', format: 'uuid' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrorResponses('validation_failed', 'policy_denied', 'not_found')
  async deleteRule(
    @Param('id', IdParamPipe) id: string,
    @Param('rule_id', IdParamPipe) ruleId: string,
    @CurrentAdminCaller() caller: AdminCaller,
  ): Promise<void> {
    await this.policies.deleteRule(caller, id, ruleId);
  }
}
