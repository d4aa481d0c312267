import type { Server } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { AppConfig } from '#config';
import { ErrorBodyDto } from '#errors';
import { WEBAUTHN_JSON_SCHEMAS } from '#mfa';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
/** What Nest's swagger module would derive from class and method names; ids must be set explicitly. */
const UNSET_OPERATION_ID = 'operation-id-not-set:';

/** OpenAPI 3.1 built from the controllers' decorators; served at /openapi.json and /docs. */
export function buildOpenApiDocument(
  app: INestApplication,
  config: Pick<AppConfig, 'publicUrl' | 'host' | 'port'>,
): OpenAPIObject {
  const base = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('Tessera')
    .setDescription(
      'Multi-tenant MFA enrollment: passkeys, FIDO security keys, backup codes and factor management under per-tenant Cedar policies. ' +
        'Every error is `{code, message, details?, notices?}`; `notices` are the notices of the Cedar rules that determined a denial.',
    )
    .setVersion(packageVersion())
    .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
    .addServer(
      config.publicUrl ?? listenUrl(config.host, config.port),
      config.publicUrl ? 'PUBLIC_URL' : 'The listen address (set PUBLIC_URL to the address clients use)',
    )
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'User token (HS256 secret or JWKS)' },
      'bearer',
    )
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'X-API-Key',
        description: 'Tenant admin key, or the platform key for /v1/tenants',
      },
      'apiKey',
    )
    .build();
  // The license is named by its SPDX identifier (OpenAPI 3.1 `identifier`), not only by its URL.
  base.info.license = { name: 'Apache-2.0', identifier: 'Apache-2.0' } as OpenAPIObject['info']['license'];
  delete base.info.contact; // DocumentBuilder's empty placeholder
  const document = SwaggerModule.createDocument(app, base, {
    extraModels: [ErrorBodyDto],
    operationIdFactory: (controller, method) => `${UNSET_OPERATION_ID}${controller}.${method}`,
  });
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ...WEBAUTHN_JSON_SCHEMAS },
  };
  const missing: string[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!operation) continue;
      if (operation.operationId?.startsWith(UNSET_OPERATION_ID))
        missing.push(`${method.toUpperCase()} ${path} (${operation.operationId.slice(UNSET_OPERATION_ID.length)})`);
      // A public operation says so, rather than leaving readers to guess from the absence of a scheme.
      operation.security ??= [];
    }
  }
  if (missing.length > 0) {
    throw new Error(
      `Every operation needs an explicit stable operationId (@ApiOperation({ operationId, summary })); missing on: ${missing.join(', ')}`,
    );
  }
  return document;
}

export function mountOpenApi(
  app: INestApplication,
  document: OpenAPIObject,
  config: Pick<AppConfig, 'publicUrl' | 'host'>,
): void {
  const http = app.getHttpAdapter();
  http.get('/openapi.json', (_req: unknown, res: { json(body: unknown): void }) => res.json(document));
  // Swagger UI assets come from the swagger-ui-dist package: no CDN.
  SwaggerModule.setup('docs', app, document, { raw: false, ui: true, customSiteTitle: 'Tessera API reference' });
  if (!config.publicUrl) {
    // Without PUBLIC_URL the server is the address actually bound (PORT=0 picks one at listen time).
    const server = app.getHttpServer() as Server;
    server.once('listening', () => {
      const address = server.address() as AddressInfo | null;
      if (address && typeof address === 'object' && document.servers?.[0])
        document.servers[0].url = listenUrl(config.host, address.port);
    });
  }
}

/** A URL for the listen address; the wildcard addresses are reached as localhost. */
function listenUrl(host: string, port: number): string {
  const name =
    host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${name}:${port}`;
}

let version: string | undefined;
/** The version of the package this build belongs to (the first package.json above this file). */
function packageVersion(): string {
  if (version) return version;
  for (let dir = new URL('.', import.meta.url); ; dir = new URL('..', dir)) {
    try {
      version = (JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { version: string }).version;
      return version;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dir.pathname === '/') throw err;
    }
  }
}
