import { getMetadataStorage } from 'class-validator';

type Storage = ReturnType<typeof getMetadataStorage>;
type Lookup = Storage['getTargetValidationMetadatas'];
type ValidationMetadata = ReturnType<Lookup>[number];
type Grouped = Record<string, ValidationMetadata[]>;

const memoized = new WeakSet<Storage>();

/**
 * class-validator works out a class's rules again on every validation, for the body and for each
 * nested object in it: it filters the class's metadata and tests every decorated class in the
 * process as a possible superclass. The answer depends only on the arguments and on the
 * registered metadata, and metadata is only ever added, so each answer (and its grouping by
 * property) is kept until the next addition. Idempotent; false when the storage lacks a method
 * this wraps (another class-validator), and then nothing is changed.
 */
export function memoizeValidationMetadata(storage: Storage = getMetadataStorage()): boolean {
  if (memoized.has(storage)) return true;
  const wrapped = ['getTargetValidationMetadatas', 'groupByPropertyName', 'addValidationMetadata'];
  if (!wrapped.every((name) => typeof Reflect.get(storage, name) === 'function')) return false;
  const original: Lookup = storage.getTargetValidationMetadatas.bind(storage);
  const group = storage.groupByPropertyName.bind(storage);
  const add = storage.addValidationMetadata.bind(storage);

  let answers = new WeakMap<object, Map<string, ValidationMetadata[]>>();
  let groupings = new WeakMap<ValidationMetadata[], Grouped>();

  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    if (target === null || (typeof target !== 'function' && typeof target !== 'object')) {
      return original(target, schema, always, strictGroups, groups);
    }
    const key = `${typeof schema === 'string' ? `s${schema}` : '-'}|${always ? 1 : 0}|${strictGroups ? 1 : 0}|${
      groups?.length ? JSON.stringify(groups) : ''
    }`;
    let byKey = answers.get(target);
    if (byKey === undefined) answers.set(target, (byKey = new Map<string, ValidationMetadata[]>()));
    let answer = byKey.get(key);
    if (answer === undefined) {
      // Frozen: every caller now shares the array, so none may change it for the others.
      answer = Object.freeze(original(target, schema, always, strictGroups, groups)) as ValidationMetadata[];
      byKey.set(key, answer);
    }
    return answer;
  };
  storage.groupByPropertyName = (metadata: ValidationMetadata[]): Grouped => {
    if (!Object.isFrozen(metadata)) return group(metadata);
    let grouped = groupings.get(metadata);
    if (grouped === undefined) {
      const fresh = group(metadata);
      for (const property in fresh) Object.freeze(fresh[property]);
      grouped = Object.freeze(fresh);
      groupings.set(metadata, grouped);
    }
    return grouped;
  };
  // addValidationSchema adds through this method too.
  storage.addValidationMetadata = (metadata: ValidationMetadata): void => {
    answers = new WeakMap();
    groupings = new WeakMap();
    add(metadata);
  };
  memoized.add(storage);
  return true;
}
