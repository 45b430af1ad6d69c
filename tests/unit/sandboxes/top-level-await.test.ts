import { runInNewContext } from 'node:vm';
import { describe, expect, test } from 'vitest';
import { rewriteTopLevelAwait } from '../../../sandboxes/js/top-level-await.ts';

// Runs rewritten cells one after another in one node:vm context, as a session would.
async function cells(...codes: string[]): Promise<unknown[]> {
  const context = {};
  const values: unknown[] = [];
  for (const code of codes) {
    values.push(await (runInNewContext(rewriteTopLevelAwait(code), context) as Promise<unknown>));
  }
  return values;
}

describe('rewriteTopLevelAwait', () => {
  test('a cell without top-level await is left as it is', () => {
    for (const code of [
      '1 + 1',
      'async function f() { await g(); }',
      'let x = 1',
      'syntax error (',
    ]) {
      expect(rewriteTopLevelAwait(code)).toBe(code);
    }
  });

  test("the cell's last expression is its value", async () => {
    expect(await cells('const a = await Promise.resolve(20); a + 1')).toEqual([21]);
  });

  test('declarations survive into the next cell', async () => {
    const values = await cells(
      'const { a, b: [c] } = await Promise.resolve({ a: 1, b: [2] }); class K { v = 3 }; function f() { return 4 }',
      'a + c + new K().v + f()',
    );
    expect(values[1]).toBe(10);
  });

  test('a rejected await becomes the rejection of the cell', async () => {
    await expect(cells('await Promise.reject(new Error("no"))')).rejects.toThrow('no');
  });

  test('a cell ending in a statement has no value', async () => {
    expect(await cells('await null; if (true) { 1 }')).toEqual([undefined]);
  });
});
