// measureJson: depth and size of untrusted values, without recursion.
import { describe, expect, test } from 'vitest';
import {
  isNestedDeeperThan,
  measureJson,
  utf8ByteLength,
} from '../../../../core/internal/json-bounds.ts';

/** `[[[...]]]` nested `depth` deep, built without recursion. */
function nested(depth: number): unknown {
  let value: unknown = [];
  for (let level = 1; level < depth; level += 1) value = [value];
  return value;
}

describe('measureJson', () => {
  test('counts containers: a scalar is 0, {"a": [1]} is 2', () => {
    expect(measureJson({ value: 'text', maxDepth: 0 })).toEqual({ ok: true, depth: 0 });
    expect(measureJson({ value: { a: [1] }, maxDepth: 2 })).toEqual({ ok: true, depth: 2 });
    expect(measureJson({ value: { a: [1] }, maxDepth: 1 })).toEqual({
      ok: false,
      exceeded: 'depth',
    });
  });

  test('a value nested 100,000 deep is measured, not a RangeError', () => {
    const deep = nested(100_000);
    expect(() => structuredClone(deep)).toThrow(RangeError); // what the bound protects from
    expect(measureJson({ value: deep, maxDepth: 64 })).toEqual({ ok: false, exceeded: 'depth' });
    expect(isNestedDeeperThan(deep, 64)).toBe(true);
    expect(isNestedDeeperThan(nested(64), 64)).toBe(false);
  });

  test('a cycle counts as unbounded depth', () => {
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    expect(measureJson({ value: cycle, maxDepth: 64 })).toEqual({ ok: false, exceeded: 'depth' });
  });

  test('size is JSON-like UTF-8 bytes, against the bound', () => {
    const value = { text: 'é'.repeat(10) }; // {} 2, "text": 8, "éé...": 22 bytes
    expect(measureJson({ value, maxDepth: 64, maxBytes: 40 }).ok).toBe(true);
    expect(measureJson({ value, maxDepth: 64, maxBytes: 20 })).toEqual({
      ok: false,
      exceeded: 'bytes',
    });
  });

  test('a huge array is refused from its length, before its items are walked', () => {
    const huge = new Array<number>(5_000_000).fill(0);
    expect(measureJson({ value: huge, maxDepth: 64, maxBytes: 1024 * 1024 })).toEqual({
      ok: false,
      exceeded: 'bytes',
    });
  });

  test('binary views count their bytes and are not walked', () => {
    const bytes = new Uint8Array(2048);
    expect(measureJson({ value: { bytes }, maxDepth: 1, maxBytes: 4096 }).ok).toBe(true);
    expect(measureJson({ value: { bytes }, maxDepth: 1, maxBytes: 1024 }).ok).toBe(false);
  });
});

describe('utf8ByteLength', () => {
  test('matches TextEncoder for ASCII, 2-, 3- and 4-byte characters', () => {
    for (const text of ['', 'abc', 'é', '中文', '😀', 'a😀b', '\ud800x']) {
      expect(utf8ByteLength(text)).toBe(new TextEncoder().encode(text).length);
    }
  });

  test('stops once past its bound', () => {
    expect(utf8ByteLength('x'.repeat(100), 10)).toBeGreaterThan(10);
    expect(utf8ByteLength('中'.repeat(100), 10)).toBeGreaterThan(10);
  });
});
