// parsePythonLiteral against ast.literal_eval: each expected value is what CPython 3 gave
// (tuples shown as arrays).
import { describe, expect, it } from 'vitest';
import { parsePythonLiteral } from '../../../../core/internal/python-literal.ts';

const value = (text: string): unknown => {
  const result = parsePythonLiteral(text);
  if (!result.success) throw new Error(result.error);
  return result.value;
};

describe('parsePythonLiteral', () => {
  it.each([
    ['(1, 2)', [1, 2]],
    ["('a', 2.5, None, True, False)", ['a', 2.5, null, true, false]],
    ['(1,)', [1]],
    ['()', []],
    ['(1)', 1],
    ['1, 2', [1, 2]],
    ['1,', [1]],
    ['[1, [2, (3, 4)]]', [1, [2, [3, 4]]]],
    [`{'k': 'v', "n": -1}`, { k: 'v', n: -1 }],
    [`'it\\'s' "x"`, "it'sx"],
    ["r'a\\nb'", 'a\\nb'],
    ["'\\x41\\u00e9\\U0001F600\\101\\n\\t'", 'Aé😀A\n\t'],
    [
      '0x1f, 0o17, 0b101, 1_000, 1e3, .5, 1., -2.5e-3, +7',
      [31, 15, 5, 1000, 1000, 0.5, 1, -0.0025, 7],
    ],
    ['(1, # comment\n 2)', [1, 2]],
    ["'''tri\nple'''", 'tri\nple'],
    ["('a'\n 'b',)", ['ab']],
    ["{'a': 1,}", { a: 1 }],
    ['-0x10', -16],
    ["  ('x', u'y')  ", ['x', 'y']],
    ["'unknown \\q escape'", 'unknown \\q escape'],
  ])('%j', (text, expected) => {
    expect(value(text)).toEqual(expected);
  });

  // literal_eval raises for these (SyntaxError or ValueError).
  it.each(['', '(1, 2', 'foo', '1 + 1', "f'x'", '01', '--1', "'a", '[1 2]', 'os.system("x")'])(
    'refuses %j',
    (text) => {
      expect(parsePythonLiteral(text).success).toBe(false);
    },
  );

  // literal_eval accepts these; they have no JSON value, so they are refused here.
  it.each(["b'x'", '{1, 2}', '1j', '{1: 2}'])('refuses %j (no JSON value)', (text) => {
    expect(parsePythonLiteral(text).success).toBe(false);
  });

  it('refuses nesting past maxDepth without recursing further', () => {
    expect(parsePythonLiteral('[[[1]]]', { maxDepth: 3 }).success).toBe(true);
    expect(parsePythonLiteral('[[[[1]]]]', { maxDepth: 3 })).toEqual({
      success: false,
      error: 'nested too deep at offset 3',
    });
    expect(parsePythonLiteral('['.repeat(100_000)).success).toBe(false);
  });
});
