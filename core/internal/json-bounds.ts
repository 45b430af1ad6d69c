// Bounds of untrusted JSON-like values, measured without recursion: a value nested 100,000
// deep must be refused, not blow the stack (JSON.stringify, structuredClone and zod all
// recurse, and throw RangeError on such a value).

export interface JsonBoundsOptions {
  value: unknown;
  /** Containers (objects, arrays) nested at most this deep; a scalar is depth 0. */
  maxDepth: number;
  /** Approximate UTF-8 bytes of the value as JSON, at most. @default Infinity (not counted) */
  maxBytes?: number;
}

export type JsonBounds = { ok: true; depth: number } | { ok: false; exceeded: 'depth' | 'bytes' };

/**
 * UTF-8 byte length of a string, without encoding it. Exact; stops counting once past
 * `max` (the result is then some number above `max`).
 */
export function utf8ByteLength(text: string, max = Infinity): number {
  // Each UTF-16 unit is at least one UTF-8 byte: a string longer than `max` is over it.
  if (text.length > max) return text.length;
  let bytes = 0;
  for (let index = 0; index < text.length; index += 1) {
    const unit = text.charCodeAt(index);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        index += 1;
      } else bytes += 3;
    } else bytes += 3;
    if (bytes > max) return bytes;
  }
  return bytes;
}

function scalarBytes(value: unknown, budget: number): number | undefined {
  switch (typeof value) {
    case 'string':
      // Without a byte bound, a long string is not worth walking.
      return (budget === Infinity ? value.length : utf8ByteLength(value, budget)) + 2;
    case 'number':
    case 'bigint':
      return String(value).length;
    case 'boolean':
      return value ? 4 : 5;
    case 'undefined':
    case 'function':
    case 'symbol':
      return 0;
    default:
      return value === null ? 4 : undefined;
  }
}

/**
 * Measures a value's nesting depth and approximate size as JSON (escapes not counted),
 * iteratively, stopping at the first bound crossed. Cycles count as unbounded depth.
 * Binary views (Uint8Array, ...) count their byte length and are not walked.
 */
export function measureJson({
  value,
  maxDepth,
  maxBytes = Infinity,
}: JsonBoundsOptions): JsonBounds {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  let bytes = 0;
  let deepest = 0;
  while (stack.length > 0) {
    const item = stack.pop() as { value: unknown; depth: number };
    const scalar = scalarBytes(item.value, maxBytes - bytes);
    if (scalar !== undefined) {
      bytes += scalar;
      if (bytes > maxBytes) return { ok: false, exceeded: 'bytes' };
      continue;
    }
    const container = item.value as object;
    if (ArrayBuffer.isView(container)) {
      bytes += container.byteLength;
      if (bytes > maxBytes) return { ok: false, exceeded: 'bytes' };
      continue;
    }
    const depth = item.depth + 1;
    if (depth > maxDepth) return { ok: false, exceeded: 'depth' };
    deepest = Math.max(deepest, depth);
    if (Array.isArray(container)) {
      // Brackets and commas first: an array of millions of items is refused before any
      // of them is put on the stack.
      bytes += 2 + Math.max(0, container.length - 1);
      if (bytes > maxBytes) return { ok: false, exceeded: 'bytes' };
      for (const element of container) stack.push({ value: element, depth });
      continue;
    }
    bytes += 2;
    for (const key in container) {
      if (!Object.hasOwn(container, key)) continue;
      // "key": plus a comma
      bytes += utf8ByteLength(key, maxBytes - bytes) + 4;
      if (bytes > maxBytes) return { ok: false, exceeded: 'bytes' };
      stack.push({ value: (container as Record<string, unknown>)[key], depth });
    }
  }
  return { ok: true, depth: deepest };
}

/** True when the value nests containers deeper than `maxDepth` (checked without recursion). */
export function isNestedDeeperThan(value: unknown, maxDepth: number): boolean {
  const bounds = measureJson({ value, maxDepth });
  return !bounds.ok && bounds.exceeded === 'depth';
}
