export * from './engine.types.js';
export { PolicyEngine, type PolicyEngineOptions } from './policy.engine.js';
export { assembleRule, cedarString } from './rule.assembler.js';
export { findPoliciesDir, loadPolicyFiles, type BaselineRule, type PolicyFiles } from './policy-files.loader.js';
