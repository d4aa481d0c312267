import { mintDevToken, resolveDevJwtSecret } from '../../../../libs/auth/src/index.js';
import { listOption, requireString, tenantIdOption, UsageError, type CliCommand } from '../cli-command.js';

export const tokenMintCommand: CliCommand = {
  name: 'token mint',
  summary: 'Print a user bearer token signed with AUTH_JWT_SECRET (or the dev secret), for development and tests',
  usage: '--tenant <id> --sub <user id> [--roles a,b] [--amr pwd,otp] [--ttl <seconds, default 3600>]',
  options: { tenant: { type: 'string' }, sub: { type: 'string' }, roles: { type: 'string', multiple: true }, amr: { type: 'string', multiple: true }, ttl: { type: 'string' } },
  async run({ values }, ctx) {
    const tenantId = tenantIdOption(values);
    const sub = requireString(values, 'sub');
    if (sub.length > 255) throw new UsageError('--sub must be at most 255 characters');
    const ttlRaw = values.ttl === undefined ? '3600' : String(values.ttl);
    if (!/^\d+$/.test(ttlRaw) || Number(ttlRaw) < 1 || Number(ttlRaw) > 86_400) throw new UsageError('--ttl must be a number of seconds between 1 and 86400');
    const config = ctx.config();
    // The same secret the API verifies with: AUTH_JWT_SECRET, or in dev mode the generated one beside the SQLite file.
    const secret = config.auth.jwtSecret ?? resolveDevJwtSecret(config);
    if (!secret) {
      throw new UsageError(
        config.devMode ? 'token mint signs HS256 tokens: set AUTH_JWT_SECRET (with AUTH_JWKS_URL set, tokens come from your identity provider)' : 'token mint needs AUTH_JWT_SECRET in production',
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
