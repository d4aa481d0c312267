import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#config';
import { ApiKeysService } from './api-keys.service.js';
import { JwtVerifierService } from './jwt-verifier.service.js';
import { DEV_JWT_SECRET, resolveDevJwtSecret } from './dev-secret.js';
import { AuthGuard } from './auth.guard.js';

@Global()
@Module({
  providers: [
    { provide: DEV_JWT_SECRET, inject: [APP_CONFIG], useFactory: (config: AppConfig) => resolveDevJwtSecret(config) },
    JwtVerifierService,
    ApiKeysService,
    AuthGuard,
  ],
  exports: [JwtVerifierService, ApiKeysService, AuthGuard, DEV_JWT_SECRET],
})
export class AuthModule {}
