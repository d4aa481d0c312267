import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ValidationError } from '@nestjs/common';
import { ERROR_CODES, ERROR_MESSAGES, ERROR_STATUS } from './error-codes.js';
import { ApiError, validationFailed } from './api-error.js';
import { flattenValidationErrors } from './validation.js';

describe('error catalogue', () => {
  it('maps every code to an error status and a message, and nothing else', () => {
    assert.deepEqual(Object.keys(ERROR_STATUS).sort(), [...ERROR_CODES].sort());
    assert.deepEqual(Object.keys(ERROR_MESSAGES).sort(), [...ERROR_CODES].sort());
    for (const code of ERROR_CODES) {
      assert.ok(ERROR_STATUS[code] >= 400 && ERROR_STATUS[code] <= 599, `${code} → ${ERROR_STATUS[code]}`);
      assert.ok(ERROR_MESSAGES[code].length > 0);
    }
  });

  it('has the statuses the contract names', () => {
    const expected: Record<string, number> = {
      not_found: 404,
      method_not_allowed: 405,
      payload_too_large: 413,
      unsupported_media_type: 415,
      invalid_json: 400,
      validation_failed: 400,
      invalid_tenant_header: 400,
      unauthenticated: 401,
      tenant_mismatch: 403,
      tenant_unavailable: 403,
      policy_denied: 403,
      internal: 500,
      not_implemented: 501,
    };
    for (const [code, status] of Object.entries(expected))
      assert.equal(ERROR_STATUS[code as keyof typeof ERROR_STATUS], status, code);
  });
});

describe('ApiError', () => {
  it('renders {code, message} and omits empty details and notices', () => {
    const err = new ApiError('not_found');
    assert.equal(err.status, 404);
    assert.deepEqual(err.toBody(), { code: 'not_found', message: ERROR_MESSAGES.not_found });
    assert.deepEqual(new ApiError('policy_denied', 'No.', { details: {}, notices: [] }).toBody(), {
      code: 'policy_denied',
      message: 'No.',
    });
  });

  it('carries details, notices and headers', () => {
    const err = new ApiError('policy_denied', 'Denied.', {
      details: { determining_policies: ['p1'] },
      notices: ['Use a security key.'],
      headers: { 'Retry-After': '1' },
    });
    assert.deepEqual(err.toBody(), {
      code: 'policy_denied',
      message: 'Denied.',
      details: { determining_policies: ['p1'] },
      notices: ['Use a security key.'],
    });
    assert.deepEqual(err.headers, { 'Retry-After': '1' });
  });

  it('validationFailed lists the fields', () => {
    assert.deepEqual(validationFailed([{ field: 'name', reason: 'is required' }]).toBody(), {
      code: 'validation_failed',
      message: 'The request is invalid.',
      details: { fields: [{ field: 'name', reason: 'is required' }] },
    });
  });
});

describe('flattenValidationErrors', () => {
  it('names nested and array fields and rewords unknown properties', () => {
    const errors = [
      { property: 'name', constraints: { isString: 'name must be a string' }, children: [] },
      { property: 'extra', constraints: { whitelistValidation: 'property extra should not exist' }, children: [] },
      {
        property: 'webauthn',
        children: [
          {
            property: 'origins',
            children: [{ property: '0', constraints: { isString: 'each value must be a string' }, children: [] }],
          },
        ],
      },
    ] as unknown as ValidationError[];
    assert.deepEqual(flattenValidationErrors(errors), [
      { field: 'name', reason: 'name must be a string' },
      { field: 'extra', reason: 'is not an accepted field' },
      { field: 'webauthn.origins[0]', reason: 'each value must be a string' },
    ]);
  });
});
