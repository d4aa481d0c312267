import { SignJWT } from 'jose';
import type { AppConfig } from '#config';

export interface DevTokenInput {
  tenantId: string;
  sub: string;
  roles?: string[];
  amr?: string[];
  ttlSeconds?: number;
}

/** Signs a user token with the HS256 secret, for development and tests only. */
export async function mintDevToken(config: AppConfig, secret: Uint8Array, input: DevTokenInput): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT({
    [config.auth.tenantClaim]: input.tenantId,
    roles: input.roles ?? [],
    amr: input.amr ?? ['pwd'],
    auth_time: now,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(input.sub)
    .setIssuedAt(now)
    .setExpirationTime(now + (input.ttlSeconds ?? 3600));
  if (config.auth.issuer) jwt = jwt.setIssuer(config.auth.issuer);
  if (config.auth.audience) jwt = jwt.setAudience(config.auth.audience);
  return jwt.sign(secret);
}
