import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { ApiExcludeController, ApiOperation, ApiResponse } from '@nestjs/swagger';
import { IsInt, IsString, Length, Max, Min } from 'class-validator';
import {
  AdminRoute,
  ApiAdminRoute,
  ApiUserRoute,
  CurrentApiKey,
  CurrentTenant,
  CurrentUser,
  Public,
  UserRoute,
  type ApiKeyPrincipal,
  type TenantContext,
  type UserPrincipal,
} from '#auth';

/** Text a leak check looks for: it must never reach a client. */
export const PROBE_SECRET_TEXT = 'SELECT secret_column FROM internal_table -- probe';

class ProbeBodyDto {
  @IsString()
  @Length(1, 10)
  name: string;

  @IsInt()
  @Min(1)
  @Max(5)
  count: number;
}

/**
 * Test-only routes, mounted only by the e2e suites through startTestApp's `modules` option:
 * a user route, an admin route, a route that fails unexpectedly, and a validated body.
 * The product has none of them, and its OpenAPI document does not list them.
 */
@ApiExcludeController()
@Controller('__probe')
class ProbeController {
  @Get('user')
  @UserRoute()
  @ApiUserRoute()
  @ApiOperation({ summary: 'probe: the user principal' })
  @ApiResponse({ status: 200 })
  user(@CurrentUser() user: UserPrincipal, @CurrentTenant() tenant: TenantContext) {
    return { user_id: user.userId, tenant_id: tenant.id, roles: user.roles, amr: user.amr };
  }

  @Get('admin')
  @AdminRoute()
  @ApiAdminRoute()
  @ApiOperation({ summary: 'probe: the API key principal' })
  @ApiResponse({ status: 200 })
  admin(@CurrentApiKey() key: ApiKeyPrincipal, @CurrentTenant() tenant: TenantContext) {
    return { key_id: key.keyId, tenant_id: tenant.id };
  }

  @Get('boom')
  @Public()
  boom(): never {
    const err = new Error(`relation "internal_table" does not exist: ${PROBE_SECRET_TEXT}`);
    (err as Error & { code: string }).code = '42P01';
    throw err;
  }

  @Post('echo')
  @Public()
  echo(@Body() body: ProbeBodyDto) {
    return body;
  }

  @Get('undeclared')
  undeclared() {
    return { reached: true };
  }
}

@Module({ controllers: [ProbeController] })
export class ProbeModule {}
