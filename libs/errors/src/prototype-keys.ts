/** Built-in values whose own keys are left alone (Nest's ValidationPipe skips the same types). */
const BUILT_IN_TYPES: readonly (abstract new (...args: never[]) => unknown)[] = [
  Date,
  RegExp,
  Error,
  Map,
  Set,
  WeakMap,
  WeakSet,
];

/**
 * Deletes the keys that could pollute a prototype (`__proto__`, `prototype`, and `constructor`
 * unless it is a built-in type) from a request value and everything in it, as Nest's
 * ValidationPipe does before class-transformer sees the value. Nest's walk reads each key by name
 * and was deoptimized and recompiled by V8 about once every 60 requests; this one reads only the
 * three names it deletes and walks the values, so it stays compiled. Typed arrays and values
 * already seen (a cycle) are skipped.
 */
export function stripPrototypeKeys(root: unknown): void {
  const visited = new WeakSet<object>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const current = stack.pop();
    if (current === null || typeof current !== 'object' || ArrayBuffer.isView(current) || visited.has(current))
      continue;
    visited.add(current);
    if (BUILT_IN_TYPES.some((type) => current instanceof type)) continue;
    if (!Array.isArray(current)) {
      const record = current as Record<string, unknown>;
      if (Object.hasOwn(record, '__proto__')) Reflect.deleteProperty(record, '__proto__');
      if (Object.hasOwn(record, 'prototype')) Reflect.deleteProperty(record, 'prototype');
      if (Object.hasOwn(record, 'constructor') && !BUILT_IN_TYPES.includes(record.constructor as never))
        Reflect.deleteProperty(record, 'constructor');
    }
    for (const value of Object.values(current)) stack.push(value);
  }
}
