import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../cli.js';

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env: { NODE_ENV: 'development', LOG_LEVEL: 'silent' },
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  return { code, stdout, stderr };
}

describe('policies validate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-policies-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('accepts a valid forbid rule and prints its notice', async () => {
    const ok = file(
      'ok.cedar',
      '@notice("No TOTP for finance.")\nforbid (principal, action == Tessera::Action::"complete_enrollment", resource)\nwhen { principal.roles.contains("finance") && context.method_type == "totp" };\n',
    );
    const run = await cli(['policies', 'validate', ok]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /ok \(1 statement\)/);
    assert.match(run.stdout, /notice: No TOTP for finance\./);
  });

  it('refuses permits and schema errors with positions, exit 1', async () => {
    const bad = file(
      'bad.cedar',
      'permit (principal, action, resource);\nforbid (principal, action, resource) when { context.nope == 1 };\n',
    );
    const run = await cli(['policies', 'validate', bad]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /bad\.cedar:1:1: error \(statement 0\): Tenant rules can only restrict/);
    assert.match(run.stdout, /bad\.cedar:2:\d+: error \(statement 1\): .*nope/);
  });

  it('a missing file or no file is a usage error', async () => {
    assert.equal((await cli(['policies', 'validate'])).code, 2);
    assert.equal((await cli(['policies', 'validate', join(dir, 'absent.cedar')])).code, 2);
  });
});
