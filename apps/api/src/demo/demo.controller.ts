import { Controller, Get, Header, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { APP_CONFIG, type AppConfig } from '#config';
import { ApiError } from '#errors';
import { DEV_JWT_SECRET, Public, mintDevToken } from '#auth';
import { TenantsService } from '#tenancy';
import { ChallengesService, type OpenedChallenge } from '#mfa';
import { DEMO_TENANT_ID, DEMO_USER_ID } from '../demo-tenant.js';
import { loadDemoAssets, type DemoAsset } from './demo-assets.js';

export const DEMO_ASSETS = Symbol('DEMO_ASSETS');
const SESSION_TTL_SECONDS = 3600;

export interface DemoSessionDto {
  tenant_id: string;
  user_id: string;
  token: string;
  expires_at: string;
}

/**
 * The dev-only demo page: registered by AppModule only when config.devMode, so in production
 * every /demo path is an ordinary 404. The session endpoint hands the page a dev token for the
 * demo user of the demo tenant, exactly what `npm start` prints to the console.
 */
@ApiExcludeController()
@Controller('demo')
@Public()
export class DemoController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DEV_JWT_SECRET) private readonly devSecret: Uint8Array | null,
    @Inject(DEMO_ASSETS) private readonly assets: Map<string, DemoAsset>,
    private readonly tenants: TenantsService,
    private readonly challenges: ChallengesService,
  ) {}

  @Get()
  page(@Res() res: Response): void {
    this.send(res, 'index.html');
  }

  @Get('session')
  @Header('Cache-Control', 'no-store')
  async session(): Promise<DemoSessionDto> {
    // Belt and braces: the module is not even mounted outside dev mode.
    if (!this.config.devMode) throw new ApiError('not_found');
    // Only the generated dev secret: a demo session is never signed with an operator-provided secret.
    const secret = this.devSecret;
    if (!secret)
      throw new ApiError(
        'not_implemented',
        'The demo page needs dev tokens, which are unavailable when AUTH_JWT_SECRET or AUTH_JWKS_URL is set.',
      );
    if (!(await this.tenants.context(DEMO_TENANT_ID))) {
      throw new ApiError(
        'not_found',
        'The demo tenant does not exist: start the API in dev mode with DEMO_TENANT on (the default).',
      );
    }
    const token = await mintDevToken(this.config, secret, {
      tenantId: DEMO_TENANT_ID,
      sub: DEMO_USER_ID,
      ttlSeconds: SESSION_TTL_SECONDS,
    });
    return {
      tenant_id: DEMO_TENANT_ID,
      user_id: DEMO_USER_ID,
      token,
      expires_at: new Date(Date.now() + SESSION_TTL_SECONDS * 1000).toISOString(),
    };
  }

  /**
   * The demo tenant's "sign-in service": what a tenant's backend does with its API key for a
   * usernameless passkey sign-in (POST /v1/mfa/challenges without user_id), so the page can show
   * that flow without holding a tenant key.
   */
  @Post('passkey-sign-in')
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  async passkeySignIn(): Promise<OpenedChallenge> {
    if (!this.config.devMode) throw new ApiError('not_found');
    const tenant = await this.tenants.context(DEMO_TENANT_ID);
    if (!tenant)
      throw new ApiError(
        'not_found',
        'The demo tenant does not exist: start the API in dev mode with DEMO_TENANT on (the default).',
      );
    return this.challenges.open(
      tenant,
      { userId: null, purpose: 'sign_in' },
      { kind: 'api_key', keyId: 'demo-page', tenantId: tenant.id, scopes: [] },
    );
  }

  @Get('assets/*path')
  asset(@Param('path') path: string | string[], @Res() res: Response): void {
    this.send(res, Array.isArray(path) ? path.join('/') : path);
  }

  private send(res: Response, name: string): void {
    const asset = this.assets.get(name);
    if (!asset) {
      if (this.assets.size === 0) throw new ApiError('not_found', 'The demo page is not built: run `npm run build`.');
      throw new ApiError('not_found');
    }
    res.status(200).type(asset.contentType).set('Cache-Control', 'no-cache').send(asset.body);
  }
}

export const demoAssetsProvider = { provide: DEMO_ASSETS, useFactory: () => loadDemoAssets() };
