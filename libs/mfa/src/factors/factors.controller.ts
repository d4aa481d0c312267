import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ApiUserRoute, CurrentTenant, CurrentUser, UserRoute, type TenantContext, type UserPrincipal } from '../../../auth/src/index.js';
import { FactorsService } from './factors.service.js';

class AuthenticatorInfoDto {
  @ApiProperty({ description: 'AAGUID of the authenticator model (all zeros when not disclosed)' }) aaguid: string;
  @ApiPropertyOptional({ description: 'Human name of the authenticator model, when known' }) name?: string;
  @ApiProperty({ description: 'The credential is synced (backed up)' }) backed_up: boolean;
}

class FactorDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['webauthn_passkey', 'webauthn_fido', 'totp'] }) method_type: string;
  @ApiProperty() device_name: string;
  @ApiProperty() verified: boolean;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) last_used_at: string | null;
  @ApiProperty({ type: AuthenticatorInfoDto, nullable: true }) authenticator: AuthenticatorInfoDto | null;
}

class FactorListDto {
  @ApiProperty({ type: [FactorDto] }) methods: FactorDto[];
}

@ApiTags('factors')
@Controller('v1/users/me/mfa')
@UserRoute()
@ApiUserRoute()
export class FactorsController {
  constructor(private readonly factors: FactorsService) {}

  @Get()
  @ApiOperation({ summary: "List the user's enrolled factors" })
  @ApiOkResponse({ type: FactorListDto })
  async list(@CurrentTenant() tenant: TenantContext, @CurrentUser() user: UserPrincipal): Promise<FactorListDto> {
    return { methods: await this.factors.list(tenant.id, user.userId) };
  }
}
