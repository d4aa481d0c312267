/**
 * Minimal deterministic CBOR encoder (RFC 8949) for building WebAuthn test fixtures.
 *
 * Supports what authenticators emit: unsigned/negative integers, byte strings, text strings,
 * arrays, maps (Map for integer keys, plain objects for text keys), booleans and null.
 * Heads always use the shortest form and maps keep insertion order, so callers control
 * key order (COSE keys must be written in CTAP2 canonical order: 1, 3, -1, -2, -3).
 * Verifiers re-encode what they decode and use the length to find the next item, so a
 * non-minimal encoding here would break parsing downstream.
 */
export type CborValue =
  | number
  | bigint
  | string
  | boolean
  | null
  | Uint8Array
  | CborValue[]
  | Map<number | string, CborValue>
  | { [key: string]: CborValue };

const MAJOR_UINT = 0;
const MAJOR_NINT = 1;
const MAJOR_BYTES = 2;
const MAJOR_TEXT = 3;
const MAJOR_ARRAY = 4;
const MAJOR_MAP = 5;

export function encodeCbor(value: CborValue): Uint8Array {
  const out: number[] = [];
  write(out, value);
  return Uint8Array.from(out);
}

function head(out: number[], major: number, arg: bigint): void {
  const m = major << 5;
  if (arg < 24n) {
    out.push(m | Number(arg));
  } else if (arg <= 0xffn) {
    out.push(m | 24, Number(arg));
  } else if (arg <= 0xffffn) {
    out.push(m | 25, Number(arg >> 8n), Number(arg & 0xffn));
  } else if (arg <= 0xffffffffn) {
    out.push(m | 26);
    for (let shift = 24n; shift >= 0n; shift -= 8n) out.push(Number((arg >> shift) & 0xffn));
  } else if (arg <= 0xffffffffffffffffn) {
    out.push(m | 27);
    for (let shift = 56n; shift >= 0n; shift -= 8n) out.push(Number((arg >> shift) & 0xffn));
  } else {
    throw new RangeError('CBOR integer out of 64-bit range');
  }
}

function writeInt(out: number[], n: bigint): void {
  if (n >= 0n) head(out, MAJOR_UINT, n);
  else head(out, MAJOR_NINT, -1n - n);
}

function write(out: number[], value: CborValue): void {
  if (value === null) {
    out.push(0xf6);
  } else if (value === false) {
    out.push(0xf4);
  } else if (value === true) {
    out.push(0xf5);
  } else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new TypeError(`CBOR encoder supports integers only, got ${value}`);
    writeInt(out, BigInt(value));
  } else if (typeof value === 'bigint') {
    writeInt(out, value);
  } else if (typeof value === 'string') {
    const bytes = new TextEncoder().encode(value);
    head(out, MAJOR_TEXT, BigInt(bytes.length));
    for (const b of bytes) out.push(b);
  } else if (value instanceof Uint8Array) {
    head(out, MAJOR_BYTES, BigInt(value.length));
    for (const b of value) out.push(b);
  } else if (Array.isArray(value)) {
    head(out, MAJOR_ARRAY, BigInt(value.length));
    for (const item of value) write(out, item);
  } else if (value instanceof Map) {
    head(out, MAJOR_MAP, BigInt(value.size));
    for (const [k, v] of value) {
      write(out, k);
      write(out, v);
    }
  } else if (typeof value === 'object') {
    const entries = Object.entries(value);
    head(out, MAJOR_MAP, BigInt(entries.length));
    for (const [k, v] of entries) {
      write(out, k);
      write(out, v);
    }
  } else {
    throw new TypeError(`unsupported CBOR value of type ${typeof value}`);
  }
}
