import { Global, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { Metrics } from '#observability';
import { AuthenticatorMetadataService } from './authenticator-metadata.service.js';

/** The BLOB's age and last refresh outcome, read at every scrape. */
@Injectable()
class MetadataMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: Metrics,
    private readonly metadata: AuthenticatorMetadataService,
  ) {}

  onModuleInit(): void {
    this.metrics.observeFidoMetadata(() => this.metadata.state());
  }
}

/** FIDO metadata (MDS3) and authenticator names, for enrollment and factor lists. */
@Global()
@Module({ providers: [AuthenticatorMetadataService, MetadataMetrics], exports: [AuthenticatorMetadataService] })
export class MetadataModule {}
