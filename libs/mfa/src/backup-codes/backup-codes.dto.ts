import { ApiProperty, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'BackupCodes' })
export class BackupCodesDto {
  @ApiProperty({
    type: [String],
    description: 'Backup codes issued by this call, shown once (empty when the user already holds unused codes).',
    example: ['example'],
  })
  codes: string[];

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Unused backup codes the user holds now.', example: 10 })
  remaining: number;
}

@ApiSchema({ name: 'BackupCodesRemaining' })
export class BackupCodesRemainingDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Unused backup codes the user holds.' })
  remaining: number;
}
