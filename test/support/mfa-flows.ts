import assert from 'node:assert/strict';
import { generateSync } from 'otplib';
import { createLocalJWKSet, jwtVerify, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { TEST_ORIGIN, type TestApp, type TestResponse } from './test-app.js';
import { SoftAuthenticator, type Tamper } from './soft-authenticator.js';

export interface Tenant {
  id: string;
  apiKey: string;
}

/** Enrollment, challenge and completion calls over HTTP, shared by the MFA e2e suites. */
export class MfaFlows {
  constructor(private readonly t: TestApp) {}

  adminHeaders(tenant: Tenant): Record<string, string> {
    return { 'X-API-Key': tenant.apiKey, 'X-Tenant-ID': tenant.id };
  }

  /** Registers a WebAuthn credential; returns the backup codes of the response. */
  async enrollWebAuthn(
    tenantId: string,
    user: string,
    auth = new SoftAuthenticator(),
    method: 'webauthn_passkey' | 'webauthn_fido' = 'webauthn_passkey',
  ): Promise<{ auth: SoftAuthenticator; codes: string[] }> {
    const headers = await this.t.userHeaders(tenantId, user);
    const begin = await this.t.request('POST', `/v1/users/me/mfa/webauthn/register?method_type=${method}`, { headers });
    assert.equal(begin.status, 200, begin.text);
    const credential = auth.createCredential(begin.body.options, { origin: TEST_ORIGIN });
    const done = await this.t.request('POST', '/v1/users/me/mfa/webauthn/register/complete', {
      headers,
      json: { credential, device_name: 'Key', method_type: method },
    });
    assert.equal(done.status, 200, done.text);
    return { auth, codes: done.body.codes };
  }

  /** Enrolls and verifies a TOTP factor; returns its id, secret and the backup codes issued. */
  async enrollTotp(tenantId: string, user: string): Promise<{ id: string; secret: string; codes: string[] }> {
    const headers = await this.t.userHeaders(tenantId, user);
    const start = await this.t.request('POST', '/v1/users/me/mfa/totp', { headers, json: {} });
    assert.equal(start.status, 201, start.text);
    const verify = await this.t.request('POST', `/v1/users/me/mfa/totp/${start.body.id}/verify`, {
      headers,
      json: { code: totpCode(start.body.secret) },
    });
    assert.equal(verify.status, 200, verify.text);
    return { id: start.body.id, secret: start.body.secret, codes: verify.body.codes };
  }

  async openSignIn(tenant: Tenant, user: string): Promise<TestResponse> {
    return this.t.request('POST', '/v1/mfa/challenges', {
      headers: this.adminHeaders(tenant),
      json: { user_id: user },
    });
  }

  async openSignInId(tenant: Tenant, user: string): Promise<string> {
    const res = await this.openSignIn(tenant, user);
    assert.equal(res.status, 201, res.text);
    return res.body.challenge_id;
  }

  async openStepUp(tenantId: string, user: string, claims?: Record<string, unknown>): Promise<TestResponse> {
    return this.t.request('POST', '/v1/users/me/mfa/challenges', {
      headers: await this.t.userHeaders(tenantId, user, claims),
    });
  }

  begin(challengeId: string, headers: Record<string, string> = {}): Promise<TestResponse> {
    return this.t.request('POST', '/v1/auth/mfa/webauthn/begin', { headers, json: { challenge_id: challengeId } });
  }

  /** begin + assertion + complete. */
  async webauthn(
    challengeId: string,
    auth: SoftAuthenticator,
    opts: { tamper?: Tamper; signCountDelta?: number; credentialId?: string } = {},
  ): Promise<{ res: TestResponse; body: unknown }> {
    const begin = await this.begin(challengeId);
    assert.equal(begin.status, 200, begin.text);
    const credential = auth.getAssertion(begin.body.options, { origin: TEST_ORIGIN, ...opts });
    const body = { challenge_id: challengeId, credential };
    return { res: await this.t.request('POST', '/v1/auth/mfa/webauthn/complete', { json: body }), body };
  }

  totp(challengeId: string, code: string, headers: Record<string, string> = {}): Promise<TestResponse> {
    return this.t.request('POST', '/v1/auth/mfa/totp/complete', { headers, json: { challenge_id: challengeId, code } });
  }

  backupCode(challengeId: string, code: string): Promise<TestResponse> {
    return this.t.request('POST', '/v1/auth/mfa/backup-codes/complete', { json: { challenge_id: challengeId, code } });
  }

  /** Verifies an MFA token offline against the served JWKS, as a gateway would. */
  async verifyToken(
    token: string,
  ): Promise<{ payload: JWTPayload & Record<string, unknown>; protectedHeader: ProtectedHeaderParameters }> {
    const jwks = await this.t.request('GET', '/.well-known/jwks.json');
    assert.equal(jwks.status, 200);
    return jwtVerify(token, createLocalJWKSet(jwks.body), { issuer: 'tessera', algorithms: ['ES256'] });
  }
}

/** The TOTP code at `offsetSeconds` from now (±30 s is one step either side). */
export function totpCode(secret: string, offsetSeconds = 0): string {
  return generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSeconds });
}
