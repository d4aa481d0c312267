import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { TesseraRequest } from '#auth';
import { MfaTokenService } from '../tokens/mfa-token.service.js';

/** The request header that carries Tessera's MFA token as proof of a fresh step-up. */
export const MFA_TOKEN_HEADER = 'x-mfa-token';
/** Longer than any token Tessera signs; a larger header is not worth verifying. */
const MAX_TOKEN_LENGTH = 4096;

/**
 * Runs after authentication and tenant binding: when a user's request carries `X-MFA-Token`, the
 * token is verified once and what it proves is attached to the principal for the policy context.
 * An invalid token proves nothing (the request goes on without a Tessera step-up); it never fails
 * the request here, so the policy answers `step_up_required` where a proof is needed.
 */
@Injectable()
export class StepUpProofGuard implements CanActivate {
  constructor(private readonly tokens: MfaTokenService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<TesseraRequest>();
    const header = req.headers[MFA_TOKEN_HEADER];
    const principal = req.principal;
    if (typeof header !== 'string' || principal?.kind !== 'user' || !req.tenant) return true;
    const token = header.trim();
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return true;
    const stepUp = await this.tokens.verifyStepUp(token, { tenantId: req.tenant.id, userId: principal.userId });
    // A copy: verified bearer principals are cached and shared between requests.
    if (stepUp) req.principal = { ...principal, stepUp };
    return true;
  }
}
