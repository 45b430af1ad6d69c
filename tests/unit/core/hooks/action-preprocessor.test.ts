// ActionPreprocessor (inventory 3.4): moves the tool call from `formatted` into `content`
// before the executor runs, and turns the ActionReturn into text afterwards.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ActionExecutor,
  ActionPreprocessor,
  ActionStatusCode,
  ActionValidCode,
  ToolStatusCode,
  createActionReturn,
  createAgentMessage,
  defineTool,
  toolCallOf,
} from '../../../../core/index.ts';
import { createCalc } from '../actions/calc-toolkit.ts';

const executor = () =>
  new ActionExecutor({ actions: [createCalc()], hooks: [new ActionPreprocessor()] });

const reply = (formatted: unknown) =>
  createAgentMessage({ sender: 'Agent', content: 'model text', formatted });

describe('ActionPreprocessor on the executor', () => {
  it('runs a FunctionCall in formatted and answers with the result text', async () => {
    const response = await executor().call(reply({ name: 'Calc.add', parameters: { a: 1, b: 2 } }));

    expect(response.content).toBe('3');
    expect(response.sender).toBe('ActionExecutor');
  });

  it('runs a FunctionCall whose parameters are JSON text', async () => {
    const response = await executor().call(reply({ name: 'Calc.add', parameters: '{"a": 4}' }));

    expect(response.content).toBe('5');
  });

  it("runs formatted {action: {name, parameters}} (JSONParser's shape)", async () => {
    const response = await executor().call(
      reply({
        thought_process: 'I should add.',
        action: { name: 'Calc.add', parameters: { a: 2, b: 2 } },
      }),
    );

    expect(response.content).toBe('4');
  });

  it('runs a plugin call read by ToolParser ({toolType, thought, action, status})', async () => {
    const response = await executor().call(
      reply({
        toolType: 'plugin',
        thought: 'I will call.',
        action: { name: 'Calc.add', parameters: { a: 3, b: 3 } },
        status: ToolStatusCode.VALID_TOOL,
      }),
    );

    expect(response.content).toBe('6');
  });

  it('answers a failed call with its errmsg', async () => {
    expect((await executor().call(reply({ name: 'Calc.add', parameters: { c: 1 } }))).content).toBe(
      "unknown arguments: {'c'}",
    );
    expect(
      (await executor().call(reply({ name: 'Calc.div', parameters: { a: 1, b: 0 } }))).content,
    ).toBe('division by zero');
  });

  it('answers a FinishAction with its text', async () => {
    const response = await executor().call(reply({ name: 'FinishAction', parameters: 'done' }));

    expect(response.content).toBe('done');
  });

  it('runs native tool calls and keeps their results as ActionReturns with ids', async () => {
    const response = await executor().call(
      reply({
        toolType: 'function',
        thought: '',
        action: [
          { id: 'call_1', name: 'Calc__add', parameters: { a: 1, b: 2 } },
          { id: 'call_2', name: 'Calc__add', parameters: '{"a": 5}' },
        ],
        status: ToolStatusCode.VALID_TOOL,
      }),
    );

    expect(response.content).toEqual([
      {
        args: { a: 1, b: 2 },
        url: null,
        type: 'Calc',
        result: [{ type: 'text', content: '3' }],
        errmsg: null,
        state: ActionStatusCode.SUCCESS,
        thought: null,
        valid: ActionValidCode.OPEN,
        toolCallId: 'call_1',
      },
      {
        args: { a: 5 }, // as the model called it: the default of b is not echoed
        url: null,
        type: 'Calc',
        result: [{ type: 'text', content: '6' }],
        errmsg: null,
        state: ActionStatusCode.SUCCESS,
        thought: null,
        valid: ActionValidCode.OPEN,
        toolCallId: 'call_2',
      },
    ]);
  });

  it('answers a reply without a tool call with the executor errmsg, not a throw', async () => {
    const response = await executor().call(reply(null));

    expect(response.content).toBe(
      'ActionExecutor expects the message content to be a tool call {name, parameters}, got: "model text"',
    );
  });

  it('joins image items as [type](content) lines', async () => {
    const plot = defineTool({
      name: 'Plot',
      parameters: z.object({}),
      execute: () =>
        createActionReturn({
          result: [
            { type: 'text', content: 'hello' },
            { type: 'image', content: '/tmp/a.png' },
          ],
        }),
    });
    const withPlot = new ActionExecutor({ actions: [plot], hooks: [new ActionPreprocessor()] });

    const response = await withPlot.call(reply({ name: 'Plot', parameters: {} }));

    expect(response.content).toBe('hello\n[image](/tmp/a.png)');
  });
});

describe('ActionPreprocessor methods', () => {
  const target = { name: 'ActionExecutor' };

  it('beforeAction returns a new message and leaves its input alone', () => {
    const message = reply({ name: 'Calc.add', parameters: { a: 1 } });
    const before = structuredClone(message);

    const prepared = new ActionPreprocessor().beforeAction(target, message, 0);

    expect(prepared).toEqual({ ...before, content: { name: 'Calc.add', parameters: { a: 1 } } });
    expect(message).toEqual(before);
  });

  it('beforeAction keeps a message without a tool call as it is', () => {
    const message = reply({ toolType: null, thought: 'hi', action: null, status: 0 });

    expect(new ActionPreprocessor().beforeAction(target, message, 0)).toBe(message);
  });

  it('afterAction keeps content that is not an ActionReturn as it is', () => {
    const message = createAgentMessage({ sender: 'ActionExecutor', content: 'already text' });

    expect(new ActionPreprocessor().afterAction(target, message, 0)).toBe(message);
  });

  it('afterAction turns a SUCCESS ActionReturn into its result and a failed one into its errmsg', () => {
    const processor = new ActionPreprocessor();
    const success = createAgentMessage({
      sender: 'ActionExecutor',
      content: createActionReturn({ result: [{ type: 'text', content: '42' }] }),
    });
    const failure = createAgentMessage({
      sender: 'ActionExecutor',
      content: createActionReturn({ errmsg: 'boom', state: ActionStatusCode.API_ERROR }),
    });

    expect(processor.afterAction(target, success, 0).content).toBe('42');
    expect(processor.afterAction(target, failure, 0).content).toBe('boom');
  });

  it('toolCallOf reads each shape and keeps only name and parameters', () => {
    expect(toolCallOf(reply({ name: 'A.b', parameters: { x: 1 }, id: 'call_1' }))).toEqual({
      name: 'A.b',
      parameters: { x: 1 },
    });
    expect(
      toolCallOf(reply({ thought: 't', action: { name: 'A.b', parameters: '{}', extra: 1 } })),
    ).toEqual({ name: 'A.b', parameters: '{}' });
    expect(
      toolCallOf(
        reply({
          toolType: 'function',
          thought: '',
          action: [{ id: 'c1', name: 'A__b', parameters: {} }],
          status: 1,
        }),
      ),
    ).toEqual([{ id: 'c1', name: 'A__b', parameters: {} }]);
    expect(toolCallOf(reply({ name: 'A.b' }))).toBeUndefined();
    expect(toolCallOf(reply('text'))).toBeUndefined();
  });
});
