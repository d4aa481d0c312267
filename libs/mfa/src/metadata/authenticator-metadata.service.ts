import { readFileSync } from 'node:fs';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { SettingsService, type MetadataBLOBPayloadEntry } from '@simplewebauthn/server';
import { APP_CONFIG, type AppConfig } from '#config';
import {
  assessAttestation,
  ZERO_AAGUID,
  type AttestationAssessment,
  type AttestationInput,
  type MetadataLookup,
} from './attestation.assessor.js';
import { configureAttestationLibrary } from './revocation-fetch.js';
import { SHIPPED_AAGUID_NAMES, type AuthenticatorModelName } from './aaguid-names.js';
import { verifyMdsBlob } from './mds-blob.verifier.js';
import type { FidoMetadataState } from '#observability';

const FETCH_TIMEOUT_MS = 30_000;
const MAX_BLOB_BYTES = 64 * 1024 * 1024;

/** A stored credential's model, as the factor list and re-judging look it up. */
export interface ModelRef {
  aaguid: string;
  /** Key identifier by which metadata listed a zero-AAGUID model at enrollment. */
  attestationKeyId?: string | null;
  /** The model name stored with the credential. */
  model?: string | null;
}

/** Called after a newer BLOB is installed (re-judging of stored credentials listens). */
export type BlobChangeListener = (blobNo: number) => Promise<void>;

interface LoadedBlob {
  no: number;
  /** When this node verified and installed it (the metrics' BLOB age). */
  loadedAt: Date;
  nextUpdate: Date;
  source: string;
  byAaguid: Map<string, MetadataBLOBPayloadEntry>;
  byKeyId: Map<string, MetadataBLOBPayloadEntry>;
}

/**
 * FIDO metadata for this node: a signature-verified MDS3 BLOB loaded from FIDO_MDS_FILE at start
 * and/or fetched from FIDO_MDS_URL (in the background, then every FIDO_MDS_REFRESH_SECONDS; a
 * failed refresh keeps the BLOB in hand). Answers attestation trust and AAGUID → model names.
 *
 * It is deliberately separate from @simplewebauthn/server's global MetadataService, which stays
 * disabled: verifyRegistrationResponse then checks attestation signatures without deciding trust,
 * and trust is decided here, per node and per BLOB, so that an untrusted attestation is a fact
 * for the tenant's policy rather than a failed ceremony.
 */
@Injectable()
export class AuthenticatorMetadataService
  implements MetadataLookup, OnModuleInit, OnApplicationBootstrap, OnModuleDestroy
{
  private readonly logger = new Logger(AuthenticatorMetadataService.name);
  private blob: LoadedBlob | null = null;
  private roots: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private lastRefresh: FidoMetadataState['lastRefresh'] = 'none';
  private readonly listeners: BlobChangeListener[] = [];

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** A configured file must load: a bad BLOB or root stops the process at start (fail fast). */
  async onModuleInit(): Promise<void> {
    const { file, rootCertFile } = this.config.fidoMds;
    // Before anything verifies a chain: trust from metadata, revocation lists only when enabled.
    await configureAttestationLibrary({ enabled: this.config.attestationCrlFetch });
    this.roots = rootCertFile
      ? splitPem(readFileSync(rootCertFile, 'utf8'))
      : SettingsService.getRootCertificates({ identifier: 'mds' });
    if (rootCertFile && this.roots.length === 0)
      throw new Error(`FIDO_MDS_ROOT_CERT (${rootCertFile}) holds no PEM certificate`);
    if (file) await this.load(readFileSync(file, 'utf8'), `file:${file}`);
  }

  /** The URL is fetched after start so that an unreachable MDS never delays or blocks it. */
  onApplicationBootstrap(): void {
    const { url, refreshSeconds } = this.config.fidoMds;
    if (!url) return;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), refreshSeconds * 1000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Verifies and installs a BLOB; one whose serial is not greater than the current one is ignored. */
  async load(jwt: string, source: string): Promise<boolean> {
    const verified = await verifyMdsBlob(jwt, this.roots);
    if (this.blob && verified.no <= this.blob.no) {
      this.lastRefresh = 'not_newer';
      this.logger.log(
        `MDS BLOB no. ${verified.no} from ${source} is not newer than no. ${this.blob.no}; kept the current one`,
      );
      return false;
    }
    const byAaguid = new Map<string, MetadataBLOBPayloadEntry>();
    const byKeyId = new Map<string, MetadataBLOBPayloadEntry>();
    for (const entry of verified.entries) {
      if (typeof entry.aaguid === 'string') byAaguid.set(entry.aaguid.toLowerCase(), entry);
      for (const keyId of entry.attestationCertificateKeyIdentifiers ?? []) byKeyId.set(keyId.toLowerCase(), entry);
    }
    this.blob = { no: verified.no, loadedAt: new Date(), nextUpdate: verified.nextUpdate, source, byAaguid, byKeyId };
    this.lastRefresh = 'success';
    if (verified.nextUpdate.getTime() < Date.now())
      this.logger.warn(
        `MDS BLOB no. ${verified.no} is past its nextUpdate (${verified.nextUpdate.toISOString().slice(0, 10)})`,
      );
    this.logger.log(
      `Loaded MDS BLOB no. ${verified.no} from ${source}: ${byAaguid.size} AAGUIDs, ${byKeyId.size} U2F key ids`,
    );
    for (const listener of this.listeners) {
      try {
        await listener(verified.no);
      } catch (err) {
        this.logger.error(
          `Re-judging against MDS BLOB no. ${verified.no} failed: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
    return true;
  }

  /** Runs `listener` after each newer BLOB is installed. */
  onBlobChange(listener: BlobChangeListener): void {
    this.listeners.push(listener);
  }

  /** Fetches FIDO_MDS_URL once; concurrent calls share one fetch. Failures are logged, never thrown. */
  refresh(): Promise<void> {
    this.refreshing ??= this.fetchAndLoad().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async fetchAndLoad(): Promise<void> {
    const url = this.config.fidoMds.url;
    if (!url) return;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'follow' });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const length = Number(res.headers.get('content-length') ?? 0);
      if (length > MAX_BLOB_BYTES) throw new Error(`BLOB of ${length} bytes exceeds ${MAX_BLOB_BYTES}`);
      await this.load(await res.text(), url.toString());
    } catch (err) {
      this.lastRefresh = 'failure';
      this.logger.warn(
        `MDS refresh from ${url.origin} failed, keeping the current BLOB: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  /** For the metrics: when the BLOB in hand was loaded, and how the last load or refresh went. */
  state(): FidoMetadataState {
    return { loadedAt: this.blob?.loadedAt, lastRefresh: this.lastRefresh };
  }

  /** Serial number of the BLOB in hand, or null when none is loaded. */
  get blobNumber(): number | null {
    return this.blob?.no ?? null;
  }

  byAaguid(aaguid: string): MetadataBLOBPayloadEntry | undefined {
    return this.blob?.byAaguid.get(aaguid.toLowerCase());
  }

  byKeyIdentifier(keyId: string): MetadataBLOBPayloadEntry | undefined {
    return this.blob?.byKeyId.get(keyId.toLowerCase());
  }

  /** Trust, model and certification of a verified registration's attestation. */
  assess(input: AttestationInput): Promise<AttestationAssessment> {
    return assessAttestation(input, this);
  }

  /** The metadata entry of a stored credential's model: by AAGUID, or by key identifier for the zero AAGUID. */
  entryOf(ref: ModelRef): MetadataBLOBPayloadEntry | undefined {
    if (ref.aaguid.toLowerCase() !== ZERO_AAGUID) return this.byAaguid(ref.aaguid);
    return ref.attestationKeyId ? this.byKeyIdentifier(ref.attestationKeyId) : undefined;
  }

  /**
   * The model's name (and icon), looked up as the assessor identifies models: the BLOB's entry (by
   * AAGUID, or by key identifier for the zero AAGUID), else the name stored at enrollment, else the
   * shipped list (never for the zero AAGUID, which names no model). Null when unknown.
   */
  describe(ref: ModelRef): AuthenticatorModelName | null {
    const statement = this.entryOf(ref)?.metadataStatement;
    if (statement?.description)
      return { name: statement.description, ...(statement.icon ? { icon: statement.icon } : {}) };
    if (ref.model) return { name: ref.model };
    if (ref.aaguid.toLowerCase() === ZERO_AAGUID) return null;
    return SHIPPED_AAGUID_NAMES.get(ref.aaguid.toLowerCase()) ?? null;
  }
}

function splitPem(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}
