import { Global, Module } from '@nestjs/common';
import { TenantsService } from './tenants.service.js';
import { TenancyGuard } from './tenancy.guard.js';
import { TenantsController } from './tenants.controller.js';
import { RelatedOriginsController } from './related-origins.controller.js';

@Global()
@Module({
  providers: [TenantsService, TenancyGuard],
  controllers: [TenantsController, RelatedOriginsController],
  exports: [TenantsService, TenancyGuard],
})
export class TenancyModule {}
