import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { ErrorBodyDto } from '../../../libs/errors/src/index.js';

/** OpenAPI 3.1 built from the controllers' decorators; served at /openapi.json and /docs. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('Tessera')
    .setDescription(
      'Multi-tenant MFA enrollment: passkeys, FIDO security keys, backup codes and factor management under per-tenant Cedar policies. ' +
        'Every error is `{code, message, details?, notices?}`; `notices` are the notices of the Cedar rules that determined a denial.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'User token (HS256 secret or JWKS)' }, 'bearer')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'Tenant admin key, or the platform key for /v1/tenants' }, 'apiKey')
    .build();
  return SwaggerModule.createDocument(app, config, { extraModels: [ErrorBodyDto] });
}

export function mountOpenApi(app: INestApplication, document: OpenAPIObject): void {
  const http = app.getHttpAdapter();
  http.get('/openapi.json', (_req: unknown, res: { json(body: unknown): void }) => res.json(document));
  // Swagger UI assets come from the swagger-ui-dist package: no CDN.
  SwaggerModule.setup('docs', app, document, { raw: false, ui: true, customSiteTitle: 'Tessera API reference' });
}
