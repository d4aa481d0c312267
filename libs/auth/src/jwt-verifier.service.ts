import { createSecretKey, type KeyObject } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { APP_CONFIG, Clock, type AppConfig } from '#config';
import { ApiError, hasUnsafeCharacters } from '#errors';
import { Metrics } from '#observability';
import type { UserPrincipal } from './principal.js';
import { DEV_JWT_SECRET } from './dev-secret.js';
import { RemoteJwks } from './remote-jwks.js';
import { userNamesFromClaims } from './user-names.js';

const VERIFIED_TTL_MS = 60_000;
const VERIFIED_MAX = 10_000;
const ASYMMETRIC_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'];
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Tessera's own MFA tokens (RFC 8725 §3.11 explicit typing) are proofs, never bearer tokens. */
const REFUSED_TYPES = new Set(['mfa+jwt', 'application/mfa+jwt']);

/**
 * Verifies user bearer tokens: HS256 with AUTH_JWT_SECRET, or RS256/PS256/ES256/EdDSA against
 * AUTH_JWKS_URL. The key is picked by the token's algorithm family, so an RS token can never
 * be checked with the HMAC secret (no HS/RS confusion); `none` is never accepted.
 */
@Injectable()
export class JwtVerifierService {
  private readonly logger = new Logger(JwtVerifierService.name);
  private readonly secret?: KeyObject;
  private readonly jwks?: RemoteJwks;
  /**
   * Tokens already verified, until they expire (at most VERIFIED_TTL_MS): a session token is
   * presented on every call of a ceremony, and HMAC/RSA verification through WebCrypto costs far
   * more than a map lookup. Bounded; oldest entries go first.
   */
  private readonly verified = new Map<string, { principal: UserPrincipal; until: number }>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DEV_JWT_SECRET) devSecret: Uint8Array | null,
    private readonly clock: Clock,
    metrics: Metrics,
  ) {
    const secret = config.auth.jwtSecret ?? devSecret ?? undefined;
    // A KeyObject is imported once; raw bytes would be re-imported on every verification.
    this.secret = secret ? createSecretKey(secret) : undefined;
    if (config.auth.jwksUrl) {
      const url = config.auth.jwksUrl;
      this.jwks = new RemoteJwks({
        url,
        clock,
        staleSeconds: config.auth.jwksStaleSeconds,
        onState: (stale, age) => {
          metrics.jwksStale.set(stale ? 1 : 0);
          metrics.jwksAge.set(age);
        },
        onStale: (age, reason) =>
          this.logger.warn(
            `JWKS at ${url.origin}${url.pathname} cannot be refetched (${reason || 'no answer'}): verifying with the key set fetched ${age} s ago (AUTH_JWKS_STALE_SECONDS=${config.auth.jwksStaleSeconds})`,
          ),
      });
    }
  }

  /** Resolves once no JWKS fetch is in flight. */
  async settled(): Promise<void> {
    await this.jwks?.settled();
  }

  async verify(token: string): Promise<UserPrincipal> {
    const now = this.clock.now().getTime();
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
    let header: ProtectedHeaderParameters;
    let claimed: JWTPayload;
    try {
      header = decodeProtectedHeader(token);
      claimed = decodeJwt(token);
    } catch {
      throw unauthenticated('The bearer token is malformed.');
    }
    // Before any key is looked up: an MFA token is refused even where its signature would
    // verify (AUTH_JWKS_URL pointed at Tessera's own JWKS by mistake).
    if (
      (typeof header.typ === 'string' && REFUSED_TYPES.has(header.typ.toLowerCase())) ||
      claimed.iss === this.config.mfa.tokenIssuer
    ) {
      throw unauthenticated('An MFA token is not a bearer token.');
    }
    const alg = header.alg;
    let payload: JWTPayload;
    const options = {
      issuer: this.config.auth.issuer,
      audience: this.config.auth.audience,
      clockTolerance: this.config.auth.clockToleranceSeconds,
      currentDate: this.clock.now(),
      requiredClaims: ['exp', 'sub'],
    };
    try {
      if (alg === 'HS256' && this.secret) {
        ({ payload } = await jwtVerify(token, this.secret, { ...options, algorithms: ['HS256'] }));
      } else if (alg && ASYMMETRIC_ALGS.includes(alg) && this.jwks) {
        ({ payload } = await jwtVerify(token, this.jwks.getKey, { ...options, algorithms: ASYMMETRIC_ALGS }));
      } else {
        throw unauthenticated('The bearer token algorithm is not accepted.');
      }
    } catch (err) {
      if (err instanceof ApiError) throw err;
      const code = (err as { code?: string }).code ?? 'unknown';
      this.logger.debug(`bearer token rejected: ${code}`);
      throw unauthenticated(
        code === 'ERR_JWT_EXPIRED' ? 'The bearer token has expired.' : 'The bearer token is invalid.',
      );
    }
    this.checkTimes(payload);
    return this.toPrincipal(payload);
  }

  /** iat and auth_time not in the future, and a lifetime no longer than AUTH_MAX_TOKEN_LIFETIME_SECONDS. */
  private checkTimes(payload: JWTPayload): void {
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const tolerance = this.config.auth.clockToleranceSeconds;
    for (const claim of ['iat', 'auth_time'] as const) {
      const value = payload[claim];
      if (value === undefined) continue;
      if (typeof value !== 'number' || !Number.isFinite(value))
        throw unauthenticated(`The bearer token's ${claim} is not a number.`);
      if (value > now + tolerance) throw unauthenticated(`The bearer token's ${claim} is in the future.`);
    }
    const max = this.config.auth.maxTokenLifetimeSeconds;
    // Without iat the lifetime is unknown: what remains of it must be within the bound.
    const lifetime = payload.exp! - (typeof payload.iat === 'number' ? payload.iat : now);
    if (lifetime > max) throw unauthenticated(`The bearer token's lifetime exceeds ${max} seconds.`);
  }

  private toPrincipal(payload: JWTPayload): UserPrincipal {
    const tenant = payload[this.config.auth.tenantClaim];
    const sub = payload.sub;
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > 255 || hasUnsafeCharacters(sub))
      throw unauthenticated('The bearer token has no valid subject.');
    if (typeof tenant !== 'string' || !UUID_RE.test(tenant))
      throw unauthenticated('The bearer token has no valid tenant claim.');
    const strings = (v: unknown): string[] =>
      Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
    const roles = strings(payload.roles);
    const amr = strings(payload.amr);
    if ([...roles, ...amr].some(hasUnsafeCharacters))
      throw unauthenticated('The bearer token has invalid roles or amr values.');
    const authTime = typeof payload.auth_time === 'number' ? payload.auth_time : undefined;
    return {
      kind: 'user',
      userId: sub,
      tenantId: tenant.toLowerCase(),
      roles,
      amr,
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
