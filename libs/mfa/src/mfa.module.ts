import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#config';
import { BackupCodesService } from './backup-codes/backup-codes.service.js';
import { BackupCodesController } from './backup-codes/backup-codes.controller.js';
import { BackupCodeRedemptionService } from './backup-codes/backup-code-redemption.service.js';
import { FactorsService } from './factors/factors.service.js';
import { FactorsController } from './factors/factors.controller.js';
import { FactorManagementService } from './factors/factor-management.service.js';
import { CredentialSignalsService } from './factors/credential-signals.service.js';
import { AdminFactorsController } from './factors/admin-factors.controller.js';
import { WebAuthnEnrollmentService } from './webauthn/webauthn-enrollment.service.js';
import { WebAuthnEnrollmentController } from './webauthn/webauthn-enrollment.controller.js';
import { AssertionCredentialsService } from './webauthn/assertion-credentials.service.js';
import { MFA_ENCRYPTION_KEY, resolveMfaEncryptionKey } from './crypto/encryption-key.js';
import { TokenKeysService } from './tokens/token-keys.service.js';
import { MfaTokenService } from './tokens/mfa-token.service.js';
import { JwksController } from './tokens/jwks.controller.js';
import { TotpEnrollmentService } from './totp/totp-enrollment.service.js';
import { TotpCodesService } from './totp/totp-codes.service.js';
import { TotpController } from './totp/totp.controller.js';
import { ChallengesService } from './challenges/challenges.service.js';
import { ChallengeCompletionService } from './challenges/challenge-completion.service.js';
import { BeginWebAuthnAuthentication } from './challenges/begin-webauthn-authentication.usecase.js';
import { CompleteWithWebAuthn } from './challenges/complete-with-webauthn.usecase.js';
import { CompleteWithTotp } from './challenges/complete-with-totp.usecase.js';
import { CompleteWithBackupCode } from './challenges/complete-with-backup-code.usecase.js';
import { SignInChallengesController } from './challenges/sign-in-challenges.controller.js';
import { StepUpChallengesController } from './challenges/step-up-challenges.controller.js';
import { MfaVerificationController } from './challenges/mfa-verification.controller.js';
import { CredentialTrustRejudger } from './authenticators/credential-trust.rejudger.js';
import { AuthenticatorReportService } from './authenticators/authenticator-report.service.js';
import { AuthenticatorReportController } from './authenticators/authenticator-report.controller.js';
import { StepUpProofGuard } from './step-up/step-up-proof.guard.js';

@Module({
  providers: [
    {
      provide: MFA_ENCRYPTION_KEY,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => resolveMfaEncryptionKey(config),
    },
    FactorsService,
    FactorManagementService,
    CredentialSignalsService,
    BackupCodesService,
    BackupCodeRedemptionService,
    WebAuthnEnrollmentService,
    AssertionCredentialsService,
    TokenKeysService,
    MfaTokenService,
    TotpEnrollmentService,
    TotpCodesService,
    ChallengesService,
    ChallengeCompletionService,
    BeginWebAuthnAuthentication,
    CompleteWithWebAuthn,
    CompleteWithTotp,
    CompleteWithBackupCode,
    CredentialTrustRejudger,
    AuthenticatorReportService,
    StepUpProofGuard,
  ],
  controllers: [
    // Express tries routes in the order they are registered, one by one: the ceremonies' routes
    // first, so the requests made most often are matched soonest.
    SignInChallengesController,
    MfaVerificationController,
    StepUpChallengesController,
    WebAuthnEnrollmentController,
    TotpController,
    BackupCodesController,
    FactorsController,
    AuthenticatorReportController,
    JwksController,
    // Last: /v1/users/:user_id/mfa… must not shadow the /v1/users/me/mfa… routes above.
    AdminFactorsController,
  ],
  exports: [
    MFA_ENCRYPTION_KEY,
    StepUpProofGuard,
    FactorsService,
    BackupCodesService,
    WebAuthnEnrollmentService,
    ChallengesService,
    MfaTokenService,
    TokenKeysService,
  ],
})
export class MfaModule {}
