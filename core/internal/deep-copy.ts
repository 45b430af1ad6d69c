/**
 * Deep copy of a JSON-like value. Messages are plain data, so structuredClone is exact;
 * it also keeps hooks that mutate their input from reaching into memory (Lagent deep-copies
 * for the same reason).
 */
export function deepCopy<T>(value: T): T {
  return structuredClone(value);
}
