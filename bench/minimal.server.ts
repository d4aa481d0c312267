/**
 * The benchmark's minimal server: what a passkey sign-in and a passkey registration cost on
 * Tessera's stack with nothing of Tessera's around them. The same requests (sign-in: API-key
 * challenge → begin → complete; registration: options → complete, under an HS256 bearer), the same
 * framework (Nest on Express, class-validator DTOs under a global ValidationPipe), the same library
 * calls (`@simplewebauthn/server` options and verification, the Cedar decisions a ceremony asks by
 * the policy engine under the baseline, jose for the bearer and the ES256 token) and as many
 * statements on PostgreSQL through pg as the service makes: seven for a sign-in, four for an
 * existing user's registration. Left out, and so measured by the difference: tenancy, guards,
 * rate limits, request logging, metrics, helmet and CORS, audit events, attestation trust from
 * metadata, the MFA token's claims and key rotation, the single-use rules' details and every error
 * path. Not a product: `npm run bench` starts it, pinned like the real server, and drives it.
 *
 * Environment: PORT, HOST, DATABASE_URL (a scratch database), MINIMAL_API_KEY, MINIMAL_JWT_SECRET
 * (the bearer's HS256 key), MINIMAL_RP_ID, MINIMAL_ORIGIN.
 */
import 'reflect-metadata';
import { createHash, generateKeyPairSync, randomBytes, randomUUID, timingSafeEqual, type KeyObject } from 'node:crypto';
import {
  Body,
  Controller,
  ForbiddenException,
  Get,
  Headers,
  HttpCode,
  Module,
  NotFoundException,
  Post,
  Query,
  ConflictException,
  UnauthorizedException,
  ValidationPipe,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { IsIn, IsObject, IsString, IsUUID, MaxLength } from 'class-validator';
import pg from 'pg';
import { SignJWT, jwtVerify } from 'jose';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { PolicyEngine, type PolicyRequest } from '#policy';
import {
  DECISION_TENANT_ID,
  beginEnrollmentRequest,
  completeEnrollmentRequest,
  signInDecisionRequest,
  type BearerFacts,
  type Holdings,
} from './floor-decisions.js';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const RP_ID = env('MINIMAL_RP_ID');
const ORIGIN = env('MINIMAL_ORIGIN');
const API_KEY_PREFIX = env('MINIMAL_API_KEY').slice(0, 8);
const CHALLENGE_TTL_MS = 5 * 60_000;
/** ES256 and RS256 (the bench's authenticator makes ES256 keys). */
const ALGORITHMS = [-7, -257];
const JWT_SECRET = new TextEncoder().encode(env('MINIMAL_JWT_SECRET'));

const pool = new pg.Pool({ connectionString: env('DATABASE_URL'), max: 10 });
const engine = PolicyEngine.create();
const signingKey: KeyObject = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const sha256 = (text: string) => createHash('sha256').update(text).digest();

class OpenChallengeDto {
  @IsString() @MaxLength(255) user_id!: string;
}

class ChallengeRefDto {
  @IsUUID('all') challenge_id!: string;
}

class CompleteDto extends ChallengeRefDto {
  @IsObject() credential!: AuthenticationResponseJSON;
}

class SeedDto {
  @IsString() user_id!: string;
  @IsString() challenge!: string;
  @IsObject() credential!: RegistrationResponseJSON;
}

class RegistrationOptionsQuery {
  @IsIn(['webauthn_passkey']) method_type!: string;
}

class CompleteRegistrationDto {
  @IsObject() credential!: RegistrationResponseJSON;
  @IsString() @MaxLength(100) device_name!: string;
  @IsIn(['webauthn_passkey']) method_type!: string;
}

/** Cedar's decision, or 403 as the service refuses. */
async function enforce(request: PolicyRequest): Promise<void> {
  const decision = await engine.authorize(DECISION_TENANT_ID, 1, () => Promise.resolve([]), request);
  if (!decision.allowed) throw new ForbiddenException('policy denied');
}

@Controller()
class MinimalSignInController {
  @Get('readyz')
  ready() {
    return { status: 'ok' };
  }

  /** Setup, not measured: stores a passkey the bench's authenticator registered. */
  @Post('seed')
  async seed(@Body() body: SeedDto) {
    const v = await verifyRegistrationResponse({
      response: body.credential,
      expectedChallenge: body.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
    }).catch(() => null);
    if (!v?.verified) throw new ForbiddenException('registration not verified');
    const c = v.registrationInfo.credential;
    // What an existing user of the service holds: the passkey, their user handle, ten unused backup codes.
    await pool.query(
      `WITH h AS (INSERT INTO user_handles (user_id, handle) VALUES ($2, $6)),
            b AS (INSERT INTO backup_codes (user_id, lookup) SELECT $2, md5(random()::text) FROM generate_series(1, 10))
       INSERT INTO credentials (credential_id, user_id, public_key, counter, transports) VALUES ($1, $2, $3, $4, $5)`,
      [
        c.id,
        body.user_id,
        Buffer.from(c.publicKey),
        c.counter,
        c.transports ?? [],
        randomBytes(32).toString('base64url'),
      ],
    );
    return { ok: true };
  }

  @Post('challenges')
  async open(@Headers('x-api-key') apiKey: string | undefined, @Body() body: OpenChallengeDto) {
    const key = await pool.query<{ key_hash: Buffer }>('SELECT key_hash FROM api_keys WHERE prefix = $1', [
      apiKey?.slice(0, 8) ?? '',
    ]);
    const stored = key.rows[0]?.key_hash;
    if (!apiKey || !stored || !timingSafeEqual(stored, sha256(apiKey))) throw new UnauthorizedException();
    return { challenge_id: await openChallenge(body.user_id) };
  }

  /** A step-up: the challenge is opened under the user's own HS256 bearer instead of an API key. */
  @Post('step-up/challenges')
  async openStepUp(@Headers('authorization') authorization: string | undefined) {
    const bearer = await verifyBearer(authorization);
    return { challenge_id: await openChallenge(bearer.userId) };
  }

  @Post('begin')
  @HttpCode(200)
  async begin(@Body() body: ChallengeRefDto) {
    const rows = await pool.query<{ credential_id: string; transports: AuthenticatorTransport[] }>(
      `SELECT c.credential_id, c.transports FROM challenges ch JOIN credentials c ON c.user_id = ch.user_id
       WHERE ch.id = $1 AND ch.consumed_at IS NULL AND ch.expires_at > now()`,
      [body.challenge_id],
    );
    if (rows.rowCount === 0) throw new NotFoundException('no challenge');
    const options = await generateAuthenticationOptions({
      rpID: RP_ID,
      allowCredentials: rows.rows.map((r) => ({ id: r.credential_id, transports: r.transports })),
      userVerification: 'preferred',
    });
    await pool.query('UPDATE challenges SET webauthn_challenge = $1 WHERE id = $2', [
      options.challenge,
      body.challenge_id,
    ]);
    return { options };
  }

  @Post('complete')
  @HttpCode(200)
  async complete(@Body() body: CompleteDto) {
    const found = await pool.query<{
      user_id: string;
      webauthn_challenge: string | null;
      public_key: Buffer;
      counter: string;
      transports: AuthenticatorTransport[];
    }>(
      `SELECT ch.user_id, ch.webauthn_challenge, c.public_key, c.counter, c.transports
       FROM challenges ch JOIN credentials c ON c.credential_id = $2 AND c.user_id = ch.user_id
       WHERE ch.id = $1 AND ch.consumed_at IS NULL AND ch.expires_at > now()`,
      [body.challenge_id, body.credential.id],
    );
    const row = found.rows[0];
    if (!row?.webauthn_challenge) throw new NotFoundException('no challenge');
    const v = await verifyAuthenticationResponse({
      response: body.credential,
      expectedChallenge: row.webauthn_challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      credential: {
        id: body.credential.id,
        publicKey: new Uint8Array(row.public_key),
        counter: Number(row.counter),
        transports: row.transports,
      },
      requireUserVerification: false,
    }).catch(() => null);
    if (!v?.verified) throw new ForbiddenException('assertion not verified');
    const decision = await engine.authorize(
      DECISION_TENANT_ID,
      1,
      () => Promise.resolve([]),
      signInDecisionRequest(row.user_id, body.credential.id),
    );
    if (!decision.allowed) throw new ForbiddenException('policy denied');
    // Single use: the challenge is consumed and the counter moves in one statement, or neither.
    const used = await pool.query(
      `WITH taken AS (UPDATE challenges SET consumed_at = now() WHERE id = $1 AND consumed_at IS NULL RETURNING id)
       UPDATE credentials SET counter = $2, last_used_at = now()
       WHERE credential_id = $3 AND EXISTS (SELECT 1 FROM taken) RETURNING credential_id`,
      [body.challenge_id, v.authenticationInfo.newCounter, body.credential.id],
    );
    if (used.rowCount === 0) throw new ForbiddenException('challenge already used');
    const token = await new SignJWT({ amr: ['swk'], acr: 'phr' })
      .setProtectedHeader({ alg: 'ES256', typ: 'mfa+jwt' })
      .setSubject(row.user_id)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(signingKey);
    return { token };
  }
}

/** A sign-in or step-up challenge for a user who holds a passkey: two statements. */
async function openChallenge(userId: string): Promise<string> {
  const factors = await pool.query('SELECT credential_id FROM credentials WHERE user_id = $1', [userId]);
  if (factors.rowCount === 0) throw new NotFoundException('no factor');
  const id = randomUUID();
  await pool.query('INSERT INTO challenges (id, user_id, expires_at) VALUES ($1, $2, $3)', [
    id,
    userId,
    new Date(Date.now() + CHALLENGE_TTL_MS),
  ]);
  return id;
}

/** The user's factor counts, as the service's statements read them beside what they fetch. */
interface HoldingsRow {
  factor_count: number;
  unused_backup_codes: number;
}
const HOLDINGS_SQL = `(SELECT count(*) FROM credentials WHERE user_id = $1)::int AS factor_count,
  (SELECT count(*) FROM backup_codes WHERE user_id = $1 AND used_at IS NULL)::int AS unused_backup_codes`;

/** An existing user adding a passkey: options → complete, each under the user's HS256 bearer. */
@Controller('register')
class MinimalRegistrationController {
  @Post('options')
  @HttpCode(200)
  async options(@Headers('authorization') authorization: string | undefined, @Query() query: RegistrationOptionsQuery) {
    const bearer = await verifyBearer(authorization);
    // One statement: the user's handle, the credentials to exclude and the counts the policy needs.
    const start = await pool.query<
      { handle: string | null; existing: { id: string; transports: AuthenticatorTransport[] }[] } & HoldingsRow
    >(
      `SELECT h.handle, ${HOLDINGS_SQL},
         COALESCE((SELECT json_agg(json_build_object('id', c.credential_id, 'transports', c.transports) ORDER BY c.created_at)
                   FROM credentials c WHERE c.user_id = $1), '[]') AS existing
       FROM (SELECT 1) one LEFT JOIN user_handles h ON h.user_id = $1`,
      [bearer.userId],
    );
    const row = start.rows[0];
    if (!row.handle) throw new NotFoundException('no user handle');
    await enforce(beginEnrollmentRequest(bearer.userId, bearer, holdingsOf(row)));
    const options = await generateRegistrationOptions({
      rpName: 'Minimal',
      rpID: RP_ID,
      userName: bearer.userId,
      userDisplayName: bearer.userId,
      userID: Buffer.from(row.handle, 'base64url'),
      challenge: randomBytes(32),
      timeout: CHALLENGE_TTL_MS,
      attestationType: 'none',
      excludeCredentials: row.existing,
      authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
      supportedAlgorithmIDs: ALGORITHMS,
    });
    // One live ceremony per (user, method): a new options call replaces the previous one.
    await pool.query(
      `INSERT INTO pending_enrollments (user_id, method_type, challenge, expires_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id, method_type) DO UPDATE SET challenge = EXCLUDED.challenge, expires_at = EXCLUDED.expires_at`,
      [bearer.userId, query.method_type, options.challenge, new Date(Date.now() + CHALLENGE_TTL_MS)],
    );
    return { options };
  }

  @Post('complete')
  @HttpCode(200)
  async complete(@Headers('authorization') authorization: string | undefined, @Body() body: CompleteRegistrationDto) {
    const bearer = await verifyBearer(authorization);
    // Single use: the pending enrollment is deleted as it is read, with the counts beside it.
    const taken = await pool.query<{ challenge: string | null; expires_at: Date | null } & HoldingsRow>(
      `WITH taken AS (DELETE FROM pending_enrollments WHERE user_id = $1 AND method_type = $2 RETURNING challenge, expires_at)
       SELECT t.challenge, t.expires_at, ${HOLDINGS_SQL} FROM (SELECT 1) one LEFT JOIN taken t ON TRUE`,
      [bearer.userId, body.method_type],
    );
    const pending = taken.rows[0];
    if (!pending.challenge || pending.expires_at!.getTime() <= Date.now())
      throw new NotFoundException('no pending enrollment');
    const v = await verifyRegistrationResponse({
      response: body.credential,
      expectedChallenge: pending.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      requireUserVerification: true,
      supportedAlgorithmIDs: ALGORITHMS,
    }).catch(() => null);
    if (!v?.verified) throw new ForbiddenException('registration not verified');
    const info = v.registrationInfo;
    const held = holdingsOf(pending);
    await enforce(
      completeEnrollmentRequest(bearer.userId, bearer, held, info.credential.id, {
        method_type: body.method_type,
        aaguid: info.aaguid,
        user_verified: info.userVerified,
        backup_eligible: info.credentialDeviceType === 'multiDevice',
        backed_up: info.credentialBackedUp,
        attachment: 'platform',
        attestation_format: info.fmt,
        transports: info.credential.transports ?? [],
        attestation_trusted: false,
        untrusted_reason: 'no_attestation',
      }),
    );
    // Under the user's factor lock, the credential is written only if the counts the policy saw
    // still hold: two statements in one round trip, each with its own snapshot after the lock.
    const lit = pg.escapeLiteral;
    const results = (await pool.query(
      `SELECT pg_advisory_xact_lock(hashtextextended(${lit(`factors:${bearer.userId}`)}, 0));
       INSERT INTO credentials (credential_id, user_id, public_key, counter, transports, device_name, aaguid)
       SELECT ${lit(info.credential.id)}, ${lit(bearer.userId)}, decode(${lit(Buffer.from(info.credential.publicKey).toString('hex'))}, 'hex'),
              ${Number(info.credential.counter)}, ${lit(`{${(info.credential.transports ?? []).join(',')}}`)}::text[],
              ${lit(body.device_name)}, ${lit(info.aaguid)}
       WHERE (SELECT count(*) FROM credentials WHERE user_id = ${lit(bearer.userId)}) = ${held.factorCount}
       ON CONFLICT (credential_id) DO NOTHING RETURNING credential_id`,
    )) as unknown as pg.QueryResult[];
    if (results[1].rowCount === 0) throw new ConflictException('factors changed or credential exists');
    return { codes: [], remaining: held.unusedBackupCodes };
  }
}

async function verifyBearer(authorization: string | undefined): Promise<BearerFacts & { userId: string }> {
  const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : '';
  const verified = await jwtVerify(token, JWT_SECRET, { algorithms: ['HS256'] }).catch(() => null);
  const claims = verified?.payload;
  if (!claims?.sub) throw new UnauthorizedException();
  const amr = Array.isArray(claims.amr) ? claims.amr.filter((m): m is string => typeof m === 'string') : [];
  const authTime = typeof claims.auth_time === 'number' ? claims.auth_time : undefined;
  return { userId: claims.sub, amr, authTime, issuedAt: claims.iat };
}

function holdingsOf(row: HoldingsRow): Holdings {
  return { factorCount: row.factor_count, unusedBackupCodes: row.unused_backup_codes };
}

@Module({ controllers: [MinimalSignInController, MinimalRegistrationController] })
class MinimalModule {}

async function main() {
  await pool.query(`
    CREATE TABLE IF NOT EXISTS api_keys (prefix text PRIMARY KEY, key_hash bytea NOT NULL);
    CREATE TABLE IF NOT EXISTS credentials (
      credential_id text PRIMARY KEY, user_id text NOT NULL, public_key bytea NOT NULL,
      counter bigint NOT NULL, transports text[] NOT NULL, last_used_at timestamptz,
      device_name text, aaguid text, created_at timestamptz NOT NULL DEFAULT now());
    CREATE INDEX IF NOT EXISTS credentials_user ON credentials (user_id);
    CREATE TABLE IF NOT EXISTS user_handles (user_id text PRIMARY KEY, handle text NOT NULL);
    CREATE TABLE IF NOT EXISTS backup_codes (user_id text NOT NULL, lookup text NOT NULL, used_at timestamptz);
    CREATE INDEX IF NOT EXISTS backup_codes_user ON backup_codes (user_id);
    CREATE TABLE IF NOT EXISTS pending_enrollments (
      user_id text NOT NULL, method_type text NOT NULL, challenge text NOT NULL,
      expires_at timestamptz NOT NULL, PRIMARY KEY (user_id, method_type));
    CREATE TABLE IF NOT EXISTS challenges (
      id uuid PRIMARY KEY, user_id text NOT NULL, webauthn_challenge text,
      expires_at timestamptz NOT NULL, consumed_at timestamptz);`);
  await pool.query('INSERT INTO api_keys (prefix, key_hash) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
    API_KEY_PREFIX,
    sha256(env('MINIMAL_API_KEY')),
  ]);
  const app = await NestFactory.create(MinimalModule, { logger: ['error', 'warn'] });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  await app.listen(Number(env('PORT')), env('HOST'));
}

void main();
