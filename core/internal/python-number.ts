// Numbers as Python writes them. Lagent renders tool calls and results with json.dumps and
// str(), and a JavaScript number has no int/float split: a safe integer is written as a
// Python int, anything else as Python's float repr (`1e-05`, `1e+16`, `0.1`).

/**
 * Python's `repr(float)`: the shortest digits that read back to the same double (as
 * JavaScript's), in fixed notation from 1e-4 up to below 1e16 (`1.0`, `0.0001`,
 * `1000000000000000.0`), otherwise `1e-05`, `1.5e+16`; `nan`, `inf`, `-inf`, `-0.0`.
 */
export function pythonFloatRepr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const sign = value < 0 ? '-' : '';
  // toExponential() without an argument gives the shortest round-trip digits.
  const [mantissa = '', exponentText = '0'] = Math.abs(value).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  // Position of the decimal point after the first digit, as CPython's `decpt`.
  const point = Number(exponentText) + 1;
  if (point > -4 && point <= 16) {
    if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
    if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}.0`;
    return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
  }
  const exponent = point - 1;
  const head = digits.length === 1 ? digits : `${digits.slice(0, 1)}.${digits.slice(1)}`;
  return `${sign}${head}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

/**
 * A JavaScript number or bigint as Python would write it: a bigint or safe integer as an int
 * (exact digits), anything else as a float. `json` selects json.dumps's spelling of the
 * non-finite values (`NaN`, `Infinity`) over repr's (`nan`, `inf`).
 */
export function pythonNumber(
  value: number | bigint,
  { json = false }: { json?: boolean } = {},
): string {
  if (typeof value === 'bigint' || Number.isSafeInteger(value)) return String(value);
  if (json && !Number.isFinite(value)) {
    if (Number.isNaN(value)) return 'NaN';
    return value > 0 ? 'Infinity' : '-Infinity';
  }
  return pythonFloatRepr(value);
}
