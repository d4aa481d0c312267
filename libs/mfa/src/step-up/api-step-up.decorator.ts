import { applyDecorators } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';

/**
 * Documents an operation that changes a user's factors: once the user has MFA it needs a fresh
 * step-up proof, and answers 403 `step_up_required` (list that code in its error responses).
 */
export function ApiStepUp() {
  return applyDecorators(
    ApiHeader({
      name: 'X-MFA-Token',
      required: false,
      description:
        "Tessera's MFA token from a step-up (or sign-in) challenge completed by this user (`token` of `/v1/auth/mfa/*/complete`): " +
        'proof of an existing factor. Needed once the user has MFA, unless the bearer token itself asserts fresh MFA ' +
        '(`amr` with mfa, hwk, swk, otp or kba and a recent `auth_time`). Without a proof the answer is 403 `step_up_required` ' +
        'with `WWW-Authenticate: Bearer error="insufficient_user_authentication", max_age="<seconds>"`.',
    }),
  );
}
