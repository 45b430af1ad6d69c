import { describe, expect, it } from 'vitest';
import { extractCode } from '../../../tools/index.ts';

describe('extractCode', () => {
  it('takes the code out of a ``` block, with or without a language', () => {
    expect(extractCode('Run this:\n```python\nprint(1)\n```\nthanks')).toBe('print(1)\n');
    expect(extractCode('```\nx = 2\n```')).toBe('x = 2\n');
  });

  it('takes the code out of single backticks when there is no block', () => {
    expect(extractCode('try `1 + 1` please')).toBe('1 + 1');
  });

  it('takes the code field of a JSON object', () => {
    expect(extractCode('{"code": "import math\\nmath.pi"}')).toBe('import math\nmath.pi');
  });

  it('leaves plain code as it is', () => {
    expect(extractCode('a = [1, 2]\nsum(a)')).toBe('a = [1, 2]\nsum(a)');
    expect(extractCode('{"not_code": 1}')).toBe('{"not_code": 1}');
  });
});
