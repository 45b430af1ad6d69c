import { isPlainObject } from './json.ts';

/**
 * Deep equality of JSON-like values: same scalars (`Object.is` but 0 equals -0), arrays item
 * by item, plain objects key by key in any order. Anything else compares by identity.
 */
export function jsonEqual(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  if (Array.isArray(left)) {
    return (
      Array.isArray(right) &&
      left.length === right.length &&
      left.every((item, index) => jsonEqual(item, right[index]))
    );
  }
  if (isPlainObject(left) && isPlainObject(right)) {
    const keys = Object.keys(left);
    return (
      keys.length === Object.keys(right).length &&
      keys.every((key) => Object.hasOwn(right, key) && jsonEqual(left[key], right[key]))
    );
  }
  return Number.isNaN(left) && Number.isNaN(right);
}
