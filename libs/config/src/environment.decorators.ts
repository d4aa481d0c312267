import { Expose, Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, Max, Min, ValidateBy, type ValidationArguments } from 'class-validator';

// The kinds of environment variable, as property decorators of the Environment class: each reads
// its variable, parses it, and checks it, with the message a problem gets.

/** Applies property decorators in the order given, which is the order their checks run in. */
function inOrder(decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, property) => {
    for (const decorate of decorators) decorate(target, property);
  };
}

/**
 * An environment variable that `parse` turns into its type. Only declared variables are read
 * from the environment; an unset one keeps the property's initial value (its default). A value
 * that does not parse is left as the string, for a check to report.
 */
export function EnvParsed(parse: (raw: string) => unknown, ...checks: PropertyDecorator[]): PropertyDecorator {
  return inOrder([Expose(), Transform(({ value }: { value: string }) => parse(value)), IsOptional(), ...checks]);
}

/** An environment variable kept as its (trimmed) string. */
export function EnvString(...checks: PropertyDecorator[]): PropertyDecorator {
  return inOrder([Expose(), IsOptional(), ...checks]);
}

/** An integer between min and max, inclusive, written in digits. */
export function EnvInteger(min: number, max: number): PropertyDecorator {
  const message = (args: ValidationArguments) =>
    `${args.property} must be an integer between ${min} and ${max} (got "${String(args.value)}")`;
  const digits = (raw: string): number | string => (/^\d+$/.test(raw) ? Number(raw) : raw);
  return EnvParsed(digits, IsInt({ message }), Min(min, { message }), Max(max, { message }));
}

const TRUE_WORDS = ['1', 'true', 'yes', 'on'];
const FALSE_WORDS = ['0', 'false', 'no', 'off'];

/** A boolean: 1/true/yes/on or 0/false/no/off, in any case. */
export function EnvBoolean(): PropertyDecorator {
  const word = (raw: string): boolean | string => {
    const lower = raw.toLowerCase();
    if (TRUE_WORDS.includes(lower)) return true;
    if (FALSE_WORDS.includes(lower)) return false;
    return lower;
  };
  return EnvParsed(
    word,
    IsBoolean({ message: (args) => `${args.property} must be true or false (got "${String(args.value)}")` }),
  );
}

/**
 * A check class-validator has no decorator for: `problem` tells what is wrong with a value that
 * is set, or undefined when nothing is. The value is of the type the variable's earlier checks
 * ensured: validation stops at a variable's first problem (environmentProblems).
 */
export function Check<T>(name: string, problem: (value: T, property: string) => string | undefined): PropertyDecorator {
  return ValidateBy({
    name,
    validator: {
      validate: (value: T, args?: ValidationArguments) => problem(value, args?.property ?? '') === undefined,
      defaultMessage: (args?: ValidationArguments) => (args ? (problem(args.value as T, args.property) ?? '') : ''),
    },
  });
}
