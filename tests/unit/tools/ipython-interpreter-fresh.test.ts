// IPythonInterpreter runs each call fresh where the provider can (runFresh), and falls back
// to a kernel of its own for code that needs IPython.
import { describe, expect, test } from 'vitest';
import type { Execution, FreshRunOptions, SandboxProvider } from '../../../core/index.ts';
import { ActionExecutor, ActionStatusCode } from '../../../core/index.ts';
import { createIPythonInterpreter, needsKernel } from '../../../tools/index.ts';

const printed = (text: string): Execution => ({
  results: [],
  logs: { stdout: [text], stderr: [] },
  error: null,
  executionCount: null,
});

function provider(): SandboxProvider & { fresh: FreshRunOptions[]; kernels: string[] } {
  const made = {
    fresh: [] as FreshRunOptions[],
    kernels: [] as string[],
    runFresh: (options: FreshRunOptions) => {
      made.fresh.push(options);
      return Promise.resolve(printed('fresh\n'));
    },
    create: () =>
      Promise.resolve({
        runCode: ({ code }: { code: string }) => {
          made.kernels.push(code);
          return Promise.resolve(printed('kernel\n'));
        },
        close: () => Promise.resolve(),
      } as never),
    list: () => [],
    close: () => Promise.resolve(),
  };
  return made;
}

describe('IPythonInterpreter on a provider with fresh runs', () => {
  test('plain Python runs fresh, with the call timeout', async () => {
    const sandboxes = provider();
    const executor = new ActionExecutor({ actions: [createIPythonInterpreter({ sandboxes })] });
    const answer = await executor.forward({
      name: 'IPythonInterpreter',
      parameters: { command: 'print(1)', timeout: 5 },
    });
    expect(answer.state).toBe(ActionStatusCode.SUCCESS);
    expect(JSON.stringify(answer.result)).toContain('fresh');
    expect(sandboxes.fresh).toMatchObject([{ code: 'print(1)', timeoutMs: 5_000 }]);
    expect(sandboxes.kernels).toEqual([]);
  });

  test('a magic, a shell escape or display() gets a kernel', async () => {
    const sandboxes = provider();
    const executor = new ActionExecutor({ actions: [createIPythonInterpreter({ sandboxes })] });
    for (const command of ['%timeit sum(range(10))', 'x = 1\n!ls', 'display(1)']) {
      await executor.forward({ name: 'IPythonInterpreter', parameters: { command } });
    }
    expect(sandboxes.kernels).toHaveLength(3);
    expect(sandboxes.fresh).toEqual([]);
  });

  test('needsKernel reads only what needs IPython', () => {
    expect(needsKernel('a = 5 % 2\nprint("!")')).toBe(false);
    expect(needsKernel('  %matplotlib inline')).toBe(true);
    expect(needsKernel('get_ipython().run_line_magic("time", "1")')).toBe(true);
    expect(needsKernel('redisplay(1)')).toBe(false);
  });
});
