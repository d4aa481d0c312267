import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';
import { APP_CONFIG, type AppConfig, Clock } from '../../../config/src/index.js';
import { MfaSigningKeyEntity, isUniqueViolation } from '../../../persistence/src/index.js';
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

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(MFA_ENCRYPTION_KEY) private readonly encryptionKey: Buffer,
    private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    const pem = this.config.mfa.tokenPrivateKeyPem ?? (await this.storedOrGenerated());
    this.key = await describe(parseP256PrivateKey(pem));
  }

  signingKey(): SigningKey {
    if (!this.key) throw new Error('TokenKeysService used before initialisation');
    return this.key;
  }

  /** The public keys a verifier needs (one today; a rotation would publish old and new). */
  jwks(): { keys: JWK[] } {
    return { keys: [this.signingKey().publicJwk] };
  }

  private async storedOrGenerated(): Promise<string> {
    const repo = this.dataSource.getRepository(MfaSigningKeyEntity);
    const existing = await repo.findOne({ where: { purpose: PURPOSE } });
    if (existing) return open(this.encryptionKey, existing.privateKeySealed, aad(existing.id));

    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const { kid } = await describe(privateKey);
    try {
      await repo.insert({ id: kid, purpose: PURPOSE, algorithm: MFA_TOKEN_ALG, privateKeySealed: seal(this.encryptionKey, pem, aad(kid)), createdAt: this.clock.now() });
      this.logger.log(`generated the MFA token signing key: key id ${kid} (its JWKS kid; the private key is stored encrypted)`);
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

async function describe(privateKey: KeyObject): Promise<SigningKey> {
  const jwk = await exportJWK(createPublicKey(privateKey));
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, privateKey, publicJwk: { ...jwk, kid, alg: MFA_TOKEN_ALG, use: 'sig' } };
}
