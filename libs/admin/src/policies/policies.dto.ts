import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
export { PageQueryDto } from '#pagination';
import { POLICY_ACTIONS, POLICY_ENTITY_TYPES, type PolicyAction, type PolicyEntityType } from '#policy';

const MAX_RULE_TEXT = 10_000;
const MAX_POLICY_SET_TEXT = 100_000;

export const RESTRICT_ONLY_DOC =
  'Tenant rules can only restrict: only `forbid` statements are accepted, and a `permit` is refused with 400 `policy_invalid` ' +
  '("Tenant rules can only restrict: use forbid; the baseline grants access"). The baseline rules grant access; a tenant permit ' +
  "could grant what the baseline deliberately does not (such as acting on another user's factors), so tenants tighten, never loosen.";

@ApiSchema({ name: 'NewPolicy' })
export class CreatePolicyDto {
  @ApiProperty({ example: 'Security keys for finance', maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiPropertyOptional({ maxLength: 2000, nullable: true, type: String })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;

  @ApiProperty({ description: 'Disabled policies keep their rules but are not evaluated.' })
  @IsBoolean()
  enabled: boolean;

  @ApiPropertyOptional({
    type: 'integer',
    default: 0,
    minimum: -1000,
    maximum: 1000,
    description: 'Higher priority policies are evaluated (and their notices listed) first.',
  })
  @IsOptional()
  @IsInt()
  @Min(-1000)
  @Max(1000)
  priority?: number;

  @ApiPropertyOptional({
    maxLength: MAX_POLICY_SET_TEXT,
    description: `Cedar text of one or more \`forbid\` statements, each stored as a rule (its \`@notice("…")\` annotation becomes the rule's notice). ${RESTRICT_ONLY_DOC}`,
    example:
      '@notice("Security keys only.")\nforbid (principal, action == Tessera::Action::"complete_enrollment", resource is Tessera::Authenticator)\nwhen { resource.method_type != "webauthn_fido" };',
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_POLICY_SET_TEXT)
  cedar_policy_set?: string;
}

@ApiSchema({ name: 'PolicyUpdate' })
export class UpdatePolicyDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ maxLength: 2000, nullable: true, type: String })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;

  @ApiPropertyOptional({
    description: 'false lifts all the policy rules on the next request; true enforces them again.',
  })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ type: 'integer', minimum: -1000, maximum: 1000 })
  @IsOptional()
  @IsInt()
  @Min(-1000)
  @Max(1000)
  priority?: number;

  @ApiPropertyOptional({
    maxLength: MAX_POLICY_SET_TEXT,
    description: `Replaces all the policy's rules with these statements. ${RESTRICT_ONLY_DOC}`,
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_POLICY_SET_TEXT)
  cedar_policy_set?: string;
}

@ApiSchema({ name: 'EntityRef' })
export class EntityRefDto {
  @ApiProperty({ enum: POLICY_ENTITY_TYPES })
  @IsIn(POLICY_ENTITY_TYPES)
  type: PolicyEntityType;

  @ApiProperty({ maxLength: 255 })
  @IsString()
  @Length(1, 255)
  id: string;
}

@ApiSchema({ name: 'RuleScope' })
export class ScopeDto {
  @ApiPropertyOptional({ enum: POLICY_ENTITY_TYPES, description: '`principal is Tessera::<is>`' })
  @IsOptional()
  @IsIn(POLICY_ENTITY_TYPES)
  is?: PolicyEntityType;

  @ApiPropertyOptional({ type: EntityRefDto, description: '`== Tessera::<type>::"<id>"` (not with `is` or `in`)' })
  @IsOptional()
  @ValidateNested()
  @Type(() => EntityRefDto)
  eq?: EntityRefDto;

  @ApiPropertyOptional({ type: EntityRefDto, description: '`in Tessera::<type>::"<id>"`' })
  @IsOptional()
  @ValidateNested()
  @Type(() => EntityRefDto)
  in?: EntityRefDto;
}

/** One action id, or a non-empty list of them. */
function IsActionScope() {
  const valid = (v: unknown) => typeof v === 'string' && (POLICY_ACTIONS as readonly string[]).includes(v);
  return ValidateBy({
    name: 'isActionScope',
    validator: {
      validate: (value: unknown) =>
        valid(value) ||
        (Array.isArray(value) && value.length > 0 && value.length <= POLICY_ACTIONS.length && value.every(valid)),
      defaultMessage: () => `action must be one of ${POLICY_ACTIONS.join(', ')}, or a non-empty array of them`,
    },
  });
}

const actionSchema = { type: 'string' as const, enum: [...POLICY_ACTIONS] };

export class RuleInputDto {
  @ApiPropertyOptional({
    maxLength: MAX_RULE_TEXT,
    description: `Exactly one Cedar \`forbid\` statement. Exclusive with the structured fields. ${RESTRICT_ONLY_DOC}`,
    example:
      'forbid (principal, action == Tessera::Action::"complete_enrollment", resource is Tessera::Authenticator)\nwhen { resource.method_type == "webauthn_fido" };',
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_RULE_TEXT)
  policy_text?: string;

  @ApiPropertyOptional({
    enum: ['forbid', 'permit'],
    description: 'Structured form. Only `forbid` is accepted from tenants.',
  })
  @IsOptional()
  @IsIn(['forbid', 'permit'])
  effect?: 'forbid' | 'permit';

  @ApiPropertyOptional({ type: ScopeDto, description: 'Principal scope; omitted = every principal.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => ScopeDto)
  principal?: ScopeDto;

  @ApiPropertyOptional({
    oneOf: [actionSchema, { type: 'array', items: actionSchema, minItems: 1 }],
    description: 'One action or several; omitted = every action.',
  })
  @IsOptional()
  @IsActionScope()
  action?: PolicyAction | PolicyAction[];

  @ApiPropertyOptional({ type: ScopeDto, description: 'Resource scope; omitted = every resource.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => ScopeDto)
  resource?: ScopeDto;

  @ApiPropertyOptional({
    type: [String],
    maxItems: 20,
    description: 'Cedar expressions, joined with `&&` in one `when` clause.',
    example: ['resource.method_type == "webauthn_fido"'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(2000, { each: true })
  conditions?: string[];

  @ApiPropertyOptional({
    maxLength: 500,
    nullable: true,
    type: String,
    description:
      'Shown to the person this rule denies (in `notices`). Overrides an `@notice("…")` annotation in `policy_text`; null clears it.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  notice?: string | null;
}

@ApiSchema({ name: 'NewRule' })
export class CreateRuleDto extends RuleInputDto {}

@ApiSchema({ name: 'RuleUpdate' })
export class UpdateRuleDto extends RuleInputDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: 100000,
    description: 'Evaluation order within the policy (ascending).',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100000)
  position?: number;
}

@ApiSchema({ name: 'Rule' })
export class RuleDto {
  @ApiProperty({
    format: 'uuid',
    description: 'The id listed in `details.determining_policies` when this rule denies.',
  })
  id: string;
  @ApiProperty({ format: 'uuid' }) policy_id: string;
  @ApiProperty({ type: 'integer', minimum: 0, maximum: 100000 }) position: number;
  @ApiProperty({ enum: ['forbid', 'permit'] }) effect: 'forbid' | 'permit';
  @ApiProperty({ description: 'The Cedar statement as stored (assembled when given as structured fields).' })
  policy_text: string;
  @ApiProperty({ nullable: true, type: String }) notice: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

@ApiSchema({ name: 'RuleList' })
export class RuleListDto {
  @ApiProperty({ type: [RuleDto] }) data: RuleDto[];
}

@ApiSchema({ name: 'Policy' })
export class PolicyDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ type: 'integer', minimum: -1000, maximum: 1000 }) priority: number;
  @ApiProperty({ type: [RuleDto] }) rules: RuleDto[];
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

@ApiSchema({ name: 'PolicyPage' })
export class PolicyPageDto {
  @ApiProperty({ type: [PolicyDto] }) data: PolicyDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Cursor of the next page; null on the last page.' })
  next_cursor: string | null;
  @ApiProperty() has_more: boolean;
}

@ApiSchema({ name: 'SimulationEntity' })
export class SimulationEntityDto {
  @ApiProperty({ enum: POLICY_ENTITY_TYPES, description: 'Entity type without namespace, e.g. "User".' })
  @IsIn(POLICY_ENTITY_TYPES)
  type: PolicyEntityType;

  @ApiProperty({ maxLength: 255, description: "For a Tenant, your tenant's id." })
  @IsString()
  @Length(1, 255)
  id: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      'Attributes as in the schema (without `tenant`, which is always your tenant). An entity reference is `{"type": "User", "id": "…"}`.',
    example: { roles: ['admin'] },
  })
  @IsOptional()
  @IsObject()
  attrs?: Record<string, unknown>;
}

@ApiSchema({ name: 'SimulationPrincipal' })
export class SimulatePrincipalDto {
  @ApiProperty({ enum: ['User', 'ApiKey'] })
  @IsIn(['User', 'ApiKey'])
  type: 'User' | 'ApiKey';

  @ApiProperty({ maxLength: 255, description: 'A user id (JWT subject) or an API key id.' })
  @IsString()
  @Length(1, 255)
  id: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'User: `{"roles": [...]}`; ApiKey: `{"scopes": [...]}`.',
    example: { roles: ['finance'] },
  })
  @IsOptional()
  @IsObject()
  attrs?: Record<string, unknown>;
}

@ApiSchema({ name: 'Simulation' })
export class SimulateDto {
  @ApiProperty({ type: SimulatePrincipalDto })
  @ValidateNested()
  @Type(() => SimulatePrincipalDto)
  principal: SimulatePrincipalDto;

  @ApiProperty({ enum: POLICY_ACTIONS })
  @IsIn(POLICY_ACTIONS)
  action: PolicyAction;

  @ApiProperty({ type: SimulationEntityDto })
  @ValidateNested()
  @Type(() => SimulationEntityDto)
  resource: SimulationEntityDto;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'UserContext or AdminContext of the schema. A user action includes the step-up context: `step_up_via` ("tessera" | "idp" | "none"), ' +
      '`step_up_age_seconds`, `step_up_amr` and `step_up_max_age_seconds`, beside `has_mfa`.',
    example: {
      method_type: 'webauthn_fido',
      amr: ['pwd'],
      auth_age_seconds: 60,
      factor_count: 1,
      has_mfa: true,
      ip: '203.0.113.9',
      tenant_requires_mfa: false,
      step_up_via: 'tessera',
      step_up_age_seconds: 20,
      step_up_amr: ['hwk'],
      step_up_max_age_seconds: 300,
    },
  })
  @IsObject()
  context: Record<string, unknown>;

  @ApiPropertyOptional({
    type: [String],
    maxItems: 20,
    description:
      'Draft rules (one statement each) evaluated after your enabled rules, to test them before storing; named `rules[i]` in the answer.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(MAX_RULE_TEXT, { each: true })
  rules?: string[];
}

@ApiSchema({ name: 'SimulationResult' })
export class SimulationResultDto {
  @ApiProperty({ enum: ['allow', 'deny'] }) decision: 'allow' | 'deny';
  @ApiProperty({
    type: [String],
    description: 'Deny: the forbids that matched. Allow: the permits that matched. Default deny: [].',
  })
  determining_policies: string[];
  @ApiProperty({ type: [String], description: 'Notices of the determining rules, in evaluation order.' })
  notices: string[];
  @ApiProperty({ type: [String], description: 'Evaluation errors (any error denies).' }) errors: string[];
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The context the decision was evaluated with (for a user action, including the step-up context).',
  })
  context: Record<string, unknown>;
}
