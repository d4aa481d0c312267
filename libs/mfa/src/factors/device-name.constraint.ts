import { ValidatorConstraint, type ValidationArguments, type ValidatorConstraintInterface } from 'class-validator';
import { FORBIDDEN_NAME_CHARS } from '#auth';

/** A factor's device name: 1 to 100 code points, no control or bidirectional-override characters. */
@ValidatorConstraint({ name: 'deviceName' })
export class DeviceNameConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'string') return false;
    const length = [...value].length; // code points, not UTF-16 units
    return length >= 1 && length <= 100 && !FORBIDDEN_NAME_CHARS.test(value);
  }
  defaultMessage(args: ValidationArguments): string {
    return typeof args.value === 'string' && FORBIDDEN_NAME_CHARS.test(args.value)
      ? 'must not contain control or bidirectional-override characters'
      : 'must be 1 to 100 characters after trimming';
  }
}

/** For @Transform: a device name in the form it is checked and stored in (NFC, trimmed). */
export function normalizedDeviceName({ value }: { value: unknown }): unknown {
  return typeof value === 'string' ? value.normalize('NFC').trim() : value;
}
