import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { SignJWT, createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { APP_CONFIG, type AppConfig, Clock } from '#config';
import type { TesseraStepUp } from '#auth';
import { MFA_TOKEN_ALG, TokenKeysService } from './token-keys.service.js';

/** The JOSE `typ` of Tessera's MFA tokens (RFC 8725 §3.11): never mistaken for a session token. */
export const MFA_TOKEN_TYPE = 'mfa+jwt';

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
  private verificationKeys?: { kids: string; keySet: ReturnType<typeof createLocalJWKSet> };

  constructor(
    private readonly keys: TokenKeysService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
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
      .setProtectedHeader({ alg: MFA_TOKEN_ALG, kid, typ: MFA_TOKEN_TYPE })
      .setSubject(claims.userId)
      .setIssuer(this.config.mfa.tokenIssuer)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(exp)
      .setJti(randomUUID());
    if (this.config.mfa.tokenAudience) jwt.setAudience(this.config.mfa.tokenAudience);
    return { token: await jwt.sign(privateKey), expires_at: new Date(exp * 1000).toISOString() };
  }

  /**
   * What a token presented as step-up proof proves, or null when it proves nothing: not one of
   * ours (signature, typ, issuer, audience), expired, or issued for another user or tenant.
   */
  async verifyStepUp(token: string, expected: { tenantId: string; userId: string }): Promise<TesseraStepUp | null> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keySet(), {
        algorithms: [MFA_TOKEN_ALG],
        typ: MFA_TOKEN_TYPE,
        issuer: this.config.mfa.tokenIssuer,
        audience: this.config.mfa.tokenAudience,
        currentDate: this.clock.now(),
        requiredClaims: ['sub', 'exp', 'iat', 'auth_time'],
      }));
    } catch {
      return null;
    }
    const amr = Array.isArray(payload.amr) ? payload.amr.filter((m): m is string => typeof m === 'string') : [];
    if (payload.sub !== expected.userId || payload[this.config.auth.tenantClaim] !== expected.tenantId) return null;
    if (typeof payload.auth_time !== 'number' || !Number.isInteger(payload.auth_time) || amr.length === 0) return null;
    return { authTime: payload.auth_time, amr };
  }

  private keySet(): ReturnType<typeof createLocalJWKSet> {
    const jwks = this.keys.jwks();
    const kids = jwks.keys.map((k) => k.kid).join(',');
    if (this.verificationKeys?.kids !== kids) this.verificationKeys = { kids, keySet: createLocalJWKSet(jwks) };
    return this.verificationKeys.keySet;
  }
}
