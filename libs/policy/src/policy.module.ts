import { Global, Module } from '@nestjs/common';
import { PolicyEngine } from './engine/index.js';
import { POLICY_ENGINE, PolicyService } from './policy.service.js';

@Global()
@Module({
  providers: [{ provide: POLICY_ENGINE, useFactory: () => PolicyEngine.create() }, PolicyService],
  exports: [PolicyService, POLICY_ENGINE],
})
export class PolicyModule {}
