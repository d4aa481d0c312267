#!/usr/bin/env node
// `npm run lint`, OpenAPI part: the served document must pass Redocly's recommended ruleset with
// 0 errors and 0 warnings, and the OpenAPI 3.1 schema validator.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { redoclyLint, servedOpenApiDocument } from './openapi-document.mjs';

const document = await servedOpenApiDocument();
const dir = mkdtempSync(join(tmpdir(), 'tessera-openapi-'));
let failed = false;
try {
  const file = join(dir, 'openapi.json');
  writeFileSync(file, JSON.stringify(document, null, 2));
  const redocly = redoclyLint(file);
  if (redocly.errors + redocly.warnings > 0) {
    failed = true;
    console.error(
      `OpenAPI: Redocly recommended found ${redocly.errors} errors and ${redocly.warnings} warnings\n${redocly.report}`,
    );
  }
  const schema = await new Validator().validate(document);
  if (!schema.valid) {
    failed = true;
    console.error(`OpenAPI: not a valid OpenAPI 3.1 document\n${JSON.stringify(schema.errors, null, 2)}`);
  }
  if (!failed)
    console.log(
      `OpenAPI: ${Object.keys(document.paths).length} paths; Redocly recommended 0 errors, 0 warnings; OpenAPI 3.1 schema valid`,
    );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
