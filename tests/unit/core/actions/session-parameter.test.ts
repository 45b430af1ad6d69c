// A tool ported from Lagent's AsyncIPythonInterpreter declares `run(command, timeout=None,
// session_id=None)`; Lagent's InternLMActionProcessor sets parameters['session_id'] to the
// call's session id (PR #303: for any action whose run declares it). Here the tool gets the
// executor call's session id on every path, and the model is not shown the parameter.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ActionExecutor,
  ActionStatusCode,
  DEFAULT_SESSION_ID_PARAMETER,
  InternLMActionProcessor,
  InterpreterParser,
  JSON_PARAMETER_DESCRIPTION,
  createAgentMessage,
  defineTool,
  getPluginPrompt,
} from '../../../../core/index.ts';

function interpreter(received: unknown[], sessionField: z.ZodType = z.string().optional()) {
  return defineTool({
    name: 'AsyncIPythonInterpreter',
    description: 'Runs Python in a stateful kernel.',
    parameters: z.object({
      command: z.string().describe('Python code'),
      timeout: z
        .number()
        .int()
        .optional()
        .describe('Upper bound of waiting time for Python script execution.'),
      session_id: sessionField,
    }),
    execute: ({ command, session_id }) => {
      received.push(session_id);
      return `ran ${command}`;
    },
  });
}

describe('a session_id parameter', () => {
  it('is left out of what the model sees (Lagent lists it as a STRING parameter)', () => {
    const tool = interpreter([]);

    // Lagent's description also has {'name': 'session_id', 'type': 'STRING', 'description': ''}.
    expect(tool.description).toEqual({
      name: 'AsyncIPythonInterpreter',
      description: 'Runs Python in a stateful kernel.',
      parameters: [
        { name: 'command', type: 'STRING', description: 'Python code' },
        {
          name: 'timeout',
          type: 'NUMBER',
          description: 'Upper bound of waiting time for Python script execution.',
        },
      ],
      required: ['command'],
      parameter_description: JSON_PARAMETER_DESCRIPTION,
    });
    expect(getPluginPrompt({ actions: [tool] })).not.toContain('session_id');
    expect(JSON.stringify(tool.apis[0]?.inputSchema)).not.toContain('session_id');
    expect(DEFAULT_SESSION_ID_PARAMETER).toBe('session_id');
  });

  it('receives the session id of an interpreter call routed by InternLMActionProcessor', async () => {
    const received: unknown[] = [];
    const executor = new ActionExecutor({
      actions: [interpreter(received)],
      hooks: [new InternLMActionProcessor()],
    });
    const parser = new InterpreterParser();
    const text = 'Run it.<|action_start|><|interpreter|>\nprint(1)<|action_end|>\n';

    const answer = await executor.call(
      createAgentMessage({ sender: 'Agent', content: text, formatted: parser.parseResponse(text) }),
      { sessionId: 7 },
    );

    // Lagent: parameters {'command': 'print(1)', 'session_id': 7}; run() does str(session_id).
    expect(received).toEqual(['7']);
    expect(answer.content).toBe('ran print(1)');
  });

  it('overrides what the model sent for it, and is not echoed in args unless the model sent it', async () => {
    const received: unknown[] = [];
    const executor = new ActionExecutor({ actions: [interpreter(received)] });

    const plain = await executor.forward({
      name: 'AsyncIPythonInterpreter',
      parameters: { command: 'x' },
      sessionId: 'abc',
    });
    const spoofed = await executor.forward({
      name: 'AsyncIPythonInterpreter',
      parameters: '{"command": "y", "session_id": "someone-else"}',
      sessionId: 'abc',
    });

    expect(received).toEqual(['abc', 'abc']);
    expect(plain.args).toEqual({ command: 'x' });
    expect(spoofed).toMatchObject({
      args: { command: 'y', session_id: 'someone-else' },
      state: ActionStatusCode.SUCCESS,
    });
  });

  it('gets the id in the type the schema wants', async () => {
    const numbers: unknown[] = [];
    const asNumber = new ActionExecutor({ actions: [interpreter(numbers, z.number().int())] });
    await asNumber.forward({
      name: 'AsyncIPythonInterpreter',
      parameters: { command: 'x' },
      sessionId: '12',
    });
    await asNumber.forward({
      name: 'AsyncIPythonInterpreter',
      parameters: { command: 'x' },
      sessionId: 3,
    });

    expect(numbers).toEqual([12, 3]);
    // A required session parameter is not required of the model.
    expect(interpreter([], z.number().int()).description).toMatchObject({ required: ['command'] });
  });

  it('is an ordinary parameter with sessionIdParameter: null', async () => {
    const received: unknown[] = [];
    const tool = defineTool({
      name: 'Remote',
      sessionIdParameter: null,
      parameters: z.object({ session_id: z.string() }),
      execute: ({ session_id }) => {
        received.push(session_id);
        return 'ok';
      },
    });

    expect(tool.description).toMatchObject({
      parameters: [{ name: 'session_id', type: 'STRING', description: '' }],
      required: ['session_id'],
    });
    await tool.run({ inputs: { session_id: 'theirs' }, sessionId: 'ours' });
    expect(received).toEqual(['theirs']);
  });

  it('can be named otherwise', async () => {
    const received: unknown[] = [];
    const tool = defineTool({
      name: 'Kernel',
      sessionIdParameter: 'kernel',
      parameters: z.object({ code: z.string(), kernel: z.string() }),
      execute: ({ kernel }) => {
        received.push(kernel);
        return 'ok';
      },
    });

    await tool.run({ inputs: { code: '1' }, sessionId: 5 });
    expect(received).toEqual(['5']);
    expect(tool.description).toMatchObject({ required: ['code'] });
  });
});
