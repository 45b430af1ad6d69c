// Lagent's PythonInterpreter on the Docker sandbox (fresh runs, runc): each answer mode, the
// code's own errors as Lagent's repr(e), a timeout, and nothing kept between calls.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Action, ActionReturn } from '../../../core/index.ts';
import { ActionStatusCode } from '../../../core/index.ts';
import type { DockerSandboxProvider } from '../../../sandboxes/docker/index.ts';
import { createPythonInterpreter } from '../../../tools/index.ts';
import { startTestProvider } from '../../support/docker-sandbox-fixture.ts';

let provider: DockerSandboxProvider;
beforeAll(async () => {
  provider = await startTestProvider({ poolSize: 0, freshContainers: 1 });
});
afterAll(async () => {
  await provider?.close();
});

const run = (tool: Action, command: string): Promise<ActionReturn> =>
  tool.run({ inputs: { command } });

describe('PythonInterpreter', () => {
  test("answers with str(solution()), echoes the code as Lagent's args, and keeps nothing", async () => {
    const tool = createPythonInterpreter({ sandboxes: provider });
    const command =
      'Here:\n```python\nimport math\nCACHE = 1\ndef solution():\n    print("noise")\n    return [math.sqrt(16), "x"]\n```';
    const answer = await run(tool, command);
    expect(answer).toMatchObject({
      type: 'PythonInterpreter',
      args: {
        text: '```python\n\nimport math\nCACHE = 1\ndef solution():\n    print("noise")\n    return [math.sqrt(16), "x"]\n\n```',
      },
      result: [{ type: 'text', content: "[4.0, 'x']" }],
      state: ActionStatusCode.SUCCESS,
    });
    // A new namespace each call: CACHE is gone.
    const next = await run(tool, 'def solution():\n    return CACHE');
    expect(next.state).toBe(ActionStatusCode.API_ERROR);
    expect(next.errmsg).toBe('NameError("name \'CACHE\' is not defined")');
  });

  test('the other answer modes: a global, the last printed line, the last line', async () => {
    const symbol = createPythonInterpreter({ sandboxes: provider, answerSymbol: 'answer' });
    expect((await run(symbol, 'answer = 6 * 7')).result).toEqual([{ type: 'text', content: '42' }]);
    expect((await run(symbol, 'other = 1')).errmsg).toBe("KeyError('answer')");

    const stdout = createPythonInterpreter({ sandboxes: provider, answerFromStdout: true });
    expect((await run(stdout, 'print("a")\nprint("b")')).result).toEqual([
      { type: 'text', content: 'b\n' },
    ]);

    const lastLine = createPythonInterpreter({ sandboxes: provider, answerExpr: null });
    expect((await run(lastLine, 'x = 2\nx ** 10')).result).toEqual([
      { type: 'text', content: '1024' },
    ]);
  });

  test('a syntax error and a hang are errmsgs; the next call runs', async () => {
    const tool = createPythonInterpreter({ sandboxes: provider });
    // Only the hang has a short limit: a quick run on a loaded machine must not meet it.
    const hanging = createPythonInterpreter({ sandboxes: provider, timeoutMs: 3_000 });
    const broken = await run(tool, 'def solution(:\n    return 1');
    expect(broken.state).toBe(ActionStatusCode.API_ERROR);
    expect(broken.errmsg).toMatch(/^SyntaxError\(/);

    const hang = await run(hanging, 'def solution():\n    while True:\n        pass');
    expect(hang.state).toBe(ActionStatusCode.API_ERROR);
    expect(hang.errmsg).toMatch(/^TimeoutError: /);

    expect((await run(tool, 'def solution():\n    return "ok"')).result).toEqual([
      { type: 'text', content: 'ok' },
    ]);
  });
});
