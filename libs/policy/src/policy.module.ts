import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/src/index.js';
import { ApiKeysController } from '../../auth/src/api-keys.controller.js';
import { ApiKeysAdminService } from '../../auth/src/api-keys-admin.service.js';
import { PolicyEngine } from './engine/index.js';
import { POLICY_ENGINE, PolicyService } from './policy.service.js';
import { PoliciesService } from './admin/policies.service.js';
import { PoliciesController } from './admin/policies.controller.js';

/**
 * Cedar decisions for every module, and the admin routes that are authorized by them. The API
 * key routes live in libs/auth but are registered here: libs/auth must not depend on this module.
 */
@Global()
@Module({
  providers: [
    { provide: POLICY_ENGINE, inject: [APP_CONFIG], useFactory: (config: AppConfig) => PolicyEngine.create({ maxTenants: config.policyCacheTenants }) },
    PolicyService,
    PoliciesService,
    ApiKeysAdminService,
  ],
  controllers: [PoliciesController, ApiKeysController],
  exports: [PolicyService, POLICY_ENGINE],
})
export class PolicyModule {}
