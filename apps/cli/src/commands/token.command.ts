import { mintDevToken, resolveDevJwtSecret } from '#auth';
import { listOption, requireString, tenantIdOption, UsageError, type CliCommand } from '../cli-command.js';

export const tokenMintCommand: CliCommand = {
  name: 'token mint',
  summary: 'Print a user bearer token signed with AUTH_JWT_SECRET (or the dev secret), for development and tests',
  usage: '--tenant <id> --sub <user id> [--roles a,b] [--amr pwd,otp] [--ttl <seconds, default 3600>]',
  options: {
    tenant: { type: 'string' },
    sub: { type: 'string' },
    roles: { type: 'string', multiple: true },
    amr: { type: 'string', multiple: true },
    ttl: { type: 'string' },
  },
  async run({ values }, ctx) {
    const tenantId = tenantIdOption(values);
    const sub = requireString(values, 'sub');
    if (sub.length > 255) throw new UsageError('--sub must be at most 255 characters');
    const config = ctx.config();
    // The API refuses bearers living longer than AUTH_MAX_TOKEN_LIFETIME_SECONDS: never mint one.
    const maxTtl = Math.min(86_400, config.auth.maxTokenLifetimeSeconds);
    const ttlRaw = values.ttl === undefined ? String(Math.min(3600, maxTtl)) : String(values.ttl);
    if (!/^\d+$/.test(ttlRaw) || Number(ttlRaw) < 1 || Number(ttlRaw) > maxTtl)
      throw new UsageError(`--ttl must be a number of seconds between 1 and ${maxTtl}`);
    if (config.auth.jwtSecret && !config.nodeEnvSet) {
      // Fails closed like the API: without NODE_ENV, an operator's secret never signs a dev token.
      throw new UsageError(
        'token mint with AUTH_JWT_SECRET needs NODE_ENV set explicitly (development, test or production): with NODE_ENV unset no token is signed with an operator-provided secret',
      );
    }
    // The same secret the API verifies with: AUTH_JWT_SECRET, or in dev mode the generated one beside the SQLite file.
    const secret = config.auth.jwtSecret ?? resolveDevJwtSecret(config);
    if (!secret) {
      throw new UsageError(
        config.devMode
          ? 'token mint signs HS256 tokens: set AUTH_JWT_SECRET (with AUTH_JWKS_URL set, tokens come from your identity provider)'
          : 'token mint needs AUTH_JWT_SECRET in production',
      );
    }
    const amr = listOption(values, 'amr');
    const token = await mintDevToken(config, secret, {
      tenantId,
      sub,
      roles: listOption(values, 'roles'),
      amr: amr.length > 0 ? amr : undefined,
      ttlSeconds: Number(ttlRaw),
    });
    ctx.out(token);
  },
};
