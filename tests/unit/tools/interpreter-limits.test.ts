// The interpreter tools refuse code over maxCodeBytes and a `timeout` over
// maxExecutionTimeoutMs with an ARGS_ERROR, before any sandbox is started.
import { describe, expect, test } from 'vitest';
import type { SandboxProvider } from '../../../core/index.ts';
import { ActionExecutor, ActionStatusCode, InvalidArgumentError } from '../../../core/index.ts';
import {
  createIPythonInterpreter,
  IPythonInteractive,
  JavaScriptInterpreter,
} from '../../../tools/index.ts';

/** Counts sandbox starts; every start fails, so a test that reaches one shows it. */
function countingProvider(): SandboxProvider & { creates: number } {
  const provider = {
    creates: 0,
    create: () => {
      provider.creates += 1;
      return Promise.reject(new Error('no sandbox in this test'));
    },
    list: () => [],
    close: () => Promise.resolve(),
  };
  return provider;
}

const tools = [
  ['IPythonInteractive', (sandboxes: SandboxProvider) => new IPythonInteractive({ sandboxes })],
  ['IPythonInterpreter', (sandboxes: SandboxProvider) => createIPythonInterpreter({ sandboxes })],
  [
    'JavaScriptInterpreter',
    (sandboxes: SandboxProvider) => new JavaScriptInterpreter({ sandboxes }),
  ],
] as const;

describe.each(tools)('%s limits', (name, make) => {
  test('code over 1 MiB is an ARGS_ERROR, not echoed, and starts no sandbox', async () => {
    const sandboxes = countingProvider();
    const executor = new ActionExecutor({
      actions: [make(sandboxes)],
      // The executor's own bound is set higher, so the tool's is the one reached.
      limits: { maxArgumentBytes: 4 * 1024 * 1024 },
    });
    const result = await executor.forward({
      name,
      parameters: { command: 'x'.repeat(2 * 1024 * 1024) },
    });
    expect(result.state).toBe(ActionStatusCode.ARGS_ERROR);
    expect(result.errmsg).toContain('maxCodeBytes');
    expect(JSON.stringify(result).length).toBeLessThan(1_000);
    expect(sandboxes.creates).toBe(0);
  });

  test('a timeout over 10 minutes is an ARGS_ERROR and starts no sandbox', async () => {
    const sandboxes = countingProvider();
    const executor = new ActionExecutor({ actions: [make(sandboxes)] });
    const result = await executor.forward({
      name,
      parameters: { command: '1', timeout: 1_000_000 },
    });
    expect(result.state).toBe(ActionStatusCode.ARGS_ERROR);
    expect(result.errmsg).toContain('maxExecutionTimeoutMs');
    expect(sandboxes.creates).toBe(0);
  });
});

test('a default timeout over the maximum is a construction error', () => {
  const sandboxes = countingProvider();
  expect(() => new IPythonInteractive({ sandboxes, timeoutMs: 700_000 })).toThrow(
    InvalidArgumentError,
  );
  expect(
    () => new IPythonInteractive({ sandboxes, timeoutMs: 700_000, maxExecutionTimeoutMs: 700_000 }),
  ).not.toThrow();
  expect(() => createIPythonInterpreter({ sandboxes, timeoutMs: 700_000 })).toThrow(
    /maxExecutionTimeoutMs/,
  );
});
