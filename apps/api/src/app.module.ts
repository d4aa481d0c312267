import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ConfigModule, type AppConfig } from '#config';
import { PersistenceModule } from '#persistence';
import { AuthGuard, AuthModule } from '#auth';
import { AuditModule } from '#audit';
import { TenancyGuard, TenancyModule } from '#tenancy';
import { Metrics, ObservabilityModule } from '#observability';
import { PolicyModule } from '#policy';
import { HousekeepingModule, MetadataModule, MfaModule, StepUpProofGuard } from '#mfa';
import { IpRateLimitGuard, RateLimitModule } from '#rate-limit';
import { WebhooksModule } from '#webhooks';
import { ApiKeysAdminModule, AuditLogAdminModule, PoliciesAdminModule } from '#admin';
import { DemoModule } from './demo/demo.module.js';
import { HealthModule } from './health/health.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, metrics: Metrics): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        ObservabilityModule.forRoot(metrics),
        HealthModule,
        // Before the admin modules: Nest registers routes module by module, and Express matches
        // them in that order, so a ceremony's requests pass fewer routes (see MfaModule).
        MfaModule,
        PersistenceModule.forRoot(),
        AuthModule,
        AuditModule,
        AuditLogAdminModule,
        RateLimitModule,
        TenancyModule,
        PolicyModule,
        PoliciesAdminModule,
        ApiKeysAdminModule,
        MetadataModule,
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
