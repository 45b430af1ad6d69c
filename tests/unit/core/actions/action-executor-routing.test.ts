// ActionExecutor against the inventory's verified table (section 3.7), with the toolkit
// `Calc.add(a: int, b: int = 1)`, plus native tool calls, routing and the executor's API.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AbortedError,
  ActionExecutor,
  ActionStatusCode,
  ActionValidCode,
  FinishAction,
  InvalidAction,
  InvalidArgumentError,
  createActionReturn,
  createAgentMessage,
  defineTool,
} from '../../../../core/index.ts';
import type {
  Action,
  ActionReturn,
  AgentMessage,
  SessionId,
  ToolContext,
} from '../../../../core/index.ts';
import { createCalc } from './calc-toolkit.ts';

function toolCall(name: string, parameters: unknown): AgentMessage {
  return createAgentMessage({ sender: 'Agent', content: { name, parameters } });
}

async function run(executor: ActionExecutor, name: string, parameters: unknown) {
  const response = await executor.call(toolCall(name, parameters));
  return response.content as ActionReturn;
}

const calcExecutor = () => new ActionExecutor({ actions: [createCalc()] });

describe('ActionExecutor: message contents', () => {
  it.each([
    ['a plain string', 'hello', '"hello"'],
    ['null', null, 'null'],
    ['a call without parameters', { name: 'Calc.add' }, '{"name": "Calc.add"}'],
    ['an empty list', [], '[]'],
    ['a number', 3, '3'],
  ])(
    'answers %s with an ARGS_ERROR ActionReturn instead of throwing',
    async (_label, content, shown) => {
      const response = await calcExecutor().call(createAgentMessage({ sender: 'Agent', content }));

      expect(response.sender).toBe('ActionExecutor');
      expect(response.content).toEqual({
        args: { content },
        url: null,
        type: null,
        result: null,
        errmsg: `ActionExecutor expects the message content to be a tool call {name, parameters}, got: ${shown}`,
        state: ActionStatusCode.ARGS_ERROR,
        thought: null,
        valid: ActionValidCode.INVALID,
      });
    },
  );

  it('runs a list of native tool calls in order and tags each result with its toolCallId', async () => {
    const order: string[] = [];
    const echo = defineTool({
      name: 'Echo',
      parameters: z.object({ text: z.string() }),
      execute: ({ text }) => {
        order.push(text);
        return text;
      },
    });
    const executor = new ActionExecutor({ actions: [createCalc(), echo] });

    const response = await executor.call(
      createAgentMessage({
        sender: 'Agent',
        content: [
          { id: 'call_1', name: 'Calc__add', parameters: '{"a": 1, "b": 2}' },
          { id: 'call_2', name: 'Echo', parameters: { text: 'first' } },
          { id: 'call_3', name: 'Calc.div', parameters: { a: 1, b: 0 } },
          { id: 'call_4', name: 'Echo', parameters: { text: 'second' } },
        ],
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
        args: { text: 'first' },
        url: null,
        type: 'Echo',
        result: [{ type: 'text', content: 'first' }],
        errmsg: null,
        state: ActionStatusCode.SUCCESS,
        thought: null,
        valid: ActionValidCode.OPEN,
        toolCallId: 'call_2',
      },
      {
        args: { a: 1, b: 0 },
        url: null,
        type: 'Calc',
        result: null,
        errmsg: 'division by zero',
        state: ActionStatusCode.API_ERROR,
        thought: null,
        valid: ActionValidCode.OPEN,
        toolCallId: 'call_3',
      },
      {
        args: { text: 'second' },
        url: null,
        type: 'Echo',
        result: [{ type: 'text', content: 'second' }],
        errmsg: null,
        state: ActionStatusCode.SUCCESS,
        thought: null,
        valid: ActionValidCode.OPEN,
        toolCallId: 'call_4',
      },
    ]);
    expect(order).toEqual(['first', 'second']);
  });

  it('tags an unknown native tool call with its toolCallId too', async () => {
    const response = await calcExecutor().call(
      createAgentMessage({
        sender: 'Agent',
        content: [{ id: 'call_9', name: 'Nope', parameters: {} }],
      }),
    );

    expect(response.content).toMatchObject([
      { type: 'InvalidAction', state: ActionStatusCode.API_ERROR, toolCallId: 'call_9' },
    ]);
  });

  it('does not change the message it was given', async () => {
    const message = toolCall('Calc.add', { a: 1, b: 2 });
    const before = structuredClone(message);

    await new ActionExecutor({
      actions: [createCalc()],
      hooks: [
        {
          beforeAction: (_executor, current) => {
            current.content = { name: 'Calc.add', parameters: { a: 5 } };
          },
        },
      ],
    }).call(message);

    expect(message).toEqual(before);
  });
});

describe('ActionExecutor: routing', () => {
  it('routes the native name Calc__add to Calc.add', async () => {
    const result = await run(calcExecutor(), 'Calc__add', { a: 2, b: 5 });

    expect(result.type).toBe('Calc');
    expect(result.result).toEqual([{ type: 'text', content: '7' }]);
  });

  it('routes a single tool by its name to its run API', async () => {
    const echo = defineTool({
      name: 'Echo',
      parameters: z.object({ text: z.string() }),
      execute: ({ text }) => text.toUpperCase(),
    });
    const result = await run(new ActionExecutor({ actions: [echo] }), 'Echo', { text: 'hi' });

    expect(result).toMatchObject({
      type: 'Echo',
      args: { text: 'hi' },
      result: [{ type: 'text', content: 'HI' }],
      state: ActionStatusCode.SUCCESS,
      valid: ActionValidCode.OPEN,
    });
  });

  it('looks a name up whole before splitting it, so a tool may hold "__" in its name', async () => {
    const tool = defineTool({
      name: 'get__time',
      parameters: z.object({}),
      execute: () => '12:00',
    });
    const result = await run(new ActionExecutor({ actions: [tool] }), 'get__time', {});

    expect(result.type).toBe('get__time');
    expect(result.result).toEqual([{ type: 'text', content: '12:00' }]);
  });

  it('runs forward() directly by name, with a toolCallId when given', async () => {
    const result = await calcExecutor().forward({
      name: 'Calc.add',
      parameters: { a: 1 },
      toolCallId: 'call_7',
    });

    expect(result).toMatchObject({
      result: [{ type: 'text', content: '2' }],
      state: ActionStatusCode.SUCCESS,
      toolCallId: 'call_7',
    });
  });

  it('uses a custom InvalidAction', async () => {
    const executor = new ActionExecutor({
      actions: [createCalc()],
      invalidAction: new InvalidAction({ errMsg: 'No such tool.' }),
    });

    const result = await run(executor, 'Search', {});

    expect(result.errmsg).toBe('No such tool. No action is named "Search"; the actions are: Calc.');
  });

  it('lists FinishAction among the actions when finishInAction is set, and then (as Lagent) marks it OPEN', async () => {
    const executor = new ActionExecutor({ actions: [createCalc()], finishInAction: true });

    expect(executor.keys()).toEqual(['Calc', 'FinishAction']);
    const result = await run(executor, 'FinishAction', 'done');
    expect(result).toMatchObject({
      type: 'FinishAction',
      result: [{ type: 'text', content: 'done' }],
      state: ActionStatusCode.SUCCESS,
      valid: ActionValidCode.OPEN,
    });
  });

  it('passes the session id and the signal to the tool', async () => {
    const seen: ToolContext[] = [];
    const probe = defineTool({
      name: 'Probe',
      parameters: z.object({}),
      execute: (_args, context) => {
        seen.push(context);
        return 'ok';
      },
    });
    const executor = new ActionExecutor({ actions: [probe] });
    const controller = new AbortController();

    await executor.call(toolCall('Probe', {}), {
      sessionId: 'session-7',
      signal: controller.signal,
    });
    await executor.call(toolCall('Probe', {}));

    expect(seen).toEqual([
      { sessionId: 'session-7', signal: controller.signal },
      { sessionId: 0, signal: undefined },
    ]);
  });

  it('rejects with AbortedError when the signal is already aborted', async () => {
    let calls = 0;
    const probe = defineTool({
      name: 'Probe',
      parameters: z.object({}),
      execute: () => {
        calls += 1;
        return 'ok';
      },
    });
    const executor = new ActionExecutor({ actions: [probe] });

    await expect(
      executor.call(toolCall('Probe', {}), { signal: AbortSignal.abort() }),
    ).rejects.toBeInstanceOf(AbortedError);
    expect(calls).toBe(0);
  });
});

describe('ActionExecutor: the action registry', () => {
  it('keeps the actions by name, in order', () => {
    const echo = defineTool({ name: 'Echo', parameters: z.object({}), execute: () => '' });
    const executor = new ActionExecutor({ actions: [createCalc(), echo] });

    expect(executor.keys()).toEqual(['Calc', 'Echo']);
    expect(executor.has('Calc')).toBe(true);
    expect(executor.has('Calc.add')).toBe(false);
    expect(executor.delete('Echo')).toBe(true);
    expect(executor.delete('Echo')).toBe(false);
    expect(executor.keys()).toEqual(['Calc']);
  });

  it('rejects two actions with the same name', () => {
    expect(() => new ActionExecutor({ actions: [createCalc(), createCalc()] })).toThrow(
      InvalidArgumentError,
    );
    const executor = calcExecutor();
    expect(() => executor.add(createCalc())).toThrow(
      'An action named "Calc" is already registered',
    );
  });

  it('adds an action after construction', async () => {
    const executor = new ActionExecutor({ actions: [] });
    executor.add(createCalc());

    expect((await run(executor, 'Calc.add', { a: 4 })).result).toEqual([
      { type: 'text', content: '5' },
    ]);
  });

  it('is named after its class, as Lagent names the sender', async () => {
    class MyExecutor extends ActionExecutor {}
    const executor = new MyExecutor({ actions: [createCalc()] });

    expect(executor.name).toBe('MyExecutor');
    expect((await executor.call(toolCall('Calc.add', { a: 1 }))).sender).toBe('MyExecutor');
  });

  it('frees sessions and resources of the actions that hold any', async () => {
    const closed: SessionId[] = [];
    let disposed = 0;
    const stateful: Action = {
      name: 'Kernel',
      isToolkit: false,
      description: { name: 'Kernel', description: '', parameters: [], required: [] },
      apis: [],
      run: () => Promise.resolve(createActionReturn()),
      closeSession: (sessionId) => {
        closed.push(sessionId);
        return Promise.resolve();
      },
      dispose: () => {
        disposed += 1;
        return Promise.resolve();
      },
    };
    const executor = new ActionExecutor({ actions: [createCalc(), stateful] });

    await executor.closeSession('s1');
    await executor.dispose();

    expect(closed).toEqual(['s1']);
    expect(disposed).toBe(1);
  });

  it('keeps the default built-in actions', () => {
    const executor = calcExecutor();

    expect(executor.invalidAction.name).toBe('InvalidAction');
    expect(executor.noAction.name).toBe('NoAction');
    expect(executor.finishAction).toBeInstanceOf(FinishAction);
  });
});
