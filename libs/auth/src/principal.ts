import type { UserNames } from './user-names.js';

/** Who is calling, as established by the auth guard. */
export interface UserPrincipal {
  kind: 'user';
  userId: string;
  /** Tenant id from the token's tenant claim, lower-case. */
  tenantId: string;
  roles: string[];
  amr: string[];
  /** Seconds since epoch of the user's last authentication, when the token says. */
  authTime?: number;
  /** Token issue time, used as a fallback for the authentication age. */
  issuedAt?: number;
  /** Token expiry (seconds since epoch). */
  expiresAt?: number;
  /** Names from the token's claims (AUTH_USER_NAME_CLAIM, AUTH_DISPLAY_NAME_CLAIM); absent outside bearer requests. */
  names?: UserNames;
  /** A valid Tessera MFA token sent with the request (`X-MFA-Token`), when there was one. */
  stepUp?: TesseraStepUp;
}

/** What a verified `X-MFA-Token` proves: the user completed a Tessera challenge at `authTime`. */
export interface TesseraStepUp {
  authTime: number;
  amr: string[];
}

export interface ApiKeyPrincipal {
  kind: 'api_key';
  keyId: string;
  tenantId: string;
  scopes: string[];
}

export interface PlatformPrincipal {
  kind: 'platform';
}

export type Principal = UserPrincipal | ApiKeyPrincipal | PlatformPrincipal;

/** Principals that are bound to one tenant. */
export type TenantPrincipal = UserPrincipal | ApiKeyPrincipal;

export function actorOf(principal: Principal): { actorType: string; actorId: string } {
  switch (principal.kind) {
    case 'user':
      return { actorType: 'user', actorId: principal.userId };
    case 'api_key':
      return { actorType: 'api_key', actorId: principal.keyId };
    case 'platform':
      return { actorType: 'platform', actorId: 'platform' };
  }
}
