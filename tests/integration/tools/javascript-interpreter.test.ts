// JavaScriptInterpreter through the ActionExecutor, on the real isolated-vm sandbox.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ActionExecutor,
  ActionStatusCode,
  createAgentMessage,
  isActionReturn,
} from '../../../core/index.ts';
import { JsSandboxProvider } from '../../../sandboxes/index.ts';
import { JavaScriptInterpreter, TIMEOUT_MESSAGE } from '../../../tools/index.ts';

describe('JavaScriptInterpreter', () => {
  let provider: JsSandboxProvider;
  let counted = 0;
  beforeAll(async () => {
    provider = await JsSandboxProvider.start({
      threads: 1,
      limits: { wallTimeLimitMs: 5_000 },
      hostFunctions: { count: () => (counted += 1) },
    });
  });
  afterAll(async () => {
    await provider?.close();
  });

  test('a call through the executor keeps state per session and returns output and value', async () => {
    const interpreter = new JavaScriptInterpreter({ sandboxes: provider });
    const executor = new ActionExecutor({ actions: [interpreter] });
    try {
      expect(interpreter.description).toMatchObject({
        name: 'JavaScriptInterpreter',
        parameters: [
          { name: 'command', description: 'JavaScript code snippet', type: 'STRING' },
          { name: 'timeout', description: 'timeout for execution in seconds', type: 'NUMBER' },
        ],
      });
      const first = await executor.call(
        createAgentMessage({
          sender: 'Agent',
          content: {
            name: 'JavaScriptInterpreter',
            parameters: {
              command:
                '```js\nconst xs = [1, 2, 3];\nconsole.log("sum");\nxs.reduce((a, b) => a + b)\n```',
            },
          },
        }),
        { sessionId: 'a' },
      );
      const actionReturn = first.content;
      expect(isActionReturn(actionReturn) && actionReturn.state).toBe(ActionStatusCode.SUCCESS);
      expect(isActionReturn(actionReturn) && actionReturn.result).toEqual([
        { type: 'text', content: 'sum\n6' },
      ]);
      const again = await interpreter.run({ inputs: { command: 'xs.length' }, sessionId: 'a' });
      expect(again.result).toEqual([{ type: 'text', content: '3' }]);
      const other = await interpreter.run({ inputs: { command: 'xs.length' }, sessionId: 'b' });
      expect(other.state).toBe(ActionStatusCode.API_ERROR);
      expect(other.errmsg).toContain('ReferenceError: xs is not defined');
    } finally {
      await executor.dispose();
    }
  });

  test('a timeout reaches the model as an errmsg and the next call works', async () => {
    const interpreter = new JavaScriptInterpreter({ sandboxes: provider });
    try {
      const slow = await interpreter.run({
        inputs: { command: 'await new Promise(() => {})', timeout: 1 },
      });
      expect(slow.state).toBe(ActionStatusCode.API_ERROR);
      expect(slow.errmsg).toBe(
        `${TIMEOUT_MESSAGE} the execution passed its wall-clock limit of 1000 ms; the isolate was disposed and its state is lost; the next call runs on a fresh one`,
      );
      expect((await interpreter.run({ inputs: { command: '1 + 1' } })).result).toEqual([
        { type: 'text', content: '2' },
      ]);
    } finally {
      await interpreter.dispose();
    }
  });

  test('unfenced code with template literals runs whole, not just a literal', async () => {
    const interpreter = new JavaScriptInterpreter({ sandboxes: provider });
    try {
      const command = 'const name = "Ada";\nconsole.log(`hello ${name}`);\n`${name}!`';
      const ran = await interpreter.run({ inputs: { command } });
      expect(ran.state).toBe(ActionStatusCode.SUCCESS);
      expect(ran.result).toEqual([{ type: 'text', content: 'hello Ada\n"Ada!"' }]);
      const fenced = await interpreter.run({
        inputs: { command: 'Run this:\n```javascript\nconst t = `a${1}`;\nt\n```' },
      });
      expect(fenced.result).toEqual([{ type: 'text', content: '"a1"' }]);
    } finally {
      await interpreter.dispose();
    }
  });

  test('code that breaks the built-ins the platform used runs once, and the session goes on', async () => {
    const interpreter = new JavaScriptInterpreter({ sandboxes: provider });
    try {
      counted = 0;
      const sabotaged = await interpreter.run({
        inputs: {
          command:
            'await host.count(); JSON.stringify = Array.prototype.push = () => { throw new Error("sabotage") }; 6 * 7',
        },
      });
      expect(sabotaged.state).toBe(ActionStatusCode.SUCCESS);
      expect(sabotaged.result).toEqual([{ type: 'text', content: '42' }]);
      expect(counted).toBe(1);
      const next = await interpreter.run({ inputs: { command: 'console.log([1, 2]); "ok"' } });
      expect(next.result).toEqual([{ type: 'text', content: '[ 1, 2 ]\n"ok"' }]);
      expect(counted).toBe(1);
    } finally {
      await interpreter.dispose();
    }
  });
});
