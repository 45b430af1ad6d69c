// InternLMActionProcessor (inventory 3.4) on replies read by ToolParser / MixedToolParser:
// code goes to the first action as {command: code}, plugin calls to their tool, and
// (a documented deviation from Lagent) a call that failed to parse goes to NoAction.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ActionExecutor,
  InternLMActionProcessor,
  InterpreterParser,
  PluginParser,
  ToolStatusCode,
  createAgentMessage,
  defineTool,
} from '../../../../core/index.ts';
import type { AgentMessage } from '../../../../core/index.ts';
import { createCalc } from '../actions/calc-toolkit.ts';

function interpreter(parameter: string, received: string[]) {
  return defineTool({
    name: 'Python',
    description: 'Runs code',
    parameters: z.object({ [parameter]: z.string() }),
    execute: (args) => {
      const code = String(args[parameter]);
      received.push(code);
      return `ran: ${code}`;
    },
  });
}

const reply = (formatted: unknown): AgentMessage =>
  createAgentMessage({ sender: 'Agent', content: 'model text', formatted });

describe('InternLMActionProcessor', () => {
  it('sends a string action to the first action as {command: code} and answers with text', async () => {
    const received: string[] = [];
    const executor = new ActionExecutor({
      actions: [interpreter('command', received), createCalc()],
      hooks: [new InternLMActionProcessor()],
    });

    const response = await executor.call(
      reply({
        toolType: 'interpreter',
        thought: 'Let me compute.',
        action: '```python\nprint(1)\n```',
        status: ToolStatusCode.VALID_TOOL,
      }),
    );

    expect(received).toEqual(['```python\nprint(1)\n```']);
    expect(response.content).toBe('ran: ```python\nprint(1)\n```');
    expect(response.sender).toBe('ActionExecutor');
  });

  it('uses a custom codeParameter', async () => {
    const received: string[] = [];
    const processor = new InternLMActionProcessor({ codeParameter: 'code' });
    const executor = new ActionExecutor({
      actions: [interpreter('code', received)],
      hooks: [processor],
    });

    const response = await executor.call(
      reply({ toolType: 'interpreter', thought: '', action: '1+1', status: 1 }),
    );

    expect(processor.codeParameter).toBe('code');
    expect(response.content).toBe('ran: 1+1');
  });

  it('defaults codeParameter to "command"', () => {
    expect(new InternLMActionProcessor().codeParameter).toBe('command');
  });

  it('sends an object action to the tool it names', async () => {
    const received: string[] = [];
    const executor = new ActionExecutor({
      actions: [interpreter('command', received), createCalc()],
      hooks: [new InternLMActionProcessor()],
    });

    const response = await executor.call(
      reply({
        toolType: 'plugin',
        thought: 'I will call.',
        action: { name: 'Calc.add', parameters: { a: 1, b: 2 } },
        status: ToolStatusCode.VALID_TOOL,
      }),
    );

    expect(response.content).toBe('3');
    expect(received).toEqual([]);
  });

  it('sends a call that failed to parse to NoAction: "Please follow the format"', async () => {
    const received: string[] = [];
    const executor = new ActionExecutor({
      actions: [interpreter('command', received), createCalc()],
      hooks: [new InternLMActionProcessor()],
    });

    const response = await executor.call(
      reply({
        toolType: 'plugin',
        thought: 'I will call.',
        action: '{"name": "Calc.add", "parameters": {"a": 1',
        status: ToolStatusCode.PARSING_ERROR,
      }),
    );

    expect(response.content).toBe('Please follow the format');
    expect(received).toEqual([]);
  });

  it('sees the NoAction call in content before the executor runs it', () => {
    const message = reply({
      toolType: 'plugin',
      thought: '',
      action: '{broken',
      status: ToolStatusCode.PARSING_ERROR,
    });

    const prepared = new InternLMActionProcessor().beforeAction(
      { name: 'ActionExecutor' },
      message,
      0,
    );

    expect(prepared.content).toEqual({ name: 'NoAction', parameters: '{broken' });
    expect(message.content).toBe('model text');
  });

  it('works on what InterpreterParser and PluginParser read from model text', async () => {
    const received: string[] = [];
    const executor = new ActionExecutor({
      actions: [interpreter('command', received), createCalc()],
      hooks: [new InternLMActionProcessor()],
    });
    const code = 'Compute.<|action_start|><|interpreter|>\nprint(2)<|action_end|>\n';
    const plugin =
      'I will call.<|action_start|><|plugin|>\n{"name": "Calc.add", "parameters": {"a": 2, "b": 5}}<|action_end|>\n';
    const broken = 'Oops.<|action_start|><|plugin|>\n{"name": "Calc.add"<|action_end|>\n';

    const answers = [];
    for (const [parser, text] of [
      [new InterpreterParser(), code],
      [new PluginParser(), plugin],
      [new PluginParser(), broken],
    ] as const) {
      const message = createAgentMessage({
        sender: 'Agent',
        content: text,
        formatted: parser.parseResponse(text),
      });
      answers.push((await executor.call(message)).content);
    }

    expect(answers).toEqual(['ran: print(2)', '7', 'Please follow the format']);
  });

  it('leaves a reply without a tool (NO_TOOL) to ActionPreprocessor, which finds no call', async () => {
    const executor = new ActionExecutor({
      actions: [createCalc()],
      hooks: [new InternLMActionProcessor()],
    });

    const response = await executor.call(
      reply({ toolType: null, thought: 'Done.', action: null, status: ToolStatusCode.NO_TOOL }),
    );

    expect(response.content).toBe(
      'ActionExecutor expects the message content to be a tool call {name, parameters}, got: "model text"',
    );
  });

  it('handles a plain FunctionCall in formatted like ActionPreprocessor', async () => {
    const executor = new ActionExecutor({
      actions: [createCalc()],
      hooks: [new InternLMActionProcessor()],
    });

    const response = await executor.call(reply({ name: 'Calc.add', parameters: { a: 9 } }));

    expect(response.content).toBe('10');
  });
});
