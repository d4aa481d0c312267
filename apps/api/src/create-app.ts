import 'reflect-metadata';
import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import type { Logger as PinoLogger } from 'pino';
import type { AppConfig } from '#config';
import { HttpErrorFilter, RejectUnsafeCharactersPipe, createValidationPipe } from '#errors';
import { isConnectionError } from '#persistence';
import { TenantsService } from '#tenancy';
import { requestFacts, runInRequestScope } from '#audit';
import type { TesseraRequest } from '#auth';
import { Metrics, PinoNestLogger, createLogger, currentRequestLogger, requestLogging } from '#observability';
import { AppModule } from './app.module.js';
import { jsonBodyParsing } from './body-parsing.middleware.js';
import { buildRouteIndex } from './route-index.js';
import { buildOpenApiDocument, mountOpenApi } from './openapi.js';
import { corsOptions } from './cors.js';
import { drainOnShutdown } from './drain-on-shutdown.middleware.js';
import { answerClientErrors } from './client-errors.js';

export interface CreatedApp {
  app: NestExpressApplication;
  logger: PinoLogger;
}

export interface CreateAppOptions {
  logger?: PinoLogger;
  /** Extra modules mounted beside AppModule: tests only (probe routes), never the product. */
  modules?: NonNullable<DynamicModule['imports']>;
}

/** Builds the whole HTTP application (used by main.ts and by the e2e tests). */
export async function createApp(config: AppConfig, options: CreateAppOptions = {}): Promise<CreatedApp> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const metrics = new Metrics(config.env !== 'test');
  const root = AppModule.forRoot(config, metrics);
  const module = options.modules?.length ? { ...root, imports: [...(root.imports ?? []), ...options.modules] } : root;
  const app = await NestFactory.create<NestExpressApplication>(module, {
    bodyParser: false,
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  answerClientErrors(app.getHttpServer());
  app.use(drainOnShutdown(app.getHttpServer()));
  app.use(requestLogging(logger, metrics));
  // Audit events written while serving this request carry its id, client address and user agent.
  app.use((req: TesseraRequest, _res: unknown, next: () => void) =>
    runInRequestScope(requestFacts(req.id, req.ip, req.headers['user-agent']), next),
  );
  app.use(
    helmet({
      // The API answers JSON; /docs and /demo need their own scripts and styles from this origin only.
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'", "'unsafe-inline'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
        },
      },
      crossOriginResourcePolicy: { policy: 'cross-origin' },
    }),
  );
  const tenants = app.get(TenantsService);
  app.enableCors(corsOptions(config.corsOrigins, () => tenants.allOrigins()));
  app.use(jsonBodyParsing());

  let allowedMethods: (path: string) => string[] = () => [];
  app.useGlobalFilters(
    new HttpErrorFilter(logger, (path) => allowedMethods(path), isConnectionError, currentRequestLogger),
  );
  // U+0000 and lone surrogates first, so every dialect refuses them alike (400, never a 500).
  app.useGlobalPipes(new RejectUnsafeCharactersPipe(), createValidationPipe());

  mountOpenApi(app, buildOpenApiDocument(app, config), config);
  await app.init();
  allowedMethods = buildRouteIndex(app);
  return { app, logger };
}
