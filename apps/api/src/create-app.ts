import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import type { Logger as PinoLogger } from 'pino';
import type { AppConfig } from '../../../libs/config/src/index.js';
import { HttpErrorFilter, createValidationPipe } from '../../../libs/errors/src/index.js';
import { isConnectionError } from '../../../libs/persistence/src/index.js';
import { TenantsService } from '../../../libs/tenancy/src/index.js';
import { Metrics, PinoNestLogger, createLogger, requestLogging } from '../../../libs/observability/src/index.js';
import { AppModule } from './app.module.js';
import { jsonBodyParsing } from './body-parsing.middleware.js';
import { buildRouteIndex } from './route-index.js';
import { buildOpenApiDocument, mountOpenApi } from './openapi.js';
import { corsOptions } from './cors.js';

export interface CreatedApp {
  app: NestExpressApplication;
  logger: PinoLogger;
}

/** Builds the whole HTTP application (used by main.ts and by the e2e tests). */
export async function createApp(config: AppConfig, options: { logger?: PinoLogger } = {}): Promise<CreatedApp> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const metrics = new Metrics(config.env !== 'test');
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, metrics), {
    bodyParser: false,
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.enableShutdownHooks();

  app.use(requestLogging(logger, metrics));
  app.use(
    helmet({
      // The API answers JSON; /docs and /demo need their own scripts and styles from this origin only.
      contentSecurityPolicy: {
        directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'", "'unsafe-inline'"], styleSrc: ["'self'", "'unsafe-inline'"], imgSrc: ["'self'", 'data:'] },
      },
      crossOriginResourcePolicy: { policy: 'cross-origin' },
    }),
  );
  const tenants = app.get(TenantsService);
  app.enableCors(corsOptions(config.corsOrigins, () => tenants.allOrigins()));
  app.use(jsonBodyParsing());

  let allowedMethods: (path: string) => string[] = () => [];
  app.useGlobalFilters(new HttpErrorFilter(logger, (path) => allowedMethods(path), isConnectionError));
  app.useGlobalPipes(createValidationPipe());

  mountOpenApi(app, buildOpenApiDocument(app));
  await app.init();
  allowedMethods = buildRouteIndex(app);
  return { app, logger };
}
