import { Module } from '@nestjs/common';
import { TenancyModule } from '#tenancy';
import { MfaModule } from '#mfa';
import { DemoController, demoAssetsProvider } from './demo.controller.js';

/** Dev mode only (see AppModule): the demo page at /demo. */
@Module({
  imports: [TenancyModule, MfaModule],
  controllers: [DemoController],
  providers: [demoAssetsProvider],
})
export class DemoModule {}
