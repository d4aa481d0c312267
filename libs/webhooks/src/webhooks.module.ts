import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '#config';
import { MfaModule } from '#mfa';
import { WebhooksService } from './webhooks.service.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { DISPATCH_DATA_SOURCE, dispatchDataSource } from './dispatch-data-source.js';

@Module({
  imports: [MfaModule],
  providers: [
    { provide: DISPATCH_DATA_SOURCE, inject: [APP_CONFIG, DataSource], useFactory: dispatchDataSource },
    WebhooksService,
    WebhookDispatcher,
  ],
  controllers: [WebhooksController],
  exports: [WebhookDispatcher],
})
export class WebhooksModule implements OnApplicationShutdown {
  constructor(
    @Inject(DISPATCH_DATA_SOURCE) private readonly dispatchDs: DataSource,
    @Inject(DataSource) private readonly main: DataSource,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    // The dispatcher stopped before shutdown (beforeApplicationShutdown); close its own connection.
    if (this.dispatchDs !== this.main && this.dispatchDs.isInitialized) await this.dispatchDs.destroy();
  }
}
