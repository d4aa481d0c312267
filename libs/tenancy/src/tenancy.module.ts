import { Global, Module } from '@nestjs/common';
import { TenantsService } from './tenants.service.js';
import { TenancyGuard } from './tenancy.guard.js';
import { TenantsController } from './tenants.controller.js';

@Global()
@Module({ providers: [TenantsService, TenancyGuard], controllers: [TenantsController], exports: [TenantsService, TenancyGuard] })
export class TenancyModule {}
