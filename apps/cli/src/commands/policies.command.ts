import { readFile } from 'node:fs/promises';
import { PolicyEngine, readAnnotations } from '#policy';
import { statementOffsets, tenantStatementErrors } from '#admin';
import { UsageError, type CliCommand } from '../cli-command.js';

/**
 * Checks tenant rule files offline, exactly as the API would before storing them: Cedar syntax,
 * strict validation against policies/schema.cedarschema, and the tenant restrictions (forbid only,
 * notices ≤ 500 characters). Exit 1 when any file has an error.
 */
export const policiesValidateCommand: CliCommand = {
  name: 'policies validate',
  summary: 'Validate tenant rule files (.cedar) against the schema, as POST /v1/policies would',
  usage: '<file.cedar> [more files…]',
  positionals: true,
  async run({ positionals }, ctx) {
    if (positionals.length === 0) throw new UsageError('name at least one .cedar file');
    const engine = PolicyEngine.create();
    let failed = 0;
    for (const file of positionals) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch {
        throw new UsageError(`cannot read ${file}`);
      }
      const result = engine.validatePolicySet(text);
      const statements = result.statements ?? [];
      const offsets = statementOffsets(text, statements);
      const errors = [
        ...(result.ok ? [] : result.errors),
        ...statements.flatMap((s, i) =>
          tenantStatementErrors({ text: s, statement: i, source: text, offset: offsets[i] }),
        ),
      ];
      if (errors.length === 0) {
        ctx.out(`${file}: ok (${statements.length} statement${statements.length === 1 ? '' : 's'})`);
        statements.forEach((s, i) => {
          const notice = readAnnotations(s).notice;
          ctx.out(`  [${i}] ${notice ? `notice: ${notice}` : '(no notice)'}`);
        });
        continue;
      }
      failed++;
      for (const e of errors) {
        const where = e.position?.line !== undefined ? `:${e.position.line}:${e.position.column ?? 1}` : '';
        const statement = e.statement === undefined ? '' : ` (statement ${e.statement})`;
        ctx.out(`${file}${where}: error${statement}: ${e.message}`);
      }
    }
    return failed > 0 ? 1 : 0;
  },
};
