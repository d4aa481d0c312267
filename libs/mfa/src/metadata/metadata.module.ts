import { Global, Module } from '@nestjs/common';
import { AuthenticatorMetadataService } from './authenticator-metadata.service.js';

/** FIDO metadata (MDS3) and authenticator names, for enrollment and factor lists. */
@Global()
@Module({ providers: [AuthenticatorMetadataService], exports: [AuthenticatorMetadataService] })
export class MetadataModule {}
