import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Execution } from '../../../core/index.ts';
import { ActionStatusCode, formatResult } from '../../../core/index.ts';
import { executionToActionReturn, TIMEOUT_MESSAGE } from '../../../tools/index.ts';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).toString('base64');

function execution(overrides: Partial<Execution>): Execution {
  return {
    results: [],
    logs: { stdout: [], stderr: [] },
    error: null,
    executionCount: 1,
    ...overrides,
  };
}

const convert = (value: Execution, maxOutputChars = 2048) =>
  executionToActionReturn({
    execution: value,
    name: 'IPythonInteractive',
    command: 'code',
    maxOutputChars,
    images: { mode: 'data-url' },
  });

describe('executionToActionReturn', () => {
  it("gives stdout as the text, as the seed's interpreter does ('3969.0')", async () => {
    const result = await convert(execution({ logs: { stdout: ['3969.0\n'], stderr: [] } }));
    expect(result).toMatchObject({
      args: { text: 'code' },
      type: 'IPythonInteractive',
      state: ActionStatusCode.SUCCESS,
      result: [{ type: 'text', content: '3969.0' }],
    });
  });

  it('adds the cell value after stdout, and figures as image items', async () => {
    const result = await convert(
      execution({
        logs: { stdout: ['hello\n'], stderr: [] },
        results: [
          { isMainResult: false, text: '<Figure>', png: PNG },
          { isMainResult: true, text: '42' },
        ],
      }),
    );
    expect(result.result).toEqual([
      { type: 'text', content: 'hello\n42' },
      { type: 'image', content: `data:image/png;base64,${PNG}` },
    ]);
    expect(formatResult(result)).toBe(`hello\n42\n[image](data:image/png;base64,${PNG})`);
  });

  it('writes figures to files when asked, like Lagent', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'figures-'));
    try {
      const result = await executionToActionReturn({
        execution: execution({ results: [{ isMainResult: false, png: PNG }] }),
        name: 'IPythonInterpreter',
        command: 'plot',
        maxOutputChars: 2048,
        images: { mode: 'file', dir },
      });
      const path = result.result?.[1]?.content ?? '';
      expect(path.startsWith(dir)).toBe(true);
      expect((await readFile(path)).toString('base64')).toBe(PNG);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('turns an error into an errmsg with the output before it and the traceback', async () => {
    const result = await convert(
      execution({
        logs: { stdout: ['step 1\n'], stderr: [] },
        error: {
          name: 'NameError',
          value: "name 'y' is not defined",
          traceback: "NameError: name 'y' is not defined",
        },
      }),
    );
    expect(result).toMatchObject({
      state: ActionStatusCode.API_ERROR,
      errmsg: "step 1\nNameError: name 'y' is not defined",
      result: null,
    });
  });

  it("says a timed-out call timed out, in Lagent's words plus how it was stopped", async () => {
    const result = await convert(
      execution({
        timedOut: 'interrupted',
        error: {
          name: 'TimeoutError',
          value: 'The execution exceeded 1000 ms: the kernel was interrupted',
          traceback: '',
        },
      }),
    );
    expect(result.errmsg).toBe(
      `${TIMEOUT_MESSAGE} The execution exceeded 1000 ms: the kernel was interrupted`,
    );
  });

  it('cuts long output with a notice', async () => {
    const result = await convert(execution({ logs: { stdout: ['x'.repeat(50)], stderr: [] } }), 10);
    expect(result.result?.[0]?.content).toBe(`${'x'.repeat(10)}\n[output cut at 10 characters]`);
  });
});
