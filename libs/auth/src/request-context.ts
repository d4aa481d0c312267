import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { EffectiveWebAuthnSettings } from '#persistence';
import type { Principal, UserPrincipal, ApiKeyPrincipal } from './principal.js';

/** The tenant a request is bound to, as resolved by the tenancy guard. */
export interface TenantContext {
  id: string;
  name: string;
  status: string;
  requireMfa: boolean;
  /** How old a step-up proof may be for a change to a user's factors (tenant setting). */
  stepUpMaxAgeSeconds: number;
  policyVersion: number;
  /**
   * The tenant's effective WebAuthn settings, and `ceremony_origins`: every origin a ceremony may
   * come from (the rp id's own site and the related origins). Null without WebAuthn settings.
   */
  webauthn: (EffectiveWebAuthnSettings & { ceremony_origins: string[] }) | null;
}

export interface TesseraRequest extends Request {
  id: string;
  principal?: Principal;
  tenant?: TenantContext;
}

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext) => {
  return ctx.switchToHttp().getRequest<TesseraRequest>().principal;
});

export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): UserPrincipal => {
  const principal = ctx.switchToHttp().getRequest<TesseraRequest>().principal;
  if (principal?.kind !== 'user') throw new Error('CurrentUser used on a route that is not a user route');
  return principal;
});

export const CurrentApiKey = createParamDecorator((_: unknown, ctx: ExecutionContext): ApiKeyPrincipal => {
  const principal = ctx.switchToHttp().getRequest<TesseraRequest>().principal;
  if (principal?.kind !== 'api_key') throw new Error('CurrentApiKey used on a route that is not an admin route');
  return principal;
});

export const CurrentTenant = createParamDecorator((_: unknown, ctx: ExecutionContext): TenantContext => {
  const tenant = ctx.switchToHttp().getRequest<TesseraRequest>().tenant;
  if (!tenant) throw new Error('CurrentTenant used on a route without the tenancy guard');
  return tenant;
});

/** The client address: the socket's, or the forwarded one when TRUST_PROXY is set (Express decides). */
export const ClientIp = createParamDecorator((_: unknown, ctx: ExecutionContext): string =>
  clientIpOf(ctx.switchToHttp().getRequest<TesseraRequest>()),
);

function clientIpOf(req: TesseraRequest): string {
  return req.ip ?? req.socket.remoteAddress ?? '';
}

/** A tenant admin request: the API key, its tenant (from the guards) and the client address. */
export interface AdminCaller {
  tenant: TenantContext;
  key: ApiKeyPrincipal;
  ip: string;
}

/** The caller of an admin route, as the services that authorize admin operations take it. */
export const CurrentAdminCaller = createParamDecorator((_: unknown, ctx: ExecutionContext): AdminCaller => {
  const req = ctx.switchToHttp().getRequest<TesseraRequest>();
  if (req.principal?.kind !== 'api_key' || !req.tenant)
    throw new Error('CurrentAdminCaller used on a route that is not an admin route');
  return { tenant: req.tenant, key: req.principal, ip: clientIpOf(req) };
});
