// defineTool / defineToolkit: Lagent's BaseAction.__call__ (inventory 3.8) — argument
// errors, throwing tools, output wrapping, ActionReturn pass-through, context and abort.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AbortedError,
  ActionStatusCode,
  ActionValidCode,
  createActionReturn,
  defineTool,
  defineToolApi,
  defineToolkit,
  isCreatedActionReturn,
  outputToText,
} from '../../../../core/index.ts';
import type { ToolContext } from '../../../../core/index.ts';
import { createCalc } from './calc-toolkit.ts';

const returning = (output: unknown) =>
  defineTool({
    name: 'Out',
    parameters: z.object({}),
    execute: () => output,
  });

describe('defineTool', () => {
  it('makes a single-API action that runs with Lagent defaults', async () => {
    const echo = defineTool({
      name: 'Echo',
      description: 'Repeats the text',
      parameters: z.object({ text: z.string() }),
      execute: ({ text }) => `${text}!`,
    });

    expect(echo.name).toBe('Echo');
    expect(echo.isToolkit).toBe(false);
    expect(await echo.run({ inputs: { text: 'hi' } })).toEqual({
      args: { text: 'hi' },
      url: null,
      type: 'Echo',
      result: [{ type: 'text', content: 'hi!' }],
      errmsg: null,
      state: ActionStatusCode.SUCCESS,
      thought: null,
      valid: ActionValidCode.OPEN,
    });
  });

  it('answers an API other than run with API_ERROR', async () => {
    const result = await returning('x').run({ inputs: {}, api: 'other' });

    expect(result).toMatchObject({
      args: { inputs: {}, name: 'other' },
      type: 'Out',
      errmsg: 'invalid API: other',
      state: ActionStatusCode.API_ERROR,
    });
  });

  it('awaits an async execute', async () => {
    const slow = defineTool({
      name: 'Slow',
      parameters: z.object({ n: z.number() }),
      execute: async ({ n }) => {
        await new Promise((resolve) => setImmediate(resolve));
        return n * 2;
      },
    });

    expect((await slow.run({ inputs: '{"n": 21}' })).result).toEqual([
      { type: 'text', content: '42' },
    ]);
  });
});

describe('defineToolkit', () => {
  it('runs each API by name', async () => {
    const calc = createCalc();

    expect(calc.apis.map((api) => api.name)).toEqual(['add', 'div']);
    expect((await calc.run({ inputs: { a: 1, b: 2 }, api: 'add' })).result).toEqual([
      { type: 'text', content: '3' },
    ]);
    expect((await calc.run({ inputs: { a: 1, b: 4 }, api: 'div' })).result).toEqual([
      { type: 'text', content: '0.25' },
    ]);
  });

  it('has no run API of its own', async () => {
    const result = await createCalc().run({ inputs: { a: 1 } });

    expect(result.errmsg).toBe('invalid API: run');
    expect(result.state).toBe(ActionStatusCode.API_ERROR);
  });

  it('infers argument types through defineToolApi', async () => {
    const text = defineToolkit({
      name: 'Text',
      apis: {
        upper: defineToolApi({
          parameters: z.object({ value: z.string() }),
          execute: ({ value }) => value.toUpperCase(),
        }),
      },
    });

    expect((await text.run({ inputs: { value: 'abc' }, api: 'upper' })).result).toEqual([
      { type: 'text', content: 'ABC' },
    ]);
  });
});

describe('tool outputs', () => {
  it('sends an object as JSON text in Python json.dumps style, non-ASCII kept', async () => {
    const result = await returning({ answer: 42, items: [1, 'two'], city: '北京', none: null }).run(
      { inputs: {} },
    );

    expect(result.result).toEqual([
      {
        type: 'text',
        content: '{"answer": 42, "items": [1, "two"], "city": "北京", "none": null}',
      },
    ]);
  });

  it('sends a number as its text', async () => {
    expect((await returning(3).run({ inputs: {} })).result).toEqual([
      { type: 'text', content: '3' },
    ]);
    expect((await returning(0.5).run({ inputs: {} })).result).toEqual([
      { type: 'text', content: '0.5' },
    ]);
  });

  it('sends a string as it is', async () => {
    expect((await returning('{"not": "parsed"}').run({ inputs: {} })).result).toEqual([
      { type: 'text', content: '{"not": "parsed"}' },
    ]);
  });

  it('passes an ActionReturn from createActionReturn through, filling args and type', async () => {
    const plot = defineTool({
      name: 'Plot',
      parameters: z.object({ title: z.string() }),
      execute: () =>
        createActionReturn({
          result: [
            { type: 'image', content: '/tmp/a.png' },
            { type: 'text', content: 'a chart' },
          ],
        }),
    });

    const result = await plot.run({ inputs: { title: 'Sales' } });

    expect(result).toEqual({
      args: { title: 'Sales' },
      url: null,
      type: 'Plot',
      result: [
        { type: 'image', content: '/tmp/a.png' },
        { type: 'text', content: 'a chart' },
      ],
      errmsg: null,
      state: ActionStatusCode.SUCCESS,
      thought: null,
      valid: ActionValidCode.OPEN,
    });
    expect(isCreatedActionReturn(result)).toBe(true);
  });

  it("keeps the args, type and error state a tool's own ActionReturn sets", async () => {
    const tool = returning(
      createActionReturn({
        args: { query: 'q' },
        type: 'Custom',
        errmsg: 'quota exceeded',
        state: ActionStatusCode.HTTP_ERROR,
      }),
    );

    expect(await tool.run({ inputs: {} })).toMatchObject({
      args: { query: 'q' },
      type: 'Custom',
      errmsg: 'quota exceeded',
      state: ActionStatusCode.HTTP_ERROR,
    });
  });

  it('wraps a plain object shaped like an ActionReturn as text', async () => {
    const lookalike = { ...createActionReturn({ errmsg: 'x' }) };
    const result = await returning(lookalike).run({ inputs: {} });

    expect(result.state).toBe(ActionStatusCode.SUCCESS);
    expect(result.errmsg).toBeNull();
    expect(result.result?.[0]?.content).toBe(
      '{"args": null, "url": null, "type": null, "result": null, "errmsg": "x", "state": 0, "thought": null, "valid": 0}',
    );
  });

  it('outputToText renders values as Lagent would send them', () => {
    expect(outputToText('text')).toBe('text');
    expect(outputToText(7)).toBe('7');
    expect(outputToText({ a: [1, { b: 'c' }] })).toBe('{"a": [1, {"b": "c"}]}');
    // Lagent's parse_outputs: str(None) for a tool that returns nothing.
    expect(outputToText(undefined)).toBe('None');
    expect(outputToText(null)).toBe('None');
  });

  it("a tool that returns nothing answers 'None', as Lagent's str(None)", async () => {
    expect((await returning(undefined).run({ inputs: {} })).result).toEqual([
      { type: 'text', content: 'None' },
    ]);
  });

  it('args echo the call as the model made it, without the defaults it did not send', async () => {
    const tool = defineTool({
      name: 'Defaults',
      parameters: z.object({ a: z.number(), b: z.number().default(1) }),
      execute: ({ a, b }) => a + b,
    });
    // Lagent: ActionReturn(args={'a': 2}, result=[{'type': 'text', 'content': '3'}])
    expect(await tool.run({ inputs: '{"a": 2}' })).toMatchObject({
      args: { a: 2 },
      result: [{ type: 'text', content: '3' }],
    });
  });
});

describe('tool failures', () => {
  it('turns a throw into API_ERROR with the message and the parsed args', async () => {
    const tool = defineTool({
      name: 'Fails',
      parameters: z.object({ n: z.number().default(5) }),
      execute: () => {
        throw new TypeError('bad things');
      },
    });

    expect(await tool.run({ inputs: '{"n": 2}' })).toEqual({
      args: { n: 2 },
      url: null,
      type: 'Fails',
      result: null,
      errmsg: 'bad things',
      state: ActionStatusCode.API_ERROR,
      thought: null,
      valid: ActionValidCode.OPEN,
    });
  });

  it('turns a rejected promise and a thrown non-Error into API_ERROR too', async () => {
    const rejects = defineTool({
      name: 'Rejects',
      parameters: z.object({}),
      execute: () => Promise.reject(new Error('later')),
    });
    const throwsText = defineTool({
      name: 'ThrowsText',
      parameters: z.object({}),
      execute: () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error
        throw 'plain text';
      },
    });

    expect(await rejects.run({ inputs: {} })).toMatchObject({
      errmsg: 'later',
      state: ActionStatusCode.API_ERROR,
    });
    expect(await throwsText.run({ inputs: {} })).toMatchObject({
      errmsg: 'plain text',
      state: ActionStatusCode.API_ERROR,
    });
  });

  it('does not call the tool when the arguments are bad', async () => {
    let calls = 0;
    const tool = defineTool({
      name: 'Counted',
      parameters: z.object({ n: z.number() }),
      execute: () => {
        calls += 1;
        return 'ran';
      },
    });

    expect((await tool.run({ inputs: { n: 'x' } })).state).toBe(ActionStatusCode.ARGS_ERROR);
    expect(calls).toBe(0);
  });
});

describe('tool context and cancellation', () => {
  const probe = (seen: ToolContext[]) =>
    defineTool({
      name: 'Probe',
      parameters: z.object({}),
      execute: (_args, context) => {
        seen.push(context);
        return 'ok';
      },
    });

  it('gives the tool {sessionId, signal}', async () => {
    const seen: ToolContext[] = [];
    const controller = new AbortController();

    await probe(seen).run({ inputs: {}, sessionId: 'abc', signal: controller.signal });
    await probe(seen).run({ inputs: {} });

    expect(seen).toEqual([
      { sessionId: 'abc', signal: controller.signal },
      { sessionId: 0, signal: undefined },
    ]);
  });

  it('throws AbortedError without calling the tool when the signal is already aborted', async () => {
    const seen: ToolContext[] = [];

    const running = probe(seen).run({ inputs: {}, signal: AbortSignal.abort() });

    await expect(running).rejects.toBeInstanceOf(AbortedError);
    await expect(running).rejects.toMatchObject({
      code: 'ABORTED',
      message: 'Tool Probe was aborted',
    });
    expect(seen).toEqual([]);
  });

  it('throws AbortedError, with the tool error as cause, when aborted while running', async () => {
    const controller = new AbortController();
    const stopped = new Error('stopped');
    const tool = defineTool({
      name: 'Long',
      parameters: z.object({}),
      execute: (_args, { signal }) =>
        new Promise((_resolve, reject) => {
          signal?.addEventListener('abort', () => reject(stopped));
          controller.abort();
        }),
    });

    const running = tool.run({ inputs: {}, signal: controller.signal });

    await expect(running).rejects.toBeInstanceOf(AbortedError);
    await expect(running).rejects.toMatchObject({ cause: stopped });
  });

  it('still answers a failing tool with API_ERROR when the signal was not aborted', async () => {
    const tool = defineTool({
      name: 'Fails',
      parameters: z.object({}),
      execute: () => {
        throw new Error('no');
      },
    });

    expect(await tool.run({ inputs: {}, signal: new AbortController().signal })).toMatchObject({
      errmsg: 'no',
      state: ActionStatusCode.API_ERROR,
    });
  });
});
