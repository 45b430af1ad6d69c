// Python's repr()/str()/json.dumps as Lagent renders values; every expected string below is
// what CPython 3 printed for the same value.
import { describe, expect, it } from 'vitest';
import { toPythonJson } from '../../../../core/internal/json.ts';
import { pythonFloatRepr, pythonNumber } from '../../../../core/internal/python-number.ts';
import { pythonRepr, pythonStr, pythonStringRepr } from '../../../../core/internal/python-text.ts';

describe('pythonFloatRepr (repr(float))', () => {
  it.each([
    [1.5, '1.5'],
    [0.1, '0.1'],
    [1, '1.0'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1e-7, '1e-07'],
    [1.5e-7, '1.5e-07'],
    [123.456, '123.456'],
    [1e15, '1000000000000000.0'],
    [1e16, '1e+16'],
    [1.5e16, '1.5e+16'],
    [1e21, '1e+21'],
    [1e22, '1e+22'],
    [2 ** 53, '9007199254740992.0'],
    [Number('12345678901234567890'), '1.2345678901234567e+19'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [5e-324, '5e-324'],
    [-2.5, '-2.5'],
    [-0, '-0.0'],
    [0, '0.0'],
    [Number('1234567890123456.7'), '1234567890123456.8'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
    [NaN, 'nan'],
  ])('%d -> %s', (value, expected) => {
    expect(pythonFloatRepr(value)).toBe(expected);
  });
});

describe('pythonNumber', () => {
  it('writes safe integers and bigints as ints (exact), other numbers as floats', () => {
    expect(pythonNumber(42)).toBe('42');
    expect(pythonNumber(-7)).toBe('-7');
    expect(pythonNumber(1e15)).toBe('1000000000000000');
    expect(pythonNumber(12345678901234567890n)).toBe('12345678901234567890');
    // Past 2**53 a number is a float: JavaScript cannot hold the int exactly.
    expect(pythonNumber(2 ** 53)).toBe('9007199254740992.0');
    expect(pythonNumber(0.5)).toBe('0.5');
    expect(pythonNumber(Infinity)).toBe('inf');
    expect(pythonNumber(Infinity, { json: true })).toBe('Infinity');
    expect(pythonNumber(-Infinity, { json: true })).toBe('-Infinity');
    expect(pythonNumber(NaN, { json: true })).toBe('NaN');
  });
});

describe('pythonStringRepr (repr(str))', () => {
  it.each([
    ['plain', "'plain'"],
    ["it's", `"it's"`],
    ['say "hi"', `'say "hi"'`],
    [`both ' and "`, `'both \\' and "'`],
    ['back\\slash', "'back\\\\slash'"],
    ['tab\tnl\nret\r', "'tab\\tnl\\nret\\r'"],
    ['\x00\x1f\x7f', "'\\x00\\x1f\\x7f'"],
    ['\xa0nbsp', "'\\xa0nbsp'"],
    ['é中文😀', "'é中文😀'"],
    ['\u200b zero-width', "'\\u200b zero-width'"],
    ['\u2028line sep', "'\\u2028line sep'"],
    ['\ud800', "'\\ud800'"],
    ['\u{e0001}', "'\\U000e0001'"],
    ['\x85', "'\\x85'"],
    ['\xad soft hyphen', "'\\xad soft hyphen'"],
  ])('%j', (text, expected) => {
    expect(pythonStringRepr(text)).toBe(expected);
  });
});

describe('pythonRepr / pythonStr', () => {
  it('renders dicts, lists and scalars as Python does', () => {
    expect(pythonRepr({ k: [1, 2.5, null, true, false, 'v', { n: [] }], '': {} })).toBe(
      "{'k': [1, 2.5, None, True, False, 'v', {'n': []}], '': {}}",
    );
    expect(pythonRepr(undefined)).toBe('None');
    expect(pythonRepr('x')).toBe("'x'");
    expect(pythonRepr(1e-5)).toBe('1e-05');
    expect(pythonRepr(10n ** 20n)).toBe('100000000000000000000');
  });

  it('str() leaves strings bare and reprs the rest', () => {
    expect(pythonStr("it's")).toBe("it's");
    expect(pythonStr(['a', "b'"])).toBe(`['a', "b'"]`);
    expect(pythonStr(null)).toBe('None');
    expect(pythonStr(true)).toBe('True');
  });
});

describe('toPythonJson (json.dumps(ensure_ascii=False))', () => {
  it('writes numbers as Python does, non-ASCII as it is', () => {
    // Python: json.dumps({'x': 1.5, 'big': 12345678901234567890, 's': 'é\n'}, ensure_ascii=False)
    expect(toPythonJson({ x: 1.5, big: 12345678901234567890n, s: 'é\n' })).toBe(
      '{"x": 1.5, "big": 12345678901234567890, "s": "é\\n"}',
    );
    expect(toPythonJson([1e-5, 1e16, 1e21, NaN, Infinity, -Infinity])).toBe(
      '[1e-05, 1e+16, 1e+21, NaN, Infinity, -Infinity]',
    );
  });
});
