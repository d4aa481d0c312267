import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import 'reflect-metadata';
import { IsInt, IsOptional, IsString, MaxLength, MetadataStorage, getMetadataStorage, validate } from 'class-validator';
import { createValidationPipe } from './validation.js';
import { memoizeValidationMetadata } from './validation-metadata.memo.js';

class Base {
  @IsString() id!: string;
  @IsInt({ groups: ['admin'] }) level!: number;
  @IsString({ always: true }) @MaxLength(10) label!: string;
}

class Child extends Base {
  // Overrides the inherited rule of the same kind, adds one.
  @IsString() @MaxLength(4) override id = '';
  @IsOptional() @IsInt() count?: number;
}

class Unrelated {
  @IsInt() n!: number;
}

const storage = getMetadataStorage();
/** class-validator's own answer, from its prototype (the memo wraps the instance). */
const unmemoized = (...args: Lookup) => MetadataStorage.prototype.getTargetValidationMetadatas.apply(storage, args);
const current = () => Reflect.get(storage, 'getTargetValidationMetadatas') as unknown;
const prototypeLookup = Reflect.get(MetadataStorage.prototype, 'getTargetValidationMetadatas') as unknown;
/** No schema: class-validator's own callers pass undefined where its types say string. */
const NONE = undefined as unknown as string;
type Lookup = Parameters<MetadataStorage['getTargetValidationMetadatas']>;
const ARGUMENTS: Lookup[] = [
  [Child, NONE, false, false, undefined],
  [Child, NONE, true, false, undefined],
  [Child, NONE, false, true, undefined],
  [Child, NONE, false, false, ['admin']],
  [Child, NONE, false, true, ['admin']],
  [Base, NONE, false, false, undefined],
  [Unrelated, NONE, false, false, []],
];

describe('memoizeValidationMetadata: class-validator’s rules per class, worked out once', () => {
  it('is installed by the validation pipe, once', () => {
    assert.equal(current(), prototypeLookup, 'not memoized before');
    createValidationPipe();
    const wrapped = current();
    assert.notEqual(wrapped, prototypeLookup, 'the pipe’s storage is memoized');
    createValidationPipe();
    assert.equal(current(), wrapped, 'wrapped once, not once per pipe');
  });

  it('answers what class-validator itself answers, for every combination of options', () => {
    for (const args of ARGUMENTS) {
      const memo = storage.getTargetValidationMetadatas(...args);
      assert.deepEqual([...memo], unmemoized(...args), `${args[0].name} ${JSON.stringify(args.slice(1))}`);
      // Asked again: the same answer, not worked out again.
      assert.equal(storage.getTargetValidationMetadatas(...args), memo);
    }
    const [strict, admin] = [ARGUMENTS[2], ARGUMENTS[4]].map((a) => storage.getTargetValidationMetadatas(...a));
    assert.notEqual(strict, admin, 'groups are part of the key');
    assert.ok(!strict.some((m) => m.propertyName === 'level'), 'strict groups: a grouped rule stays out');
    assert.ok(admin.some((m) => m.propertyName === 'level'));
  });

  it('shares its answers frozen, so no caller can change them for the next', () => {
    const answer = storage.getTargetValidationMetadatas(Child, NONE, false, false);
    assert.ok(Object.isFrozen(answer));
    assert.throws(() => (answer as unknown[]).push({}), TypeError);
    const grouped = storage.groupByPropertyName(answer);
    assert.equal(storage.groupByPropertyName(answer), grouped);
    assert.ok(Object.isFrozen(grouped) && Object.isFrozen(grouped['id']));
    assert.deepEqual(Object.keys(grouped).sort(), ['count', 'id', 'label', 'level']);
    // An array it did not hand out is grouped afresh each time.
    const own = [...answer];
    assert.notEqual(storage.groupByPropertyName(own), storage.groupByPropertyName(own));
  });

  it('validates as before: rules overridden, inherited and optional', async () => {
    const child = Object.assign(new Child(), { id: 'abcdef', level: 1, label: 'ok', count: 'x' });
    const problems = (await validate(child)).map((e) => [e.property, Object.keys(e.constraints ?? {}).sort()]);
    assert.deepEqual(problems, [
      ['id', ['maxLength']],
      ['count', ['isInt']],
    ]);
    assert.deepEqual(await validate(Object.assign(new Child(), { id: 'abc', level: 1, label: 'ok' })), []);
  });

  it('forgets its answers when a rule is added, to the class or to a superclass', async () => {
    const before = storage.getTargetValidationMetadatas(Child, NONE, false, false);
    const ok = Object.assign(new Child(), { id: 'abc', level: 1, label: 'ok', extra: 5 });
    assert.deepEqual(await validate(ok), []);
    // A decorator applied after the first validation, as a class defined later would.
    IsString()(Base.prototype, 'extra');
    const after = storage.getTargetValidationMetadatas(Child, NONE, false, false);
    assert.notEqual(after, before);
    assert.deepEqual([...after], unmemoized(Child, NONE, false, false));
    assert.deepEqual(
      (await validate(ok)).map((e) => e.property),
      ['extra'],
    );
  });

  it('leaves a storage without the methods it wraps as it is', () => {
    const other = {} as unknown as MetadataStorage;
    assert.equal(memoizeValidationMetadata(other), false);
    assert.deepEqual(Object.keys(other), []);
  });
});
