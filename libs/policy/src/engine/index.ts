export * from './engine.types.js';
export { PolicyEngine, type PolicyEngineOptions } from './policy.engine.js';
export { assembleRule, cedarString } from './rule.assembler.js';
export {
  MAX_NOTICE_LENGTH,
  findPoliciesDir,
  loadPolicyFiles,
  type BaselineRule,
  type PolicyFiles,
} from './policy-files.loader.js';
export {
  TRANSLATED_NOTICE,
  annotationProblems,
  readAnnotations,
  type StatementAnnotations,
} from './statement.splitter.js';
export { statementEffect, effectKeywordOffset, type StatementEffect } from './statement-effect.js';
export { positionAtChar } from './text-position.util.js';
export type { PolicySetValidationResult } from './rule.validator.js';
export { buildCall } from './cedar-request.builder.js';
