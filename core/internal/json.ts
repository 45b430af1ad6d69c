// The one place that calls JSON.parse: everything else parses through here so that
// untrusted text (model output, queue payloads) never throws an untyped SyntaxError.
import { pythonNumber } from './python-number.ts';

export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type SafeParseJsonResult =
  { success: true; value: unknown } | { success: false; error: SyntaxError };

/** Parses JSON text. Throws SyntaxError on invalid input. */
export function parseJson(text: string): unknown {
  return JSON.parse(text) as unknown;
}

/** Parses JSON text without throwing. */
export function safeParseJson(text: string): SafeParseJsonResult {
  try {
    return { success: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return {
      success: false,
      error: error instanceof SyntaxError ? error : new SyntaxError(String(error)),
    };
  }
}

/**
 * Serialises like Python's `json.dumps(value, ensure_ascii=False)`: `", "` and `": "`
 * separators, numbers as Python writes them (safe integers and bigints as ints, other
 * numbers as floats: `0.5`, `1e-05`, `1e+16`, `NaN`, `Infinity`). Lagent renders tool
 * calls and tool outputs this way, and prompts tuned on Lagent's output expect the same
 * bytes.
 */
export function toPythonJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'bigint')
    return pythonNumber(value, { json: true });
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map((item) => toPythonJson(item)).join(', ')}]`;
  if (typeof value === 'object') {
    const toJSON = (value as { toJSON?: () => unknown }).toJSON;
    if (typeof toJSON === 'function') return toPythonJson(toJSON.call(value));
    const entries = Object.entries(value).filter(
      ([, item]) => item !== undefined && typeof item !== 'function',
    );
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}: ${toPythonJson(item)}`).join(', ')}}`;
  }
  return 'null';
}

/** True when `value` is a plain object (not an array, not null, not a class instance). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}
