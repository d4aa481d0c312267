import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validate } from '@cedar-policy/cedar-wasm/nodejs';
import { annotationProblems, readAnnotations, splitStatements } from './statement.splitter.js';

/** The longest notice (and translation) a rule may carry. */
export const MAX_NOTICE_LENGTH = 500;

export interface BaselineRule {
  id: string;
  notice?: string;
  translations?: Record<string, string>;
  text: string;
  file: string;
}

export interface PolicyFiles {
  dir: string;
  schemaText: string;
  baseline: BaselineRule[];
}

const SCHEMA_FILE = 'schema.cedarschema';

/**
 * Finds `policies/` by walking up from this module (works from `libs/…` and from `dist/libs/…`),
 * then from the working directory.
 */
export function findPoliciesDir(): string {
  for (const start of [dirname(fileURLToPath(import.meta.url)), process.cwd()]) {
    let dir = start;
    for (;;) {
      const candidate = join(dir, 'policies');
      if (existsSync(join(candidate, SCHEMA_FILE))) return candidate;
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  throw new Error(`Cedar policies not found: no policies/${SCHEMA_FILE} above ${process.cwd()}`);
}

/**
 * Reads the schema and the baseline (`<dir>/*.cedar`, not `examples/`), splits the baseline
 * into statements in file order, and validates it strictly. Throws with every problem listed:
 * a service must not start with a baseline it cannot enforce.
 */
export function loadPolicyFiles(dir = findPoliciesDir()): PolicyFiles {
  dir = resolve(dir);
  const schemaText = readFileSync(join(dir, SCHEMA_FILE), 'utf8');
  const problems: string[] = [];
  const baseline: BaselineRule[] = [];
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cedar'))
    .sort();
  for (const file of files) {
    const split = splitStatements(readFileSync(join(dir, file), 'utf8'));
    if (!split.ok) {
      problems.push(...split.errors.map((e) => `${file}: ${e.message}`));
      continue;
    }
    split.statements.forEach((text, i) => {
      const annotations = readAnnotations(text);
      const { id, notice, translations } = annotations;
      problems.push(
        ...annotationProblems(annotations, MAX_NOTICE_LENGTH).map((p) => `${file}: statement ${i + 1}: ${p.message}`),
      );
      if (!id) problems.push(`${file}: statement ${i + 1} has no @id("…") annotation`);
      else if (baseline.some((r) => r.id === id)) problems.push(`${file}: duplicate @id("${id}")`);
      else baseline.push({ id, notice, translations, text, file });
    });
  }
  if (problems.length === 0 && baseline.length > 0) {
    const answer = validate({
      schema: schemaText,
      policies: { staticPolicies: Object.fromEntries(baseline.map((r) => [r.id, r.text])) },
      validationSettings: { mode: 'strict' },
    });
    if (answer.type !== 'success') problems.push(...answer.errors.map((e) => `schema or baseline: ${e.message}`));
    else problems.push(...answer.validationErrors.map((e) => `${e.policyId}: ${e.error.message}`));
  }
  if (problems.length > 0) {
    throw new Error(`Invalid Cedar baseline in ${dir}:\n  ${[...new Set(problems)].join('\n  ')}`);
  }
  return { dir, schemaText, baseline };
}
