import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiSchema, ApiTags } from '@nestjs/swagger';
import { Public } from '#auth';
import { ApiErrorResponses } from '#errors';
import { TokenKeysService } from './token-keys.service.js';

@ApiSchema({ name: 'Jwk' })
class JwkDto {
  @ApiProperty({ example: 'EC' }) kty: string;
  @ApiProperty({ example: 'P-256' }) crv: string;
  @ApiProperty() x: string;
  @ApiProperty() y: string;
  @ApiProperty({ description: 'Key id: the RFC 7638 thumbprint; MFA tokens carry it in their header.' }) kid: string;
  @ApiProperty({ example: 'ES256' }) alg: string;
  @ApiProperty({ example: 'sig' }) use: string;
}

@ApiSchema({ name: 'Jwks' })
class JwksDto {
  @ApiProperty({ type: [JwkDto] }) keys: JwkDto[];
}

@ApiTags('mfa tokens')
@Controller('.well-known')
@Public()
export class JwksController {
  constructor(private readonly keys: TokenKeysService) {}

  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({
    operationId: 'getJwks',
    summary: 'Public keys that verify MFA tokens (JWKS)',
    description: 'MFA tokens are ES256 JWTs; select the key by the `kid` of the token header.',
  })
  @ApiOkResponse({ type: JwksDto })
  @ApiErrorResponses()
  jwks(): JwksDto {
    return this.keys.jwks() as unknown as JwksDto;
  }
}
