import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#config';
import { PolicyEngine } from './engine/index.js';
import { POLICY_ENGINE, PolicyService } from './policy.service.js';

/** Cedar decisions for every module; the tenant-rule admin routes are in libs/admin. */
@Global()
@Module({
  providers: [
    {
      provide: POLICY_ENGINE,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => PolicyEngine.create({ maxTenants: config.policyCacheTenants }),
    },
    PolicyService,
  ],
  exports: [PolicyService, POLICY_ENGINE],
})
export class PolicyModule {}
