// Python literals read without eval: what Lagent's TupleParser gets from ast.literal_eval,
// for the JSON-like subset (no bytes, sets, complex numbers or non-string dict keys).

export type ParsePythonLiteralResult =
  { success: true; value: unknown } | { success: false; error: string };

export interface ParsePythonLiteralOptions {
  /** Containers nested deeper than this are refused (the parser recurses). @default 64 */
  maxDepth?: number;
}

export const DEFAULT_PYTHON_LITERAL_MAX_DEPTH = 64;

class LiteralSyntaxError extends Error {}

const simpleEscapes: Readonly<Record<string, string>> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

const numberPattern =
  /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:(?:\d(?:_?\d)*)?\.\d(?:_?\d)*|\d(?:_?\d)*\.?)(?:[eE][+-]?\d(?:_?\d)*)?)/;

/**
 * Reads one Python literal, as `ast.literal_eval` would: `None`, `True`, `False`, ints
 * (decimal, `0x`, `0o`, `0b`, `_` separators) and floats with one optional sign, strings
 * (any quotes, `r`/`u` prefixes, escapes, adjacent strings joined), tuples and lists (as
 * arrays) and dicts with string keys (as objects). A bare `1, 2` is a tuple, `(1)` is 1.
 * Comments and line breaks are allowed anywhere. Ints become numbers (rounded past 2^53).
 */
export function parsePythonLiteral(
  text: string,
  { maxDepth = DEFAULT_PYTHON_LITERAL_MAX_DEPTH }: ParsePythonLiteralOptions = {},
): ParsePythonLiteralResult {
  try {
    return { success: true, value: new LiteralReader(text, maxDepth).readAll() };
  } catch (error) {
    if (error instanceof LiteralSyntaxError) return { success: false, error: error.message };
    throw error;
  }
}

class LiteralReader {
  readonly #text: string;
  readonly #maxDepth: number;
  #at = 0;

  constructor(text: string, maxDepth: number) {
    this.#text = text;
    this.#maxDepth = maxDepth;
  }

  readAll(): unknown {
    const first = this.#value(0);
    this.#skipBlank();
    let value = first;
    if (this.#peek() === ',') {
      // `1, 2` at the top level is a tuple, as in Python's eval mode.
      value = this.#sequenceAfter([first], '', 0);
    }
    this.#skipBlank();
    if (this.#at < this.#text.length) this.#fail('unexpected text');
    return value;
  }

  #fail(reason: string): never {
    throw new LiteralSyntaxError(`${reason} at offset ${this.#at}`);
  }

  #peek(): string {
    return this.#text[this.#at] ?? '';
  }

  #skipBlank(): void {
    for (;;) {
      const char = this.#peek();
      if (char === ' ' || char === '\t' || char === '\n' || char === '\r' || char === '\f') {
        this.#at += 1;
      } else if (char === '\\' && this.#text.startsWith('\n', this.#at + 1)) {
        this.#at += 2;
      } else if (char === '#') {
        const newline = this.#text.indexOf('\n', this.#at);
        this.#at = newline === -1 ? this.#text.length : newline;
      } else {
        return;
      }
    }
  }

  #value(depth: number): unknown {
    this.#skipBlank();
    const char = this.#peek();
    if (char === '(' || char === '[' || char === '{') {
      if (depth >= this.#maxDepth) this.#fail('nested too deep');
      this.#at += 1;
      if (char === '{') return this.#dict(depth + 1);
      return this.#sequence(char === '(' ? ')' : ']', depth + 1);
    }
    if (char === '+' || char === '-') {
      this.#at += 1;
      this.#skipBlank();
      const number = this.#number();
      if (number === undefined) this.#fail('a sign must be followed by a number');
      return char === '-' ? -number : number;
    }
    const number = this.#number();
    if (number !== undefined) return number;
    const string = this.#strings();
    if (string !== undefined) return string;
    const word = /^[A-Za-z_]\w*/.exec(this.#text.slice(this.#at))?.[0];
    if (word === 'True' || word === 'False' || word === 'None') {
      this.#at += word.length;
      return word === 'None' ? null : word === 'True';
    }
    return this.#fail(word ? `not a literal: ${word}` : 'expected a value');
  }

  // After the opening bracket. `(x)` is x; a comma makes a tuple.
  #sequence(close: string, depth: number): unknown {
    this.#skipBlank();
    if (this.#peek() === close) {
      this.#at += 1;
      return [];
    }
    const first = this.#value(depth);
    this.#skipBlank();
    if (close === ')' && this.#peek() === ')') {
      this.#at += 1;
      return first;
    }
    return this.#sequenceAfter([first], close, depth);
  }

  // Reads `, item` repeatedly up to `close` ('' at the top level, where the text ends it).
  #sequenceAfter(items: unknown[], close: string, depth: number): unknown[] {
    const atClose = (): boolean =>
      close === '' ? this.#at >= this.#text.length : this.#peek() === close;
    for (;;) {
      this.#skipBlank();
      if (atClose()) {
        this.#at += close.length;
        return items;
      }
      if (this.#peek() !== ',') this.#fail(`expected "," or "${close || 'end'}"`);
      this.#at += 1;
      this.#skipBlank();
      // A trailing comma: the next turn closes.
      if (!atClose()) items.push(this.#value(depth));
    }
  }

  #dict(depth: number): Record<string, unknown> {
    const entries: [string, unknown][] = [];
    for (;;) {
      this.#skipBlank();
      if (this.#peek() === '}') {
        this.#at += 1;
        return Object.fromEntries(entries);
      }
      if (entries.length > 0) {
        if (this.#peek() !== ',') this.#fail('expected "," or "}"');
        this.#at += 1;
        this.#skipBlank();
        if (this.#peek() === '}') continue;
      }
      const key = this.#value(depth);
      if (typeof key !== 'string') this.#fail('dict keys must be strings');
      this.#skipBlank();
      if (this.#peek() !== ':') this.#fail('expected ":" (sets are not supported)');
      this.#at += 1;
      entries.push([key, this.#value(depth)]);
    }
  }

  #number(): number | undefined {
    const match = numberPattern.exec(this.#text.slice(this.#at));
    if (!match) return undefined;
    const literal = match[0];
    const next = this.#text[this.#at + literal.length] ?? '';
    if (/[\w.]/.test(next)) this.#fail('malformed number');
    const digits = literal.replaceAll('_', '');
    if (/^0\d*[1-9]/.test(digits) && /^\d+$/.test(digits)) this.#fail('leading zeros in an int');
    this.#at += literal.length;
    // Number() reads 0x/0o/0b prefixes and decimal floats alike.
    return Number(digits);
  }

  // One string literal or several adjacent ones, joined as Python joins them.
  #strings(): string | undefined {
    let joined: string | undefined;
    for (;;) {
      this.#skipBlank();
      const start = this.#at;
      const prefix = /^[rRuUbBfF]{0,2}(?=['"])/.exec(this.#text.slice(this.#at))?.[0];
      if (prefix === undefined) {
        this.#at = start;
        return joined;
      }
      const lower = prefix.toLowerCase();
      if (lower.includes('b')) this.#fail('bytes literals are not supported');
      if (lower.includes('f')) this.#fail('f-strings are not literals');
      if (lower.length === 2 && lower !== 'ur' && lower !== 'ru') this.#fail('bad string prefix');
      if (lower.includes('u') && lower.includes('r')) this.#fail('bad string prefix');
      this.#at += prefix.length;
      joined = (joined ?? '') + this.#string(lower.includes('r'));
    }
  }

  #string(raw: boolean): string {
    const quoteChar = this.#peek();
    const quote = this.#text.startsWith(quoteChar.repeat(3), this.#at)
      ? quoteChar.repeat(3)
      : quoteChar;
    this.#at += quote.length;
    let value = '';
    for (;;) {
      if (this.#at >= this.#text.length) this.#fail('unterminated string');
      if (this.#text.startsWith(quote, this.#at)) {
        this.#at += quote.length;
        return value;
      }
      const char = this.#peek();
      if (char === '\n' && quote.length === 1) this.#fail('line break in a string');
      if (char !== '\\') {
        value += char;
        this.#at += 1;
      } else if (raw) {
        // A raw string keeps the backslash; it still keeps the next quote from ending it.
        value += this.#text.slice(this.#at, this.#at + 2);
        this.#at += 2;
      } else {
        value += this.#escape();
      }
    }
  }

  #escape(): string {
    const char = this.#text[this.#at + 1] ?? '';
    this.#at += 2;
    const simple = simpleEscapes[char];
    if (simple !== undefined) return simple;
    if (char === '\n') return '';
    if (char >= '0' && char <= '7') {
      const octal = /^[0-7]{1,3}/.exec(this.#text.slice(this.#at - 1))?.[0] ?? char;
      this.#at += octal.length - 1;
      return String.fromCodePoint(Number.parseInt(octal, 8));
    }
    const width = char === 'x' ? 2 : char === 'u' ? 4 : char === 'U' ? 8 : 0;
    if (width > 0) {
      const hex = this.#text.slice(this.#at, this.#at + width);
      if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(hex))
        this.#fail(`truncated \\${char} escape`);
      const codePoint = Number.parseInt(hex, 16);
      if (codePoint > 0x10ffff) this.#fail('escape out of range');
      this.#at += width;
      return String.fromCodePoint(codePoint);
    }
    if (char === 'N') this.#fail('\\N{name} escapes are not supported');
    // Python keeps an unknown escape as it is (with a warning).
    return `\\${char}`;
  }
}
