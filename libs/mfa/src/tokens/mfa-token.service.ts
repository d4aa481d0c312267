import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { SignJWT } from 'jose';
import { APP_CONFIG, type AppConfig } from '../../../config/src/index.js';
import { MFA_TOKEN_ALG, TokenKeysService } from './token-keys.service.js';

export interface MfaTokenClaims {
  tenantId: string;
  userId: string;
  methodType: string;
  amr: string[];
  acr: string;
  /** The challenge's acr_values and max_age, carried as requested so a gateway can check both. */
  acrValues?: string[] | null;
  maxAge?: number | null;
  purpose: string;
  challengeId: string;
  /** When the factor was verified. */
  now: Date;
}

export interface MfaToken {
  token: string;
  expires_at: string;
}

/**
 * Signs the proof of a completed MFA challenge: a short-lived ES256 JWT that gateways and services
 * verify offline against /.well-known/jwks.json.
 */
@Injectable()
export class MfaTokenService {
  constructor(
    private readonly keys: TokenKeysService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async issue(claims: MfaTokenClaims): Promise<MfaToken> {
    const { kid, privateKey } = this.keys.signingKey();
    const iat = Math.floor(claims.now.getTime() / 1000);
    const exp = iat + this.config.mfa.tokenTtlSeconds;
    const jwt = new SignJWT({
      [this.config.auth.tenantClaim]: claims.tenantId,
      amr: claims.amr,
      acr: claims.acr,
      ...(claims.acrValues ? { acr_values: claims.acrValues } : {}),
      ...(claims.maxAge != null ? { max_age: claims.maxAge } : {}),
      auth_time: iat,
      method_type: claims.methodType,
      purpose: claims.purpose,
      challenge_id: claims.challengeId,
    })
      .setProtectedHeader({ alg: MFA_TOKEN_ALG, kid, typ: 'JWT' })
      .setSubject(claims.userId)
      .setIssuer(this.config.mfa.tokenIssuer)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(exp)
      .setJti(randomUUID());
    if (this.config.mfa.tokenAudience) jwt.setAudience(this.config.mfa.tokenAudience);
    return { token: await jwt.sign(privateKey), expires_at: new Date(exp * 1000).toISOString() };
  }
}
