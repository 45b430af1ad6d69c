// The eval dataset reader: HumanEval and MBPP lines become runnable programs, bad lines fail
// with the line number, and the checked-in fixtures parse with unique ids.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { InvalidArgumentError } from '../../../../core/index.ts';
import type { EvalItem } from '../../../../workers/eval/eval-dataset.ts';
import {
  parseEvalLine,
  passAtOne,
  readEvalDataset,
} from '../../../../workers/eval/eval-dataset.ts';

const fixtures = join(import.meta.dirname, '../../../fixtures/eval');

const humanEval = {
  task_id: 'demo/0',
  prompt: 'def inc(x):\n    """Add one."""\n',
  test: 'def check(candidate):\n    assert candidate(1) == 2\n',
  entry_point: 'inc',
};

const mbpp = {
  task_id: 7,
  text: 'Add one.',
  code: 'def inc(x):\n    return x + 1',
  test_list: ['assert inc(1) == 2', 'assert inc(-1) == 0'],
};

function line(value: unknown): string {
  return JSON.stringify(value);
}

function parseError(text: string, lineNumber = 3): InvalidArgumentError {
  try {
    parseEvalLine({ line: text, lineNumber });
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return error as InvalidArgumentError;
  }
  throw new Error('expected parseEvalLine to throw');
}

async function collect(path: string): Promise<EvalItem[]> {
  const items: EvalItem[] = [];
  for await (const item of readEvalDataset({ path })) items.push(item);
  return items;
}

describe('parseEvalLine', () => {
  test('HumanEval: prompt + completion + test + check(entry_point)', () => {
    const item = parseEvalLine({
      line: line({ ...humanEval, completion: '    return x + 1\n', expected: 'passed' }),
      lineNumber: 1,
    });
    expect(item).toEqual({
      id: 'demo/0',
      format: 'humaneval',
      expected: 'passed',
      program:
        'def inc(x):\n    """Add one."""\n    return x + 1\n\n' +
        'def check(candidate):\n    assert candidate(1) == 2\n\ncheck(inc)\n',
    });
  });

  test('HumanEval: canonical_solution when there is no completion; completion wins over it', () => {
    const canonical = parseEvalLine({
      line: line({ ...humanEval, canonical_solution: '    return x + 1\n' }),
      lineNumber: 1,
    });
    expect(canonical.program).toContain('    return x + 1\n');
    const both = parseEvalLine({
      line: line({
        ...humanEval,
        canonical_solution: '    return x + 1\n',
        completion: '    return x - 1\n',
      }),
      lineNumber: 1,
    });
    expect(both.program).toContain('    return x - 1\n');
    expect(both.program).not.toContain('x + 1');
  });

  test('no expected field leaves the property out', () => {
    const item = parseEvalLine({
      line: line({ ...humanEval, completion: '    pass\n' }),
      lineNumber: 1,
    });
    expect('expected' in item).toBe(false);
  });

  test('MBPP: numeric id, tests joined by newlines, empty setup by default', () => {
    const item = parseEvalLine({ line: line(mbpp), lineNumber: 1 });
    expect(item).toEqual({
      id: '7',
      format: 'mbpp',
      program: '\ndef inc(x):\n    return x + 1\nassert inc(1) == 2\nassert inc(-1) == 0\n',
    });
  });

  test('MBPP: setup code first; challenge tests ignored', () => {
    const item = parseEvalLine({
      line: line({
        ...mbpp,
        test_setup_code: 'import math',
        challenge_test_list: ['assert inc(10 ** 9) == 10 ** 9 + 1'],
      }),
      lineNumber: 1,
    });
    expect(item.program.startsWith('import math\ndef inc(x):')).toBe(true);
    expect(item.program).not.toContain('10 ** 9');
  });

  test('invalid JSON names the line', () => {
    const error = parseError('{"task_id": ', 12);
    expect(error.message).toMatch(/line 12/);
    expect(error.message).toMatch(/invalid JSON/);
  });

  test('a JSON value that is not an object', () => {
    expect(parseError('[1, 2]').message).toMatch(/line 3: expected a JSON object/);
  });

  test('neither format', () => {
    expect(parseError(line({ task_id: 1, question: 'x' })).message).toMatch(
      /line 3: neither a HumanEval item .* nor an MBPP item/,
    );
  });

  test('a missing HumanEval field is named with the line', () => {
    const { test: _test, ...withoutTest } = humanEval;
    const error = parseError(line({ ...withoutTest, completion: '    pass\n' }), 5);
    expect(error.message).toMatch(/line 5/);
    expect(error.message).toMatch(/missing field "test"/);
  });

  test('HumanEval without completion or canonical_solution', () => {
    expect(parseError(line(humanEval), 9).message).toMatch(
      /line 9: .*missing field "completion" or "canonical_solution"/,
    );
  });

  test('a wrongly typed MBPP field', () => {
    const error = parseError(line({ ...mbpp, test_list: 'assert inc(1) == 2' }));
    expect(error.message).toMatch(/line 3: MBPP item: field "test_list"/);
  });

  test('a missing task_id', () => {
    const { task_id: _id, ...withoutId } = mbpp;
    expect(parseError(line(withoutId)).message).toMatch(/missing field "task_id"/);
  });
});

describe('readEvalDataset', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'eval-dataset-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function file(name: string, lines: string[]): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, lines.join('\n'));
    return path;
  }

  test('both formats in one file; blank lines skipped', async () => {
    const path = await file('mixed.jsonl', [
      '',
      line({ ...humanEval, completion: '    return x + 1\n' }),
      '   ',
      line(mbpp),
      '',
    ]);
    const items = await collect(path);
    expect(items.map((item) => [item.id, item.format])).toEqual([
      ['demo/0', 'humaneval'],
      ['7', 'mbpp'],
    ]);
  });

  test('line numbers count blank lines', async () => {
    const path = await file('bad.jsonl', ['', line(mbpp), '', '{oops']);
    await expect(collect(path)).rejects.toThrow(/line 4: invalid JSON/);
  });

  test('a duplicate id is rejected with both lines', async () => {
    const path = await file('dup.jsonl', [line(mbpp), line({ ...mbpp, code: 'pass' })]);
    const read = collect(path);
    await expect(read).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(read).rejects.toThrow(/line 2: duplicate task_id "7" \(first on line 1\)/);
  });

  test('CRLF line endings and a byte-order mark', async () => {
    const path = join(dir, 'crlf.jsonl');
    await writeFile(path, `\uFEFF${line(mbpp)}\r\n${line({ ...mbpp, task_id: 8 })}\r\n`);
    expect((await collect(path)).map((item) => item.id)).toEqual(['7', '8']);
  });

  test('an aborted signal stops the read', async () => {
    const path = await file('abort.jsonl', [line(mbpp)]);
    const reader = readEvalDataset({ path, signal: AbortSignal.abort() });
    await expect(reader.next()).rejects.toMatchObject({ code: 'ABORTED' });
  });

  test('the fixture files parse with unique ids', async () => {
    const humanEvalItems = await collect(join(fixtures, 'problems-humaneval.jsonl'));
    const mbppItems = await collect(join(fixtures, 'problems-mbpp.jsonl'));
    expect(humanEvalItems.length).toBeGreaterThanOrEqual(80);
    expect(mbppItems.length).toBeGreaterThanOrEqual(25);
    expect(humanEvalItems.every((item) => item.format === 'humaneval')).toBe(true);
    expect(mbppItems.every((item) => item.format === 'mbpp')).toBe(true);
    const ids = [...humanEvalItems, ...mbppItems].map((item) => item.id);
    expect(new Set(ids).size).toBe(ids.length);
    const kinds = new Set(['passed', 'failed', 'timeout', 'crash']);
    expect([...humanEvalItems, ...mbppItems].every((item) => kinds.has(item.expected ?? ''))).toBe(
      true,
    );
  });
});

describe('passAtOne', () => {
  test('the fraction passed, 0 for no problems', () => {
    expect(passAtOne({ passed: 3, total: 4 })).toBe(0.75);
    expect(passAtOne({ passed: 0, total: 0 })).toBe(0);
  });

  test('rejects impossible counts', () => {
    expect(() => passAtOne({ passed: 5, total: 4 })).toThrow(InvalidArgumentError);
    expect(() => passAtOne({ passed: -1, total: 4 })).toThrow(InvalidArgumentError);
  });
});
