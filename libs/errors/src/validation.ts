import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { validationFailed, type FieldError } from './api-error.js';
import { stripPrototypeKeys } from './prototype-keys.js';
import { memoizeValidationMetadata } from './validation-metadata.memo.js';

/** Nest's ValidationPipe with the prototype keys stripped by a walk V8 keeps compiled (see stripPrototypeKeys). */
class TesseraValidationPipe extends ValidationPipe {
  protected override stripProtoKeys(value: unknown): void {
    stripPrototypeKeys(value);
  }
}

/** The one validation pipe: whitelist, forbid unknown properties, transform; each bad field listed. */
export function createValidationPipe(): ValidationPipe {
  memoizeValidationMetadata();
  return new TesseraValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors: ValidationError[]) => validationFailed(flattenValidationErrors(errors)),
  });
}

export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = parent
      ? /^\d+$/.test(error.property)
        ? `${parent}[${error.property}]`
        : `${parent}.${error.property}`
      : error.property;
    for (const [rule, reason] of Object.entries(error.constraints ?? {})) {
      out.push({ field, reason: rule === 'whitelistValidation' ? 'is not an accepted field' : reason });
    }
    if (error.children?.length) out.push(...flattenValidationErrors(error.children, field));
  }
  return out;
}
