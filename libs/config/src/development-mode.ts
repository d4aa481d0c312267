import type { AppConfig } from './app-config.js';

/**
 * The one warning line a development start logs: that it is development mode, and what that
 * enables (or, failing closed because auth settings are given without NODE_ENV, what it does not).
 * Null outside development.
 */
export function developmentModeWarning(config: AppConfig): string | null {
  if (config.env !== 'development') return null;
  const enabled: string[] = [];
  if (config.devMode)
    enabled.push(
      'the demo page (/demo, /demo/session)',
      'dev tokens signed with the generated secret in data/dev-jwt-secret',
    );
  if (config.demoTenant) enabled.push('the demo tenant');
  if (!config.mfa.encryptionKey) enabled.push('a generated MFA encryption key in the data directory');
  if (config.migrateOnStart) enabled.push('migrations on start');
  enabled.push(`listening on ${config.host}`);
  const origin = config.nodeEnvSet ? 'NODE_ENV=development' : 'NODE_ENV is not set';
  const closed = config.devMode
    ? ''
    : ' AUTH_JWT_SECRET or AUTH_JWKS_URL is set, so dev-only features are off: no demo page, no dev tokens, no demo tenant unless DEMO_TENANT=true.';
  return `Development mode (${origin}).${closed} Enabled: ${enabled.join(', ')}. Set NODE_ENV=production for a deployment.`;
}
