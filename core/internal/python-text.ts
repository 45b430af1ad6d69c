// Python's str() and repr() of JSON-like values, for text Lagent renders with them
// (`str(message.content)`, tool outputs that are not dicts) and models were tuned on.
import { isPlainObject, toPythonJson } from './json.ts';
import { pythonNumber } from './python-number.ts';

/** Python's `str(value)`: strings bare, everything else as its repr (`['a', 'b']`). */
export function pythonStr(value: unknown): string {
  return typeof value === 'string' ? value : pythonRepr(value);
}

/**
 * Python's `repr(value)` for the JSON-like values a message holds: `None`, `True`, ints and
 * floats as Python writes them (`1`, `0.5`, `1e-05`, `inf`), strings quoted and escaped as
 * Python does, lists `[1, 'a']` and dicts `{'k': None}`. An `undefined` is `None`; other
 * objects fall back to JSON.
 */
export function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'string') return pythonStringRepr(value);
  if (typeof value === 'number' || typeof value === 'bigint') return pythonNumber(value);
  if (Array.isArray(value)) return `[${value.map((item) => pythonRepr(item)).join(', ')}]`;
  if (isPlainObject(value)) {
    const entries = Object.entries(value).map(
      ([key, item]) => `${pythonStringRepr(key)}: ${pythonRepr(item)}`,
    );
    return `{${entries.join(', ')}}`;
  }
  return toPythonJson(value);
}

// Characters Python's str.isprintable() rejects (other than the ASCII controls, handled
// first): format, surrogate, private-use and unassigned code points, and separators but
// the space.
const unprintable = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;

const hex = (codePoint: number, width: number): string =>
  codePoint.toString(16).padStart(width, '0');

/**
 * Python's `repr(str)`: single quotes, or double quotes when the text has a single quote
 * and no double quote; `\\`, the quote, `\t`, `\n`, `\r` escaped; other ASCII controls as
 * `\xhh`; non-ASCII kept unless unprintable (`\xa0`, `\u200b`, `\U000e0001`).
 */
export function pythonStringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let body = '';
  for (const char of text) {
    const codePoint = char.codePointAt(0) ?? 0;
    if (char === quote || char === '\\') body += `\\${char}`;
    else if (char === '\t') body += '\\t';
    else if (char === '\n') body += '\\n';
    else if (char === '\r') body += '\\r';
    else if (codePoint < 0x20 || codePoint === 0x7f) body += `\\x${hex(codePoint, 2)}`;
    else if (codePoint < 0x7f || !unprintable.test(char)) body += char;
    else if (codePoint <= 0xff) body += `\\x${hex(codePoint, 2)}`;
    else if (codePoint <= 0xffff) body += `\\u${hex(codePoint, 4)}`;
    else body += `\\U${hex(codePoint, 8)}`;
  }
  return quote + body + quote;
}
