import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ConfigModule, type AppConfig } from '../../../libs/config/src/index.js';
import { PersistenceModule } from '../../../libs/persistence/src/index.js';
import { AuthGuard, AuthModule } from '../../../libs/auth/src/index.js';
import { AuditModule } from '../../../libs/audit/src/index.js';
import { TenancyGuard, TenancyModule } from '../../../libs/tenancy/src/index.js';
import { Metrics, ObservabilityModule } from '../../../libs/observability/src/index.js';
import { PolicyModule } from '../../../libs/policy/src/index.js';
import { MfaModule, StepUpProofGuard } from '../../../libs/mfa/src/index.js';
import { MetadataModule } from '../../../libs/mfa/src/metadata/index.js';
import { HousekeepingModule } from '../../../libs/mfa/src/housekeeping/housekeeping.module.js';
import { IpRateLimitGuard, RateLimitModule } from '../../../libs/rate-limit/src/index.js';
import { WebhooksModule } from '../../../libs/webhooks/src/index.js';
import { DemoModule } from './demo/demo.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, metrics: Metrics): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        ObservabilityModule.forRoot(metrics),
        PersistenceModule.forRoot(),
        AuthModule,
        AuditModule,
        RateLimitModule,
        TenancyModule,
        PolicyModule,
        MetadataModule,
        MfaModule,
        HousekeepingModule,
        WebhooksModule,
        // The demo page (/demo) exists in dev mode only: in production its routes are plain 404s.
        ...(config.devMode ? [DemoModule] : []),
      ],
      providers: [
        // Order matters: the IP limit first (cheapest), authenticate (401), bind the tenant (400/403),
        // then read a step-up proof (X-MFA-Token), which needs both.
        { provide: APP_GUARD, useExisting: IpRateLimitGuard },
        { provide: APP_GUARD, useExisting: AuthGuard },
        { provide: APP_GUARD, useExisting: TenancyGuard },
        { provide: APP_GUARD, useExisting: StepUpProofGuard },
      ],
    };
  }
}
