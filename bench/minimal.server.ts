/**
 * The benchmark's minimal sign-in server: what a passkey sign-in costs on Tessera's stack with
 * nothing of Tessera's around it. The same three requests (API-key challenge → begin → complete),
 * the same framework (Nest on Express, class-validator DTOs under a global ValidationPipe), the
 * same library calls (`@simplewebauthn/server` options and verification, one Cedar decision by
 * the policy engine under the baseline, an ES256 token by jose) and seven statements on
 * PostgreSQL through pg, as a sign-in makes. Left out, and so measured by the difference: tenancy,
 * guards, rate limits, request logging, metrics, helmet and CORS, audit events, the MFA token's
 * claims and key rotation, the single-use rules' details and every error path. Not a product:
 * `npm run bench` starts it, pinned like the real server, and drives it like a sign-in.
 *
 * Environment: PORT, HOST, DATABASE_URL (a scratch database), MINIMAL_API_KEY, MINIMAL_RP_ID,
 * MINIMAL_ORIGIN.
 */
import 'reflect-metadata';
import { createHash, generateKeyPairSync, randomUUID, timingSafeEqual, type KeyObject } from 'node:crypto';
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
  UnauthorizedException,
  ValidationPipe,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { IsObject, IsString, IsUUID, MaxLength } from 'class-validator';
import pg from 'pg';
import { SignJWT } from 'jose';
import {
  generateAuthenticationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { PolicyEngine } from '#policy';
import { DECISION_TENANT_ID, signInDecisionRequest } from './floor-decisions.js';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const RP_ID = env('MINIMAL_RP_ID');
const ORIGIN = env('MINIMAL_ORIGIN');
const API_KEY_PREFIX = env('MINIMAL_API_KEY').slice(0, 8);
const CHALLENGE_TTL_MS = 5 * 60_000;

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
    await pool.query(
      'INSERT INTO credentials (credential_id, user_id, public_key, counter, transports) VALUES ($1, $2, $3, $4, $5)',
      [c.id, body.user_id, Buffer.from(c.publicKey), c.counter, c.transports ?? []],
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
    const factors = await pool.query('SELECT credential_id FROM credentials WHERE user_id = $1', [body.user_id]);
    if (factors.rowCount === 0) throw new NotFoundException('no factor');
    const id = randomUUID();
    await pool.query('INSERT INTO challenges (id, user_id, expires_at) VALUES ($1, $2, $3)', [
      id,
      body.user_id,
      new Date(Date.now() + CHALLENGE_TTL_MS),
    ]);
    return { challenge_id: id };
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

@Module({ controllers: [MinimalSignInController] })
class MinimalSignInModule {}

async function main() {
  await pool.query(`
    CREATE TABLE IF NOT EXISTS api_keys (prefix text PRIMARY KEY, key_hash bytea NOT NULL);
    CREATE TABLE IF NOT EXISTS credentials (
      credential_id text PRIMARY KEY, user_id text NOT NULL, public_key bytea NOT NULL,
      counter bigint NOT NULL, transports text[] NOT NULL, last_used_at timestamptz);
    CREATE INDEX IF NOT EXISTS credentials_user ON credentials (user_id);
    CREATE TABLE IF NOT EXISTS challenges (
      id uuid PRIMARY KEY, user_id text NOT NULL, webauthn_challenge text,
      expires_at timestamptz NOT NULL, consumed_at timestamptz);`);
  await pool.query('INSERT INTO api_keys (prefix, key_hash) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
    API_KEY_PREFIX,
    sha256(env('MINIMAL_API_KEY')),
  ]);
  const app = await NestFactory.create(MinimalSignInModule, { logger: ['error', 'warn'] });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  await app.listen(Number(env('PORT')), env('HOST'));
}

void main();
