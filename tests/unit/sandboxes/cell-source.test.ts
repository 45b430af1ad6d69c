import { describe, expect, test } from 'vitest';
import { cellSource } from '../../../sandboxes/js/cell-source.ts';

describe('cellSource', () => {
  test("a cell ending with an expression hands it to the prelude's finish, on the same lines", () => {
    expect(cellSource('1 + 1')).toEqual({ source: '__lagent.finish((1 + 1))', finishes: true });
    const code = 'const a = 1;\nfunction f() {\n  return a;\n}\nf(), a; // last';
    const { source, finishes } = cellSource(code);
    expect(finishes).toBe(true);
    expect(source).toBe(
      'const a = 1;\nfunction f() {\n  return a;\n}\n__lagent.finish((f(), a)); // last',
    );
    expect(source.split('\n')).toHaveLength(code.split('\n').length);
  });

  test('a top-level await cell is rewritten first, then its promise is handed over', () => {
    const { source, finishes } = cellSource('const v = await Promise.resolve(2);\nv * 3');
    expect(finishes).toBe(true);
    expect(source).toMatch(
      /__lagent\.finish\(\(\(async \(\) => \{[\s\S]*return \(v \* 3\);[\s\S]*\}\)\(\)\)\);$/,
    );
  });

  test('other cells run unchanged: declarations, loops, directives, syntax errors', () => {
    for (const code of [
      'let x = 1',
      'for (;;) {}',
      '"use strict"',
      'if (x) { 1 }',
      'syntax error (',
    ]) {
      expect(cellSource(code), code).toEqual({ source: code, finishes: false });
    }
  });
});
