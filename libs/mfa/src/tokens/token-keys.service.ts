import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';
import { APP_CONFIG, type AppConfig, Clock } from '#config';
import { MfaSigningKeyEntity, isUniqueViolation } from '#persistence';
import { MFA_ENCRYPTION_KEY } from '../crypto/encryption-key.js';
import { open, seal } from '../crypto/secret-box.js';

const PURPOSE = 'mfa_token';
export const MFA_TOKEN_ALG = 'ES256';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: JWK;
}

/**
 * The ES256 key that signs MFA tokens: MFA_TOKEN_PRIVATE_KEY when configured, else the key the
 * first node generated and stored (sealed) in mfa_signing_keys, so every node signs with the same
 * key and the JWKS is the same wherever it is fetched. Loaded once at start.
 */
@Injectable()
export class TokenKeysService implements OnModuleInit {
  private readonly logger = new Logger(TokenKeysService.name);
  private key?: SigningKey;
  private previous?: JWK;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(MFA_ENCRYPTION_KEY) private readonly encryptionKey: Buffer,
    private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    const pem = this.config.mfa.tokenPrivateKeyPem ?? (await this.storedOrGenerated());
    this.key = await describe(parseP256PrivateKey(pem));
    const previousPem = this.config.mfa.tokenPreviousPublicKeyPem;
    if (previousPem !== undefined) this.previous = await publicJwkOf(parseP256PublicKey(previousPem));
  }

  signingKey(): SigningKey {
    if (!this.key) throw new Error('TokenKeysService used before initialisation');
    return this.key;
  }

  /** The public keys a verifier needs: the current key, and the previous one during a rotation. */
  jwks(): { keys: JWK[] } {
    const current = this.signingKey().publicJwk;
    return { keys: this.previous && this.previous.kid !== current.kid ? [current, this.previous] : [current] };
  }

  private async storedOrGenerated(): Promise<string> {
    const repo = this.dataSource.getRepository(MfaSigningKeyEntity);
    const existing = await repo.findOne({ where: { purpose: PURPOSE } });
    if (existing) return open(this.encryptionKey, existing.privateKeySealed, aad(existing.id));

    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const { kid } = await describe(privateKey);
    try {
      await repo.insert({
        id: kid,
        purpose: PURPOSE,
        algorithm: MFA_TOKEN_ALG,
        privateKeySealed: seal(this.encryptionKey, pem, aad(kid)),
        createdAt: this.clock.now(),
      });
      this.logger.log(
        `generated the MFA token signing key: key id ${kid} (its JWKS kid; the private key is stored encrypted)`,
      );
      return pem;
    } catch (err) {
      // Another node generated one at the same moment: use theirs.
      if (!isUniqueViolation(err)) throw err;
      const raced = await repo.findOneOrFail({ where: { purpose: PURPOSE } });
      return open(this.encryptionKey, raced.privateKeySealed, aad(raced.id));
    }
  }
}

function aad(kid: string): string {
  return `mfa_signing_key:${kid}`;
}

export function parseP256PrivateKey(pem: string | KeyObject): KeyObject {
  const key = typeof pem === 'string' ? createPrivateKey(pem) : pem;
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('The MFA token key must be an EC P-256 private key (ES256)');
  }
  return key;
}

export function parseP256PublicKey(pem: string): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('The previous MFA token key must be an EC P-256 public key (ES256)');
  }
  return key;
}

async function publicJwkOf(publicKey: KeyObject): Promise<JWK> {
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { ...jwk, kid, alg: MFA_TOKEN_ALG, use: 'sig' };
}

async function describe(privateKey: KeyObject): Promise<SigningKey> {
  const publicJwk = await publicJwkOf(createPublicKey(privateKey));
  return { kid: publicJwk.kid!, privateKey, publicJwk };
}
