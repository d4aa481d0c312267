import { createSecretKey, type KeyObject } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { APP_CONFIG, type AppConfig } from '../../config/src/index.js';
import { ApiError } from '../../errors/src/index.js';
import type { UserPrincipal } from './principal.js';
import { DEV_JWT_SECRET } from './dev-secret.js';
import { userNamesFromClaims } from './user-names.js';

const VERIFIED_TTL_MS = 60_000;
const VERIFIED_MAX = 10_000;
const ASYMMETRIC_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'];
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Verifies user bearer tokens: HS256 with AUTH_JWT_SECRET, or RS256/PS256/ES256/EdDSA against
 * AUTH_JWKS_URL. The key is picked by the token's algorithm family, so an RS token can never
 * be checked with the HMAC secret (no HS/RS confusion); `none` is never accepted.
 */
@Injectable()
export class JwtVerifierService {
  private readonly logger = new Logger(JwtVerifierService.name);
  private readonly secret?: KeyObject;
  private readonly jwks?: JWTVerifyGetKey;
  /**
   * Tokens already verified, until they expire (at most VERIFIED_TTL_MS): a session token is
   * presented on every call of a ceremony, and HMAC/RSA verification through WebCrypto costs far
   * more than a map lookup. Bounded; oldest entries go first.
   */
  private readonly verified = new Map<string, { principal: UserPrincipal; until: number }>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DEV_JWT_SECRET) devSecret: Uint8Array | null,
  ) {
    const secret = config.auth.jwtSecret ?? devSecret ?? undefined;
    // A KeyObject is imported once; raw bytes would be re-imported on every verification.
    this.secret = secret ? createSecretKey(secret) : undefined;
    if (config.auth.jwksUrl) {
      // jose caches the set and refetches on an unknown kid, at most once per cooldown.
      this.jwks = createRemoteJWKSet(config.auth.jwksUrl, { cooldownDuration: 60_000, cacheMaxAge: 10 * 60_000, timeoutDuration: 5_000 });
    }
  }

  async verify(token: string): Promise<UserPrincipal> {
    const now = Date.now();
    const hit = this.verified.get(token);
    if (hit && hit.until > now) return hit.principal;
    if (hit) this.verified.delete(token);
    const principal = await this.verifyUncached(token);
    this.remember(token, principal, now);
    return principal;
  }

  private remember(token: string, principal: UserPrincipal, now: number): void {
    if (principal.expiresAt === undefined) return;
    const until = Math.min(principal.expiresAt * 1000, now + VERIFIED_TTL_MS);
    if (until <= now) return;
    if (this.verified.size >= VERIFIED_MAX) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, { principal, until });
  }

  private async verifyUncached(token: string): Promise<UserPrincipal> {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw unauthenticated('The bearer token is malformed.');
    }
    let payload: JWTPayload;
    const options = {
      issuer: this.config.auth.issuer,
      audience: this.config.auth.audience,
      clockTolerance: this.config.auth.clockToleranceSeconds,
      requiredClaims: ['exp', 'sub'],
    };
    try {
      if (alg === 'HS256' && this.secret) {
        ({ payload } = await jwtVerify(token, this.secret, { ...options, algorithms: ['HS256'] }));
      } else if (alg && ASYMMETRIC_ALGS.includes(alg) && this.jwks) {
        ({ payload } = await jwtVerify(token, this.jwks, { ...options, algorithms: ASYMMETRIC_ALGS }));
      } else {
        throw unauthenticated('The bearer token algorithm is not accepted.');
      }
    } catch (err) {
      if (err instanceof ApiError) throw err;
      const code = (err as { code?: string }).code ?? 'unknown';
      this.logger.debug(`bearer token rejected: ${code}`);
      throw unauthenticated(code === 'ERR_JWT_EXPIRED' ? 'The bearer token has expired.' : 'The bearer token is invalid.');
    }
    return this.toPrincipal(payload);
  }

  private toPrincipal(payload: JWTPayload): UserPrincipal {
    const tenant = payload[this.config.auth.tenantClaim];
    const sub = payload.sub;
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > 255) throw unauthenticated('The bearer token has no valid subject.');
    if (typeof tenant !== 'string' || !UUID_RE.test(tenant)) throw unauthenticated('The bearer token has no valid tenant claim.');
    const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
    const authTime = typeof payload.auth_time === 'number' ? payload.auth_time : undefined;
    return {
      kind: 'user',
      userId: sub,
      tenantId: tenant.toLowerCase(),
      roles: strings(payload.roles),
      amr: strings(payload.amr),
      authTime,
      issuedAt: typeof payload.iat === 'number' ? payload.iat : undefined,
      expiresAt: typeof payload.exp === 'number' ? payload.exp : undefined,
      names: userNamesFromClaims(payload, sub, this.config.auth.userNameClaims, this.config.auth.displayNameClaims),
    };
  }
}

export function unauthenticated(message = 'Authentication is required.'): ApiError {
  return new ApiError('unauthenticated', message, { headers: { 'WWW-Authenticate': 'Bearer realm="tessera"' } });
}
