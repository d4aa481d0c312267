import { Module } from '@nestjs/common';
import { TenancyModule } from '../../../../libs/tenancy/src/index.js';
import { MfaModule } from '../../../../libs/mfa/src/index.js';
import { DemoController, demoAssetsProvider } from './demo.controller.js';

/** Dev mode only (see AppModule): the demo page at /demo. */
@Module({
  imports: [TenancyModule, MfaModule],
  controllers: [DemoController],
  providers: [demoAssetsProvider],
})
export class DemoModule {}
