import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { ApiError } from '#errors';
import type { TenantContext } from '#auth';
import type { MfaChallengeEntity, WebAuthnCredentialEntity } from '#persistence';
import type { AssertionCredentialsService } from '../webauthn/assertion-credentials.service.js';
import type { ChallengeCompletionService, CompletionRequest } from './challenge-completion.service.js';
import type { ProofOutcome } from './challenge-proof.js';
import { CompleteWithWebAuthn } from './complete-with-webauthn.usecase.js';
import { challengePrincipal, type LiveChallenge } from './live-challenge.js';

const webauthn: NonNullable<TenantContext['webauthn']> = {
  rp_id: 'example.com',
  rp_name: 'Example',
  origins: ['https://example.com'],
  related_origins: [],
  allowed_top_origins: [],
  timeout_ms: 300_000,
  algorithms: [-7],
  attestation: { webauthn_passkey: 'none', webauthn_fido: 'direct' },
  hints_passkey: [],
  step_up_max_age_seconds: 300,
  ceremony_origins: ['https://example.com'],
};
const tenant = { id: 't1', webauthn } as unknown as TenantContext;

function challenge(userId: string | null, overrides: Partial<MfaChallengeEntity> = {}): LiveChallenge {
  const row = {
    id: 'ch1',
    userId,
    roles: [],
    amr: [],
    authTime: null,
    webauthnChallenge: 'server-challenge',
    acrValues: null,
    ...overrides,
  } as unknown as MfaChallengeEntity;
  return { row, tenant, user: userId === null ? null : challengePrincipal(row, tenant.id, userId) };
}

function credential(overrides: Partial<WebAuthnCredentialEntity> = {}): WebAuthnCredentialEntity {
  return {
    id: 'factor-1',
    credentialId: 'cred-1',
    userId: 'alice',
    methodType: 'webauthn_passkey',
    attestationTrusted: false,
    backupEligible: true,
    userVerified: true,
    ...overrides,
  } as WebAuthnCredentialEntity;
}

function assertion(id: string, userHandle?: string): AuthenticationResponseJSON {
  return {
    id,
    rawId: id,
    type: 'public-key',
    response: { clientDataJSON: '', authenticatorData: '', signature: '', userHandle },
    clientExtensionResults: {},
  };
}

/** What the use case hands the completion service: the request, and its proof's outcome for `live`. */
async function prove(
  live: LiveChallenge,
  response: AuthenticationResponseJSON,
  stored: { credentials?: WebAuthnCredentialEntity[]; handles?: Record<string, string> } = {},
): Promise<{ request: CompletionRequest; outcome: ProofOutcome }> {
  const credentials = {
    // Stands for the join: what it would read with the challenge, handed on by the fake completion.
    namedWithChallenge: (id: string) => {
      const credential = (stored.credentials ?? []).find((c) => c.credentialId === id);
      // The owner's handle, as the join finds it: the handle mapped to the credential's user.
      const ownerHandle = Object.entries(stored.handles ?? {}).find(([, user]) => user === credential?.userId)?.[0];
      return { named: credential ? { credential, ownerHandle: ownerHandle ?? null } : null };
    },
    handleOwner: (_: string, handle: string) => Promise.resolve(stored.handles?.[handle] ?? null),
  } as unknown as AssertionCredentialsService;
  let seen: { request: CompletionRequest; outcome: ProofOutcome } | undefined;
  const completion = {
    complete: async (
      request: CompletionRequest,
      proveAnswer: (l: LiveChallenge, joined: unknown) => Promise<ProofOutcome>,
      join?: { named: unknown },
    ) => {
      seen = { request, outcome: await proveAnswer(live, join ? join.named : null) };
      return { completion: {}, tenantId: tenant.id, userId: 'alice' };
    },
  } as unknown as ChallengeCompletionService;
  await new CompleteWithWebAuthn(completion, credentials).execute({
    challengeId: 'ch1',
    tenantHeader: undefined,
    credential: response,
    ip: '203.0.113.7',
  });
  assert.ok(seen);
  return seen;
}

describe('CompleteWithWebAuthn: which assertions it refuses before verifying them', () => {
  it('asks the completion service once, as a WebAuthn answer from the client address', async () => {
    const { request } = await prove(challenge('alice', { webauthnChallenge: null }), assertion('cred-1'));
    assert.deepEqual(request, { challengeId: 'ch1', tenantHeader: undefined, ip: '203.0.113.7', answer: 'webauthn' });
  });

  it('no begin: refused, counted as a WebAuthn failure', async () => {
    const { outcome } = await prove(challenge('alice', { webauthnChallenge: null }), assertion('cred-1'), {
      credentials: [credential()],
    });
    assert.deepEqual(outcome, { accepted: false, method: 'webauthn', reason: 'no_begin', metadata: {} });
  });

  it('a tenant without WebAuthn settings is 501, not a failure', async () => {
    const live = { ...challenge('alice'), tenant: { ...tenant, webauthn: null } };
    await assert.rejects(
      prove(live, assertion('cred-1')),
      (err) => err instanceof ApiError && err.code === 'not_implemented',
    );
  });

  it('an unknown credential: refused with the signal that lets the browser forget it', async () => {
    const { outcome } = await prove(challenge('alice'), assertion('gone'));
    assert.deepEqual(outcome, {
      accepted: false,
      method: 'webauthn',
      reason: 'unknown_credential',
      metadata: {},
      details: { signal: { type: 'unknown_credential', rp_id: 'example.com', credential_id: 'gone' } },
    });
  });

  it("a challenge for one user: another user's credential, or a user handle not theirs, is refused", async () => {
    const bob = credential({ userId: 'bob' });
    const foreign = await prove(challenge('alice'), assertion('cred-1'), { credentials: [bob] });
    assert.deepEqual(foreign.outcome, {
      accepted: false,
      method: 'webauthn',
      reason: 'foreign_credential',
      metadata: {},
    });
    const handle = await prove(challenge('alice'), assertion('cred-1', 'h-bob'), {
      credentials: [credential()],
      handles: { 'h-bob': 'bob', 'h-alice': 'alice' },
    });
    assert.deepEqual(handle.outcome, {
      accepted: false,
      method: 'webauthn_passkey',
      reason: 'user_handle',
      metadata: { factor_id: 'factor-1' },
    });
  });

  it('usernameless: the user handle is required, must be known, and must name the owner; none of these names a user', async () => {
    const stored = { credentials: [credential()], handles: { 'h-alice': 'alice', 'h-bob': 'bob' } };
    const none = await prove(challenge(null), assertion('cred-1'), stored);
    assert.deepEqual(none.outcome, { accepted: false, method: 'webauthn', reason: 'no_user_handle', metadata: {} });
    const unknown = await prove(challenge(null), assertion('cred-1', 'h-nobody'), stored);
    assert.equal(unknown.outcome.accepted, false);
    assert.equal(!unknown.outcome.accepted && unknown.outcome.reason, 'unknown_user_handle');
    assert.deepEqual(!unknown.outcome.accepted && unknown.outcome.details, {
      signal: { type: 'unknown_credential', rp_id: 'example.com', credential_id: 'cred-1' },
    });
    const other = await prove(challenge(null), assertion('cred-1', 'h-bob'), stored);
    assert.deepEqual(other.outcome, {
      accepted: false,
      method: 'webauthn',
      reason: 'user_handle',
      metadata: { factor_id: 'factor-1' },
    });
    for (const { outcome } of [none, unknown, other]) assert.equal(outcome.namedUser, undefined);
  });

  it('usernameless: once the passkey names its owner, every later refusal is charged to that user', async () => {
    const key = credential({ methodType: 'webauthn_fido', backupEligible: false });
    const stored = { credentials: [key], handles: { 'h-alice': 'alice' } };
    const notOffered = await prove(challenge(null), assertion('cred-1', 'h-alice'), stored);
    assert.deepEqual(notOffered.outcome, {
      accepted: false,
      method: 'webauthn_fido',
      reason: 'method_not_offered',
      metadata: { factor_id: 'factor-1' },
      namedUser: 'alice',
    });
    // A synced, unattested passkey cannot meet "phrh": refused before its assertion is verified.
    const tooWeak = await prove(challenge(null, { acrValues: ['phrh'] }), assertion('cred-1', 'h-alice'), {
      ...stored,
      credentials: [credential()],
    });
    assert.deepEqual(tooWeak.outcome, {
      accepted: false,
      method: 'webauthn_passkey',
      reason: 'acr_not_met',
      metadata: { factor_id: 'factor-1' },
      namedUser: 'alice',
    });
  });
});
